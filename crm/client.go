// Package crm is a typed client of the Aupres Kylin CRM open API: the points
// freeze (W9) and its release and consume siblings, with the gateway's
// signature, validation before any call, and errors classed for retry.
package crm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Default endpoint paths and field values (docs/crm.md, Endpoints and Request).
const (
	DefaultFreezePath   = "/openapi/v2/member/freezePoint"
	DefaultReleasePath  = "/openapi/v2/member/unfreezePoint"
	DefaultConsumePath  = "/openapi/v2/member/freezeDeductPoint"
	DefaultMemberType   = "aupres"
	DefaultChannelType  = "WECHAT"
	DefaultPointBizType = "POINT"
	DefaultTimeout      = 10 * time.Second
	// MaxResponseBytes is the most the client reads of any answer.
	MaxResponseBytes = 1 << 20
)

// Operation names, also the step names of the idempotency token.
const (
	OpFreeze  = "freeze"
	OpRelease = "release"
	OpConsume = "consume"
)

// Client calls the CRM. The zero value of every field but BaseURL is usable.
type Client struct {
	// BaseURL is scheme and host, e.g. https://kylinapi.example.com.
	BaseURL string
	// ServiceName and Secret are the gateway credentials. Secret is never logged.
	ServiceName string
	Secret      string
	// HTTPClient is used for every call; nil means a shared keep-alive client.
	HTTPClient *http.Client
	// Timeout bounds one HTTP attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// MemberType and ChannelType fill requests that leave them empty.
	MemberType  string
	ChannelType string
	// FreezePath, ReleasePath and ConsumePath override the default endpoints.
	FreezePath  string
	ReleasePath string
	ConsumePath string
	// Now is the clock for X-Caller-Timestamp; nil means time.Now.
	Now func() time.Time
	// Logger receives one debug line per call; nil means no logging.
	Logger *zap.Logger
	// LogMemberData lets Logger's lines carry the CRM's free-text messages,
	// which may name the member; otherwise a failed call logs its
	// operation, class, status and code only (Error.Redacted).
	LogMemberData bool
	// Codes says how a 200 or 201 answer without a `success` field is read
	// (Codes.WithoutSuccess); nil means DefaultCodes, which reads it as
	// applied. The worker sets it from KYLIN_CRM_CODES_FILE.
	Codes *Codes
}

// Result is the CRM's answer to a successful call.
type Result struct {
	// Status is the HTTP status (200, 201 or 204).
	Status int
	// Code and Message are the envelope's, empty for a 204.
	Code    string
	Message string
	// Data is the envelope's data object, raw; nil when absent.
	Data json.RawMessage
	// Replayed is true when the CRM said it answered from its idempotency record.
	Replayed bool
}

// Freeze moves points from available to frozen (W9).
func (c *Client) Freeze(ctx context.Context, token string, req Request) (Result, error) {
	return c.call(ctx, OpFreeze, cmp.Or(c.FreezePath, DefaultFreezePath), token, req)
}

// Release moves frozen points back to available. req.FreezeToken names the freeze.
func (c *Client) Release(ctx context.Context, token string, req Request) (Result, error) {
	return c.call(ctx, OpRelease, cmp.Or(c.ReleasePath, DefaultReleasePath), token, req)
}

// Consume deducts frozen points for good. req.FreezeToken names the freeze.
func (c *Client) Consume(ctx context.Context, token string, req Request) (Result, error) {
	return c.call(ctx, OpConsume, cmp.Or(c.ConsumePath, DefaultConsumePath), token, req)
}

// BuildBody validates req and renders the wire body with the client's defaults.
func (c *Client) BuildBody(op string, req Request) (Body, error) {
	if err := req.Validate(); err != nil {
		return Body{}, err
	}
	if op != OpFreeze {
		if req.FreezeToken == "" {
			return Body{}, fmt.Errorf("freezeToken is required to %s", op)
		}
		if err := ValidateToken(req.FreezeToken); err != nil {
			return Body{}, fmt.Errorf("freezeToken: %w", err)
		}
	}
	return Body{
		MemberID:       req.MemberID,
		Description:    req.Description,
		ChannelType:    cmp.Or(req.ChannelType, c.ChannelType, DefaultChannelType),
		MemberType:     cmp.Or(req.MemberType, c.MemberType, DefaultMemberType),
		ShopCode:       req.ShopCode,
		PointBizType:   cmp.Or(req.PointBizType, DefaultPointBizType),
		IdempotentMode: 1,
		Point:          req.Points,
		FreezeToken:    req.FreezeToken,
	}, nil
}

