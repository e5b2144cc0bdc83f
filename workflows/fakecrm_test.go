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
// gives the error of the n-th call (1-based) of op; nil applies the call.
type fakeCRM struct {
	mu     sync.Mutex
	script map[string]func(n int) error
	tokens map[string][]string // op → token of every call, in order
	freeze map[string]string   // freeze token → "frozen", "released" or "consumed"
}

func newFakeCRM(script map[string]func(n int) error) *fakeCRM {
	return &fakeCRM{script: script, tokens: map[string][]string{}, freeze: map[string]string{}}
}

func (f *fakeCRM) Freeze(_ context.Context, token string, _ crm.Request) (crm.Result, error) {
	return f.call(crm.OpFreeze, token, func() error {
		if f.freeze[token] == "" {
			f.freeze[token] = "frozen"
		}
		return nil
	})
}

func (f *fakeCRM) Release(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	return f.call(crm.OpRelease, token, func() error { return f.settle(crm.OpRelease, req.FreezeToken, "released") })
}

func (f *fakeCRM) Consume(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	return f.call(crm.OpConsume, token, func() error { return f.settle(crm.OpConsume, req.FreezeToken, "consumed") })
}

func (f *fakeCRM) settle(op, freezeToken, to string) error {
	switch f.freeze[freezeToken] {
	case "":
		return rejected(op, 200, "FREEZE_NOT_FOUND")
	case "frozen", to:
		f.freeze[freezeToken] = to
		return nil
	default:
		return rejected(op, 200, "FREEZE_NOT_ENOUGH")
	}
}

func (f *fakeCRM) call(op, token string, apply func() error) (crm.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[op] = append(f.tokens[op], token)
	var err error
	if s := f.script[op]; s != nil {
		err = s(len(f.tokens[op]))
	}
	switch {
	case errors.Is(err, errLost):
		if err := apply(); err != nil {
			return crm.Result{}, err
		}
		return crm.Result{}, transient(op)
	case err != nil:
		return crm.Result{}, err
	}
	if err := apply(); err != nil {
		return crm.Result{}, err
	}
	return crm.Result{Status: 200, Code: "SUCCESS"}, nil
}

// calls returns the tokens op was called with.
func (f *fakeCRM) calls(op string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens[op]...)
}

// state returns what became of the freeze token.
func (f *fakeCRM) state(freezeToken string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.freeze[freezeToken]
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
