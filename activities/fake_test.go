package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// httptestClosedURL returns the URL of a server that is no longer there.
func httptestClosedURL(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.NotFoundHandler())
	url := hs.URL
	hs.Close()
	return url
}

// failingCRM answers every call with err.
type failingCRM struct{ err error }

func (f failingCRM) Freeze(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{}, f.err
}

func (f failingCRM) Release(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{}, f.err
}

func (f failingCRM) Consume(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{}, f.err
}

// Every class of crm.Error maps to its Temporal error, whichever activity.
func TestErrorClassMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		typ       string
		retryable bool
		delay     time.Duration
	}{
		{"invalid", &crm.Error{Class: crm.ClassInvalid, Op: "x", Err: errors.New("bad")}, activities.ErrInvalidInput, false, 0},
		{"rejected", &crm.Error{Class: crm.ClassRejected, Op: "x", Status: 422, Code: "NOPE"}, activities.ErrCRMRejected, false, 0},
		{"transient", &crm.Error{Class: crm.ClassTransient, Op: "x", Status: 502}, activities.ErrCRMTransient, true, 0},
		{"transient with Retry-After", &crm.Error{Class: crm.ClassTransient, Op: "x", Status: 503, RetryAfter: 7 * time.Second}, activities.ErrCRMTransient, true, 7 * time.Second},
	}
	for _, tc := range tests {
		for _, op := range []string{activities.FreezeName, activities.ReleaseName, activities.ConsumeName} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				t.Parallel()
				sb := &crmSandbox{t: t}
				sb.env = sb.activitiesEnv(failingCRM{tc.err})
				_, err := sb.run(op, settleInput(tok("x"), tok("f"), 5))
				appErr := requireAppError(t, err, tc.typ, tc.retryable)
				require.Equal(t, tc.delay, appErr.NextRetryDelay())
			})
		}
	}
}