func (c *Client) call(ctx context.Context, op, path, token string, req Request) (Result, error) {
	if err := ValidateToken(token); err != nil {
		return invalid(op, err)
	}
	body, err := c.BuildBody(op, req)
	if err != nil {
		return invalid(op, err)
	}
	return c.post(ctx, op, path, token, body)
}

// Query sends body, signed, to the read-only endpoint path (e.g. a balance
// query) without a business token, and reads the answer as the operations'
// answers are read; its errors' Op is "query". It changes nothing in the
// CRM, so `starter crm-check` may call it before and after its steps.
func (c *Client) Query(ctx context.Context, path string, body any) (Result, error) {
	return c.post(ctx, "query", path, "", body)
}

// invalid is the error of a request that was not sent.
func invalid(op string, err error) (Result, error) {
	return Result{}, &Error{Class: ClassInvalid, Op: op, Err: err}
}

// post checks what every request needs, then posts body to path, signed,
// under token (none when ""), within one attempt's timeout, and reads the
// answer.
func (c *Client) post(ctx context.Context, op, path, token string, body any) (Result, error) {
	gp, err := SplitPath(path)
	if err != nil {
		return invalid(op, err)
	}
	if c.BaseURL == "" {
		return invalid(op, errors.New("CRM base URL is not set"))
	}
	if err := ValidateServiceName(c.ServiceName); err != nil {
		return invalid(op, err)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return invalid(op, err)
	}

	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(payload))
	if err != nil {
		return invalid(op, fmt.Errorf("CRM base URL: %w", err))
	}
	ts := FormatTimestamp(c.now())
	hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		hreq.Header.Set(HeaderBusinessToken, token)
	}
	hreq.Header.Set(HeaderCallerService, c.ServiceName)
	hreq.Header.Set(HeaderCallerTime, ts)
	hreq.Header.Set(HeaderCallerSign, Sign(c.ServiceName, c.Secret, ts, gp))

	start := time.Now()
	resp, err := c.httpClient().Do(hreq)
	if err != nil {
		// No answer: the CRM may or may not have applied it. The token makes a retry safe.
		c.log(op, token, 0, start, err)
		return Result{}, &Error{Class: ClassTransient, Op: op, Err: err}
	}
	defer resp.Body.Close()
	res, err := readResponse(op, resp, c.codes())
	c.log(op, token, resp.StatusCode, start, err)
	return res, err
}

// codes is the mapping answers are read with.
func (c *Client) codes() Codes {
	if c.Codes == nil {
		return DefaultCodes()
	}
	return *c.Codes
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// httpClient returns the client to send with, never following redirects:
// a redirected POST would be re-sent as a GET elsewhere, and a 3xx from the
// gateway means a misconfigured base URL, which the caller must see.
func (c *Client) httpClient() *http.Client {
	if c.HTTPClient == nil {
		return defaultHTTPClient
	}
	hc := *c.HTTPClient
	hc.CheckRedirect = noRedirect
	return &hc
}

// defaultHTTPClient keeps connections alive across calls.
var defaultHTTPClient = &http.Client{Transport: NewTransport(), CheckRedirect: noRedirect}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewTransport returns a transport tuned for many calls to one CRM host.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

func (c *Client) log(op, token string, status int, start time.Time, err error) {
	if c.Logger == nil {
		return
	}
	fields := []zap.Field{
		zap.String("op", op),
		zap.String("businessToken", token),
		zap.Int("status", status),
		zap.Duration("elapsed", time.Since(start)),
	}
	if err != nil {
		text := err.Error()
		if ce, ok := errors.AsType[*Error](err); ok && !c.LogMemberData {
			text = ce.Redacted()
		}
		c.Logger.Info("crm call failed", append(fields, zap.String("error", text))...)
		return
	}
	c.Logger.Debug("crm call", fields...)
}

// drain lets the connection be reused after a short read.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, MaxResponseBytes)) }
