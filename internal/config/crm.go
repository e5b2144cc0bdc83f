package config

import (
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/secretfile"
	"github.com/kylinpoints/kylin-points/workflows"
)

// CRM is how the worker calls the Kylin CRM.
type CRM struct {
	BaseURL     string
	ServiceName string
	// Secret is the gateway secret. It is never logged nor printed: String
	// and the JSON encoding leave it out.
	Secret      string `json:"-"`
	Timeout     time.Duration
	MemberType  string
	ChannelType string
	FreezePath  string
	ReleasePath string
	ConsumePath string
	// Codes is how the CRM's answers are read (KYLIN_CRM_CODES_FILE); nil
	// means crm.DefaultCodes.
	Codes *crm.Codes
	// CodesFile is the file Codes was read from, "" for the defaults.
	CodesFile string
}

// CodesInUse is the mapping the worker runs with: Codes, or the defaults.
func (c CRM) CodesInUse() crm.Codes {
	if c.Codes == nil {
		return crm.DefaultCodes()
	}
	return *c.Codes
}

// String describes the CRM settings without the secret.
func (c CRM) String() string {
	secret := "unset"
	if c.Secret != "" {
		secret = "set"
	}
	return sprintf("CRM{BaseURL:%s ServiceName:%s Secret:%s Timeout:%s}", c.BaseURL, c.ServiceName, secret, c.Timeout)
}

// Client builds the CRM client these settings describe.
func (c CRM) Client() *crm.Client {
	return &crm.Client{
		BaseURL:     c.BaseURL,
		ServiceName: c.ServiceName,
		Secret:      c.Secret,
		Timeout:     c.Timeout,
		MemberType:  c.MemberType,
		ChannelType: c.ChannelType,
		FreezePath:  c.FreezePath,
		ReleasePath: c.ReleasePath,
		ConsumePath: c.ConsumePath,
		Codes:       c.Codes,
	}
}

// crm reads and checks the CRM settings, recording every problem in p in
// the order of --help.
func (b *binder) crm(p *Problems) CRM {
	var c CRM
	c.BaseURL = b.required(p, CRMBaseURL)
	if c.BaseURL != "" {
		if why := checkBaseURL(c.BaseURL); why != "" {
			p.add(CRMBaseURL, "%s", why)
		} else if interceptable(c.BaseURL) && !b.boolean(p, CRMAllowInterceptableHTTP) {
			p.add(CRMBaseURL, "%q is http:// to a host that is not loopback: anyone on the path reads member IDs and can replay the signed headers with another body; use https://, or accept that with %s=true",
				c.BaseURL, CRMAllowInterceptableHTTP.Env)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	c.ServiceName = b.value(CRMServiceName)
	if err := crm.ValidateServiceName(c.ServiceName); err != nil {
		p.add(CRMServiceName, "%v", err)
	}
	secret, secretOK := b.secret(p)
	c.Secret = secret
	switch {
	case c.ServiceName != "" && c.Secret == "" && secretOK:
		p.add(CRMServiceSecret, "or %s is required when %s is set", CRMServiceSecretFile.Name(), CRMServiceName.Env)
	case c.ServiceName == "" && c.Secret != "":
		p.add(CRMServiceName, "is required when a gateway secret is set")
	}
	c.Timeout = b.positiveDuration(p, CRMTimeout)
	if c.Timeout >= workflows.AttemptTimeout {
		// The client must give up first, so that the attempt reports why.
		p.add(CRMTimeout, "%q must be shorter than %s, the time one activity attempt may run", c.Timeout, workflows.AttemptTimeout)
	}
	c.MemberType = b.required(p, CRMMemberType)
	c.ChannelType = b.required(p, CRMChannelType)
	c.FreezePath = b.path(p, CRMFreezePath)
	c.ReleasePath = b.path(p, CRMReleasePath)
	c.ConsumePath = b.path(p, CRMConsumePath)
	c.Codes, c.CodesFile = b.codes(p)
	return c
}

// secret reads the gateway secret from its variable or its file, never both;
// ok is false when it recorded a problem. No message here ever quotes the
// secret or the file's content.
func (b *binder) secret(p *Problems) (secret string, ok bool) {
	value, file := b.raw(CRMServiceSecret), b.value(CRMServiceSecretFile)
	switch {
	case value != "" && file != "":
		p.add(CRMServiceSecret, "and %s are both set: set only one", CRMServiceSecretFile.Name())
		return "", false
	case file == "":
		return value, true
	}
	secret, err := secretfile.Read(file)
	if err != nil {
		p.add(CRMServiceSecretFile, "%v", err)
		return "", false
	}
	if secret == "" {
		p.add(CRMServiceSecretFile, "%q is empty", file)
		return "", false
	}
	return secret, true
}

// path checks an endpoint path the way the client splits it for signing.
func (b *binder) path(p *Problems, s Setting) string {
	v := b.value(s)
	if !strings.HasPrefix(v, "/") {
		p.add(s, "%q must start with /", v)
		return v
	}
	if _, err := crm.SplitPath(v); err != nil {
		p.add(s, "%v", err)
	}
	return v
}

func (b *binder) positiveDuration(p *Problems, s Setting) time.Duration {
	v := b.value(s)
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		p.add(s, "%q is not a duration (e.g. 10s, 1m)", v)
	case d <= 0:
		p.add(s, "%q must be greater than 0", v)
	}
	return d
}

// maxQPS reads the rate limit; empty is DefaultCRMMaxQPS.
func (b *binder) maxQPS(p *Problems) float64 {
	v := b.value(CRMMaxQPS)
	if v == "" {
		v = DefaultCRMMaxQPS
	}
	q, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(q) || math.IsInf(q, 0) || q <= 0 {
		p.add(CRMMaxQPS, "%q must be a positive number of calls per second", v)
		return 0
	}
	return q
}

// interceptable reports whether base (a checked base URL) is plain http://
// to a host that is not loopback.
func interceptable(base string) bool {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// boolean reads a true/false setting, recording a problem for anything else.
func (b *binder) boolean(p *Problems, s Setting) bool {
	v := b.value(s)
	if v == "" {
		v = s.Default
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		p.add(s, "%q must be true or false", v)
	}
	return on
}

// reconcileEvery reads how often the reconciliation runs; empty is off (0).
func (b *binder) reconcileEvery(p *Problems) time.Duration {
	v := b.value(ReconcileEvery)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d%time.Second != 0 {
		p.add(ReconcileEvery, "%q must be a duration of whole seconds, at least 1m", v)
		return 0
	}
	return d
}

// checkBaseURL returns why v is not a CRM base URL (scheme and host, as the
// endpoint paths are signed whole), or "".
func checkBaseURL(v string) string {
	if why := checkHTTPURL(v); why != "" {
		return why
	}
	if strings.ContainsAny(v, "?#") {
		return "must not have a query or fragment, even an empty one"
	}
	u, _ := url.Parse(v)
	if strings.Trim(u.EscapedPath(), "/") != "" {
		return sprintf("must be scheme and host only, got path %q: the endpoint paths (KYLIN_CRM_*_PATH) hold the whole path", u.EscapedPath())
	}
	return ""
}

// checkHTTPURL returns why v is not an absolute http(s) URL, or "".
func checkHTTPURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "is not a URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return sprintf("must be an http:// or https:// URL, got scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return "has no host"
	}
	if u.User != nil {
		return "must not hold credentials"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "must not have a query or fragment"
	}
	return ""
}
