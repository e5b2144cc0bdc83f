package sandbox

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/crm"
)

// The dev stack's caller: the credentials SeedDemo's members are used with.
const (
	DemoServiceName = "kylin-dev"
	DemoSecret      = "kylin-dev-secret"
)

// Defaults of Config and FaultRates.
const (
	DefaultBalancePath = "/openapi/v2/member/loyalty/point"
	DefaultMaxSkew     = 5 * time.Minute
	DefaultLatency     = 2 * time.Second
	// MaxLatency bounds the latency fault and Retry-After: a request is
	// never held longer, whatever the admin API was told.
	MaxLatency = time.Minute
	// MaxScriptPending bounds the scripted faults not met yet.
	MaxScriptPending  = 10_000
	DefaultRetryAfter = time.Second
)

// Caller is one gateway integrator: its secret and the member types it may
// act on. Empty MemberTypes means any.
type Caller struct {
	Secret      string   `json:"-"`
	MemberTypes []string `json:"memberTypes,omitempty"`
}

// allows reports whether the caller may act on memberType.
func (c Caller) allows(memberType string) bool {
	return len(c.MemberTypes) == 0 || slices.Contains(c.MemberTypes, memberType)
}

// Config configures a Server. The zero value serves an in-memory ledger to
// no caller; set Callers.
type Config struct {
	// Path is the SQLite file; "" keeps the ledger in memory.
	Path string
	// Callers maps a serviceName to its credentials.
	Callers map[string]Caller
	// FreezePath, ReleasePath, ConsumePath and BalancePath are the signed
	// endpoints; "" means crm.Default*Path and DefaultBalancePath.
	FreezePath, ReleasePath, ConsumePath, BalancePath string
	// Faults are the initial fault rates per operation.
	Faults Faults
	// Seed seeds the fault generator, so a run of faults can be reproduced.
	Seed int64
	// Now is the clock for signatures and ledger times; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the accepted X-Caller-Timestamp skew; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
	// Logger receives one debug line per request and one info line per
	// injected fault; nil means no logging.
	Logger *zap.Logger
	// Profile is how the sandbox differs from the CRM docs/crm.md
	// describes (ProfileNamed); the zero value is the default profile.
	Profile Profile
	// AdminToken, when set, admits an admin call carrying it as
	// "Authorization: Bearer <token>" from anywhere. Without it (or
	// without the header) only same-origin calls are admitted: no Origin
	// or the sandbox's own, to a Host that is an IP address or localhost.
	AdminToken string
}

// withDefaults fills the zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	c.FreezePath = cmp.Or(c.FreezePath, crm.DefaultFreezePath)
	c.ReleasePath = cmp.Or(c.ReleasePath, crm.DefaultReleasePath)
	c.ConsumePath = cmp.Or(c.ConsumePath, crm.DefaultConsumePath)
	c.BalancePath = cmp.Or(c.BalancePath, DefaultBalancePath)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxSkew <= 0 {
		c.MaxSkew = DefaultMaxSkew
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if strings.Contains(c.Path, "?") {
		return c, fmt.Errorf("sandbox: database path %q must not contain '?'", c.Path)
	}
	seen := map[string]string{}
	for name, p := range map[string]string{"freeze": c.FreezePath, "release": c.ReleasePath, "consume": c.ConsumePath, "balance": c.BalancePath} {
		if _, err := crm.SplitPath(p); err != nil {
			return c, fmt.Errorf("sandbox: %s path: %w", name, err)
		}
		if strings.HasPrefix(p, adminPrefix) {
			return c, fmt.Errorf("sandbox: %s path %q is under the admin prefix %s", name, p, adminPrefix)
		}
		if other, dup := seen[p]; dup {
			return c, fmt.Errorf("sandbox: %s and %s share the path %q", name, other, p)
		}
		seen[p] = name
	}
	callers := make(map[string]Caller, len(c.Callers))
	for name, caller := range c.Callers {
		if name == "" || caller.Secret == "" {
			return c, errors.New("sandbox: every caller needs a service name and a secret")
		}
		caller.MemberTypes = append([]string(nil), caller.MemberTypes...)
		callers[name] = caller
	}
	c.Callers = callers
	if err := c.Profile.validate(); err != nil {
		return c, fmt.Errorf("sandbox: %w", err)
	}
	if err := c.Faults.Validate(); err != nil {
		return c, fmt.Errorf("sandbox: %w", err)
	}
	c.Faults = c.Faults.withDefaults()
	return c, nil
}
