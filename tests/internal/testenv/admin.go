package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

// Admin is a client of a sandbox's unsigned admin API (/sandbox/...), for a
// sandbox running in another process.
type Admin struct {
	// URL is the sandbox's base URL.
	URL string
}

// Grant seeds or tops up a member of the default member type.
func (a Admin) Grant(ctx context.Context, memberID string, points float64) (sandbox.Balance, error) {
	var b sandbox.Balance
	body := map[string]any{"memberId": memberID, "memberType": crm.DefaultMemberType, "points": points}
	return b, a.do(ctx, http.MethodPost, "/sandbox/members", body, &b)
}

// Balance returns a member's account.
func (a Admin) Balance(ctx context.Context, memberID string) (sandbox.Balance, error) {
	var b sandbox.Balance
	return b, a.do(ctx, http.MethodGet, "/sandbox/members/"+url.PathEscape(memberID), nil, &b)
}

// Freezes lists every applied freeze.
func (a Admin) Freezes(ctx context.Context) ([]sandbox.Freeze, error) {
	var fs []sandbox.Freeze
	return fs, a.do(ctx, http.MethodGet, "/sandbox/freezes", nil, &fs)
}

// TokenView is the sandbox's record of one X-Business-Token.
type TokenView struct {
	// Record is the stored first answer, nil when the token is unknown.
	Record *sandbox.TokenRecord `json:"record"`
	// Entries are the ledger effects made under the token.
	Entries []sandbox.Entry `json:"entries"`
}

// Token returns what the sandbox holds for token.
func (a Admin) Token(ctx context.Context, token string) (TokenView, error) {
	var v TokenView
	return v, a.do(ctx, http.MethodGet, "/sandbox/tokens/"+url.PathEscape(token), nil, &v)
}

// Stats returns the request and fault counters since the sandbox started.
func (a Admin) Stats(ctx context.Context) (sandbox.Stats, error) {
	var s sandbox.Stats
	return s, a.do(ctx, http.MethodGet, "/sandbox/stats", nil, &s)
}

// Faults returns the fault rates in force.
func (a Admin) Faults(ctx context.Context) (sandbox.Faults, error) {
	var f sandbox.Faults
	return f, a.do(ctx, http.MethodGet, "/sandbox/faults", nil, &f)
}

// SetFaults replaces the fault rates.
func (a Admin) SetFaults(ctx context.Context, f sandbox.Faults) error {
	return a.do(ctx, http.MethodPut, "/sandbox/faults", f, nil)
}

// Script queues scripted faults, the fate of the next requests of their
// operations (sandbox.ScriptedFault), and returns how many are not met yet.
func (a Admin) Script(ctx context.Context, faults ...sandbox.ScriptedFault) (pending int, err error) {
	if faults == nil {
		faults = []sandbox.ScriptedFault{}
	}
	var out struct {
		Pending int `json:"pending"`
	}
	err = a.do(ctx, http.MethodPost, "/sandbox/faults/script", faults, &out)
	return out.Pending, err
}

// Check runs the ledger's invariant checks; the error lists the violations.
func (a Admin) Check(ctx context.Context) error {
	return a.do(ctx, http.MethodGet, "/sandbox/check", nil, nil)
}

// do sends one admin call and decodes a 200 answer into out; any other
// status is an error carrying the answer's body.
func (a Admin) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.URL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sandbox %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
