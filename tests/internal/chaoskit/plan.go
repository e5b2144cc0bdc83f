package chaoskit

import (
	"fmt"
	"math"
)

// group is what a redemption is meant to go through.
type group string

// The groups of the mix.
const (
	groupConfirm group = "confirm"
	groupCancel  group = "cancel"
	groupHold    group = "hold-timeout"
	groupPoor    group = "poor member"
)

var groups = []group{groupConfirm, groupCancel, groupHold, groupPoor}

// planned is one redemption of the run.
type planned struct {
	id     string
	group  group
	member string
	points float64
	hold   int64
}

// Plan is the whole run: the members with what they are granted, and the redemptions.
type Plan struct {
	granted     map[string]float64
	redemptions []planned
}

// Sizes of the mix: every tenth redemption is by a poor member; rich members
// share redemptions so that they race on one balance.
const (
	redemptionsPerRichMember = 6
	poorMembers              = 5
	poorGrant                = 5
	holdLongSeconds          = 900
)

// NewPlan mixes n redemptions: 50% confirm, 20% cancel, 20% hold timeout
// (5–20 s), 10% by members without enough points. Rich members are granted
// more than all their redemptions need; poor members less than any one.
func NewPlan(n int) Plan { return NewNamedPlan("chaos", n) }

// NewNamedPlan is NewPlan with workflow IDs and members named after prefix,
// so that two runs against one server and sandbox stay apart.
func NewNamedPlan(prefix string, n int) Plan {
	p := Plan{granted: map[string]float64{}}
	rich := int(math.Ceil(float64(n) / redemptionsPerRichMember))
	for i := range poorMembers {
		p.granted[fmt.Sprintf("%s-poor-%02d", prefix, i)] = poorGrant
	}
	for i := range n {
		r := planned{id: fmt.Sprintf("%s-%05d", prefix, i), hold: holdLongSeconds}
		// Whole hundredths divided once, so the float is the decimal's nearest.
		cents := 100 + (i*3737)%9900
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			r.group = groupConfirm
		case 5, 6:
			r.group = groupCancel
		case 7, 8:
			r.group = groupHold
			r.hold = 5 + int64(i%16)
		default:
			r.group = groupPoor
		}
		if r.group == groupPoor {
			r.member = fmt.Sprintf("%s-poor-%02d", prefix, i%poorMembers)
			cents += poorGrant * 100
		}
		r.points = float64(cents) / 100
		if r.group != groupPoor {
			r.member = fmt.Sprintf("%s-member-%04d", prefix, i%rich)
			p.granted[r.member] += r.points + 100
		}
		p.redemptions = append(p.redemptions, r)
	}
	for m, g := range p.granted {
		p.granted[m] = math.Round(g*100) / 100
	}
	return p
}

// SandboxFaultFlags are the sandbox command's flags for the fault rates of
// the rehearsals, on every operation: 20% fail before commit, 10% lose the
// answer after commit, 5% answer after the client's timeout (CRMTimeout)
// and still apply, 5% answer 429 with Retry-After.
var SandboxFaultFlags = []string{
	"-fail-before", "0.20", "-fail-after", "0.10", "-latency", "0.05", "-too-many", "0.05",
	"-latency-duration", "3s", "-retry-after", "1s", "-seed", "42", "-demo=false",
}

// CRMTimeout is the workers' KYLIN_CRM_TIMEOUT in the rehearsals: shorter
// than a latency fault, so that the client gives up and the sandbox still
// applies the call.
const CRMTimeout = "2s"
