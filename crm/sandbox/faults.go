package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// FaultRates are the chances, each 0..1, that one request to an operation
// meets each fault. The kinds are disjoint and their sum is at most 1.
type FaultRates struct {
	// FailBefore answers 500 or 503 (half each) without any effect.
	FailBefore float64
	// FailAfter commits the effect, then loses the answer: the connection is
	// dropped, or a 502 is sent (half each).
	FailAfter float64
	// Latency sleeps LatencyDuration, then processes the request even if the
	// client has given up.
	Latency float64
	// TooMany answers 429 with Retry-After, without any effect.
	TooMany float64
	// LatencyDuration is the added latency; 0 means DefaultLatency.
	LatencyDuration time.Duration
	// RetryAfter is sent with 429 and 503 in whole seconds, at least 1;
	// 0 means DefaultRetryAfter.
	RetryAfter time.Duration
}

// Faults are the fault rates per operation.
type Faults struct {
	Freeze  FaultRates `json:"freeze"`
	Release FaultRates `json:"release"`
	Consume FaultRates `json:"consume"`
}

// AllOperations returns Faults with r for freeze, release and consume.
func AllOperations(r FaultRates) Faults {
	return Faults{Freeze: r, Release: r, Consume: r}
}

// Validate checks every rate is in 0..1, each operation's sum is at most 1
// and no duration is negative.
func (f Faults) Validate() error {
	for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
		if err := f.forOp(op).Validate(); err != nil {
			return fmt.Errorf("%s faults: %w", op, err)
		}
	}
	return nil
}

// Validate checks every rate is in 0..1, their sum is at most 1 and no
// duration is negative.
func (r FaultRates) Validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"failBefore", r.FailBefore}, {"failAfter", r.FailAfter}, {"latency", r.Latency}, {"tooMany", r.TooMany}} {
		if math.IsNaN(x.v) || x.v < 0 || x.v > 1 {
			return fmt.Errorf("%s rate %v is not in 0..1", x.name, x.v)
		}
	}
	if sum := r.FailBefore + r.FailAfter + r.Latency + r.TooMany; sum > 1+1e-9 {
		return fmt.Errorf("rates sum to %v, more than 1", sum)
	}
	if r.LatencyDuration < 0 || r.RetryAfter < 0 {
		return fmt.Errorf("durations must not be negative")
	}
	if r.LatencyDuration > MaxLatency || r.RetryAfter > MaxLatency {
		return fmt.Errorf("durations must be at most %s", MaxLatency)
	}
	return nil
}

func (f Faults) withDefaults() Faults {
	return Faults{Freeze: f.Freeze.withDefaults(), Release: f.Release.withDefaults(), Consume: f.Consume.withDefaults()}
}

func (r FaultRates) withDefaults() FaultRates {
	if r.LatencyDuration <= 0 {
		r.LatencyDuration = DefaultLatency
	}
	if r.RetryAfter <= 0 {
		r.RetryAfter = DefaultRetryAfter
	}
	return r
}

func (f Faults) forOp(op string) FaultRates {
	switch op {
	case crm.OpFreeze:
		return f.Freeze
	case crm.OpRelease:
		return f.Release
	case crm.OpConsume:
		return f.Consume
	}
	return FaultRates{}
}

// retryAfterSeconds renders RetryAfter for the Retry-After header.
func (r FaultRates) retryAfterSeconds() string {
	return strconv.FormatInt(max(1, int64(math.Ceil(r.RetryAfter.Seconds()))), 10)
}

type faultRatesJSON struct {
	FailBefore      float64         `json:"failBefore"`
	FailAfter       float64         `json:"failAfter"`
	Latency         float64         `json:"latency"`
	TooMany         float64         `json:"tooMany"`
	LatencyDuration json.RawMessage `json:"latencyDuration,omitempty"`
	RetryAfter      json.RawMessage `json:"retryAfter,omitempty"`
}

// MarshalJSON writes the durations as Go duration strings.
func (r FaultRates) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultRatesJSON{
		FailBefore: r.FailBefore, FailAfter: r.FailAfter, Latency: r.Latency, TooMany: r.TooMany,
		LatencyDuration: json.RawMessage(strconv.Quote(r.LatencyDuration.String())),
		RetryAfter:      json.RawMessage(strconv.Quote(r.RetryAfter.String())),
	})
}

// UnmarshalJSON reads the durations as Go duration strings or numbers of seconds.
func (r *FaultRates) UnmarshalJSON(b []byte) error {
	var v faultRatesJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	lat, err := parseDuration("latencyDuration", v.LatencyDuration)
	if err != nil {
		return err
	}
	ra, err := parseDuration("retryAfter", v.RetryAfter)
	if err != nil {
		return err
	}
	*r = FaultRates{FailBefore: v.FailBefore, FailAfter: v.FailAfter, Latency: v.Latency, TooMany: v.TooMany, LatencyDuration: lat, RetryAfter: ra}
	return nil
}

func parseDuration(field string, raw json.RawMessage) (time.Duration, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", field, err)
		}
		return d, nil
	}
	var secs float64
	if err := json.Unmarshal(raw, &secs); err != nil || math.IsNaN(secs) || math.Abs(secs) > 1e9 {
		return 0, fmt.Errorf("%s must be a duration string or a number of seconds", field)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// faultKind names an injected fault in Stats.
type faultKind string

const (
	faultNone       faultKind = ""
	faultFailBefore faultKind = "fail_before"
	faultFailAfter  faultKind = "fail_after"
	faultLatency    faultKind = "latency"
	faultTooMany    faultKind = "too_many"
)

// fault is the draw for one request: its kind, which half of a two-way
// fault (503 not 500, 502 not a dropped connection), and the rates in force.
type fault struct {
	kind  faultKind
	other bool
	rates FaultRates
}

// faultDice draws faults from a seeded generator. Every request that reaches
// it draws the same amount of randomness, so a sequence of requests meets the
// same faults under the same seed.
type faultDice struct {
	mu     sync.Mutex
	rng    *rand.Rand
	faults Faults
}

func newFaultDice(seed int64, f Faults) *faultDice {
	return &faultDice{rng: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)), faults: f}
}

func (d *faultDice) set(f Faults) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = f.withDefaults()
}

func (d *faultDice) get() Faults {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.faults
}

// roll draws the fault of one request to op. Kinds are tried in the order
// FailBefore, FailAfter, Latency, TooMany against one uniform draw.
func (d *faultDice) roll(op string) fault {
	d.mu.Lock()
	u, other := d.rng.Float64(), d.rng.Uint64()&1 == 1
	r := d.faults.forOp(op)
	d.mu.Unlock()
	f := fault{other: other, rates: r}
	switch {
	case u < r.FailBefore:
		f.kind = faultFailBefore
	case u < r.FailBefore+r.FailAfter:
		f.kind = faultFailAfter
	case u < r.FailBefore+r.FailAfter+r.Latency:
		f.kind = faultLatency
	case u < r.FailBefore+r.FailAfter+r.Latency+r.TooMany:
		f.kind = faultTooMany
	}
	return f
}
