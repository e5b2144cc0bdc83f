package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

// fakeCRM answers every call with res and err and remembers the last op.
type fakeCRM struct {
	res    crm.Result
	err    error
	called string
}

func (f *fakeCRM) Freeze(context.Context, string, crm.Request) (crm.Result, error) {
	f.called = crm.OpFreeze
	return f.res, f.err
}

func (f *fakeCRM) Release(context.Context, string, crm.Request) (crm.Result, error) {
	f.called = crm.OpRelease
	return f.res, f.err
}

func (f *fakeCRM) Consume(context.Context, string, crm.Request) (crm.Result, error) {
	f.called = crm.OpConsume
	return f.res, f.err
}

func TestInstrumentedCRM(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		op           string
		res          crm.Result
		err          error
		wantOutcome  string
		wantStatus   string
		wantReplayed bool
	}{
		{"fresh freeze", crm.OpFreeze, crm.Result{Status: 200}, nil, "ok", "200", false},
		{"replayed consume", crm.OpConsume, crm.Result{Status: 200, Replayed: true}, nil, "ok", "200", true},
		{"no-content release", crm.OpRelease, crm.Result{Status: 204}, nil, "ok", "204", false},
		{"rejected", crm.OpFreeze, crm.Result{}, &crm.Error{Class: crm.ClassRejected, Op: crm.OpFreeze, Status: 422}, "rejected", "422", false},
		{"throttled", crm.OpConsume, crm.Result{}, &crm.Error{Class: crm.ClassTransient, Op: crm.OpConsume, Status: 429}, "transient", "429", false},
		{"connection error", crm.OpRelease, crm.Result{}, &crm.Error{Class: crm.ClassTransient, Op: crm.OpRelease, Err: errors.New("refused")}, "transient", "none", false},
		{"invalid", crm.OpFreeze, crm.Result{}, &crm.Error{Class: crm.ClassInvalid, Op: crm.OpFreeze}, "invalid", "none", false},
		{"wrapped crm error", crm.OpFreeze, crm.Result{}, errors.Join(errors.New("ctx"), &crm.Error{Class: crm.ClassRejected, Status: 409}), "rejected", "409", false},
		{"foreign error", crm.OpConsume, crm.Result{}, context.Canceled, "transient", "none", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newTestMetrics(t)
			next := &fakeCRM{res: tt.res, err: tt.err}
			c := InstrumentedCRM{Next: next, Metrics: m}
			calls := map[string]func(context.Context, string, crm.Request) (crm.Result, error){
				crm.OpFreeze: c.Freeze, crm.OpRelease: c.Release, crm.OpConsume: c.Consume,
			}
			res, err := calls[tt.op](context.Background(), "token", crm.Request{})
			require.Equal(t, tt.op, next.called)
			require.Equal(t, tt.res, res)
			require.Equal(t, tt.err, err, "the decorator returns the error unchanged")

			got, found := sample(t, m.Registry(), "kylin_crm_calls_total",
				map[string]string{"op": tt.op, "outcome": tt.wantOutcome, "status": tt.wantStatus})
			require.True(t, found)
			require.Equal(t, 1.0, got)
			_, replayed := sample(t, m.Registry(), "kylin_crm_replayed_total", map[string]string{"op": tt.op})
			require.Equal(t, tt.wantReplayed, replayed)
		})
	}
}
