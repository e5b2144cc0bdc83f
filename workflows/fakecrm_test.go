package workflows_test

import (
	"context"
	"errors"
	"sync"

	"github.com/kylinpoints/kylin-points/crm"
)

// errLost scripts a call the CRM applies and whose answer is then lost.
var errLost = errors.New("answer lost after the change was applied")

func transient(op string) error {
	return &crm.Error{Class: crm.ClassTransient, Op: op, Status: 503}
}

func rejected(op string, status int, code string) error {
	return &crm.Error{Class: crm.ClassRejected, Op: op, Status: status, Code: code, Message: "refused by the fake"}
}

// fakeCRM answers like an idempotent CRM, with scripted failures. script[op]
// gives the error of the n-th call (1-based) of op; nil lets the call through
// to the ledger. A scripted refusal comes from the gateway, before the
// idempotency record: nothing is recorded. The ledger keeps, like the
// sandbox, the first outcome of every token (replayed on a repeat with the
// same operation and body, 409 otherwise) and the freezes in hundredths.
type fakeCRM struct {
	mu      sync.Mutex
	script  map[string]func(n int) error
	tokens  map[string][]string // op → token of every call, in order
	bodies  map[string][]crm.Request
	records map[string]tokenRecord
	freezes map[string]*freezeRow
}

type tokenRecord struct {
	op  string
	req crm.Request
	err error
}

type freezeRow struct{ amount, consumed, released int64 }

func newFakeCRM(script map[string]func(n int) error) *fakeCRM {
	return &fakeCRM{script: script, tokens: map[string][]string{}, bodies: map[string][]crm.Request{},
		records: map[string]tokenRecord{}, freezes: map[string]*freezeRow{}}
}

func (f *fakeCRM) Freeze(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	return f.call(crm.OpFreeze, token, req, func() error {
		f.freezes[token] = &freezeRow{amount: crm.Hundredths(req.Points)}
		return nil
	})
}

func (f *fakeCRM) Release(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	return f.call(crm.OpRelease, token, req, func() error {
		return f.settle(crm.OpRelease, req, func(r *freezeRow, p int64) { r.released += p })
	})
}

func (f *fakeCRM) Consume(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	return f.call(crm.OpConsume, token, req, func() error {
		return f.settle(crm.OpConsume, req, func(r *freezeRow, p int64) { r.consumed += p })
	})
}

func (f *fakeCRM) settle(op string, req crm.Request, apply func(*freezeRow, int64)) error {
	r := f.freezes[req.FreezeToken]
	p := crm.Hundredths(req.Points)
	switch {
	case r == nil:
		return rejected(op, 200, "FREEZE_NOT_FOUND")
	case p > r.amount-r.consumed-r.released:
		return rejected(op, 200, "FREEZE_NOT_ENOUGH")
	}
	apply(r, p)
	return nil
}

func (f *fakeCRM) call(op, token string, req crm.Request, apply func() error) (crm.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[op] = append(f.tokens[op], token)
	f.bodies[token] = append(f.bodies[token], req)
	var scripted error
	if s := f.script[op]; s != nil {
		scripted = s(len(f.tokens[op]))
	}
	if scripted != nil && !errors.Is(scripted, errLost) {
		return crm.Result{}, scripted
	}
	res, err := f.apply(op, token, req, apply)
	if errors.Is(scripted, errLost) {
		return crm.Result{}, transient(op)
	}
	return res, err
}

// apply replays a known token's first outcome, or records a new one.
func (f *fakeCRM) apply(op, token string, req crm.Request, apply func() error) (crm.Result, error) {
	if rec, ok := f.records[token]; ok {
		if rec.op != op || rec.req != req {
			return crm.Result{}, rejected(op, 409, "TOKEN_CONFLICT")
		}
		return crm.Result{Status: 200, Code: "SUCCESS", Replayed: true}, rec.err
	}
	err := apply()
	f.records[token] = tokenRecord{op: op, req: req, err: err}
	if err != nil {
		return crm.Result{}, err
	}
	return crm.Result{Status: 200, Code: "SUCCESS"}, nil
}

// note records a call that did not reach the ledger.
func (f *fakeCRM) note(op, token string, req crm.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[op] = append(f.tokens[op], token)
	f.bodies[token] = append(f.bodies[token], req)
}

// calls returns the tokens op was called with.
func (f *fakeCRM) calls(op string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens[op]...)
}

// requests returns every request sent under token, in order.
func (f *fakeCRM) requests(token string) []crm.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]crm.Request(nil), f.bodies[token]...)
}

// state returns what became of the freeze token: "" (never applied),
// "frozen", "released", "consumed", or "consumed+released" for a partial
// consume whose rest was released, "partly settled" when points remain.
func (f *fakeCRM) state(freezeToken string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.freezes[freezeToken]
	switch {
	case r == nil:
		return ""
	case r.consumed == 0 && r.released == 0:
		return "frozen"
	case r.amount-r.consumed-r.released > 0:
		return "partly settled"
	case r.consumed == 0:
		return "released"
	case r.released == 0:
		return "consumed"
	default:
		return "consumed+released"
	}
}

// held returns the points (hundredths) freeze token still holds frozen.
func (f *fakeCRM) held(freezeToken string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.freezes[freezeToken]; r != nil {
		return r.amount - r.consumed - r.released
	}
	return 0
}

// seed records a token as already used, as by another deployment.
func (f *fakeCRM) seed(op, token string, req crm.Request, apply func() error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, _ = f.apply(op, token, req, apply)
}

// failFirst fails the first n calls with err.
func failFirst(n int, err error) func(int) error {
	return func(call int) error {
		if call <= n {
			return err
		}
		return nil
	}
}

// sequence gives the n-th call the n-th error (nil: let it through); calls
// past the end go through.
func sequence(errs ...error) func(int) error {
	return func(call int) error {
		if call <= len(errs) {
			return errs[call-1]
		}
		return nil
	}
}
