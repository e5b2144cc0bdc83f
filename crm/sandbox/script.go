package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/kylinpoints/kylin-points/crm"
)

// ScriptedFault is the fate of the next request of one operation, chosen
// by a test instead of the dice: a scripted fault runs before any random one
// and is used once.
type ScriptedFault struct {
	// Op is freeze, release or consume.
	Op string `json:"op"`
	// Kind is ScriptFailAfter or ScriptRefuse.
	Kind string `json:"kind"`
	// Status is the HTTP status of a refusal (ScriptRefuse): any 3xx, 4xx
	// or 5xx, as a gateway answers before the ledger (401 when credentials
	// were rotated, 403, a gateway 404, 409, ...).
	Status int `json:"status,omitempty"`
}

// Kinds of ScriptedFault.
const (
	// ScriptFailAfter applies the request, then drops the connection: the
	// answer is lost after the commit.
	ScriptFailAfter = "fail_after"
	// ScriptRefuse answers Status without touching the ledger.
	ScriptRefuse = "refuse"
)

// Validate checks the operation, the kind and the status.
func (f ScriptedFault) Validate() error {
	if !slices.Contains([]string{crm.OpFreeze, crm.OpRelease, crm.OpConsume}, f.Op) {
		return fmt.Errorf("op %q is not freeze, release or consume", f.Op)
	}
	switch f.Kind {
	case ScriptFailAfter:
		if f.Status != 0 {
			return fmt.Errorf("status is for %s only", ScriptRefuse)
		}
	case ScriptRefuse:
		if f.Status < 300 || f.Status > 599 {
			return fmt.Errorf("status %d of a refusal must be 3xx, 4xx or 5xx", f.Status)
		}
	default:
		return fmt.Errorf("kind %q is not %s or %s", f.Kind, ScriptFailAfter, ScriptRefuse)
	}
	return nil
}

// script holds the scripted faults not used yet, in order per operation.
type script struct {
	mu   sync.Mutex
	next map[string][]ScriptedFault
}

func (s *script) add(faults []ScriptedFault) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.next {
		n += len(q)
	}
	if n+len(faults) > MaxScriptPending {
		return fmt.Errorf("the script holds at most %d faults not met yet; %d are, %d more asked", MaxScriptPending, n, len(faults))
	}
	if s.next == nil {
		s.next = map[string][]ScriptedFault{}
	}
	for _, f := range faults {
		s.next[f.Op] = append(s.next[f.Op], f)
	}
	return nil
}

// take removes and returns the next scripted fault of op, if any.
func (s *script) take(op string) (ScriptedFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.next[op]
	if len(q) == 0 {
		return ScriptedFault{}, false
	}
	s.next[op] = q[1:]
	return q[0], true
}

// pending counts the scripted faults not used yet.
func (s *script) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.next {
		n += len(q)
	}
	return n
}

// Script queues faults for the next requests of their operations, after
// any queued before. It refuses the whole list if one is invalid.
func (s *Server) Script(faults ...ScriptedFault) error {
	for i, f := range faults {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("scripted fault %d: %w", i, err)
		}
	}
	return s.script.add(faults)
}

// ScriptPending counts the scripted faults not met yet.
func (s *Server) ScriptPending() int { return s.script.pending() }

// scripted turns the next scripted fault of op into the fault of this
// request: a refusal answered here (true), or a lost answer for later.
func (s *Server) scripted(w http.ResponseWriter, op string) (fault, bool) {
	sf, ok := s.script.take(op)
	switch {
	case !ok:
		return s.dice.roll(op), false
	case sf.Kind == ScriptFailAfter:
		return fault{kind: faultFailAfter}, false
	}
	code := CodeScripted
	if sf.Status == http.StatusConflict {
		code = CodeConflict
	}
	s.reject(w, op, sf.Status, code, "fault:scripted", fmt.Sprintf("scripted refusal %d, nothing applied", sf.Status))
	return fault{}, true
}
