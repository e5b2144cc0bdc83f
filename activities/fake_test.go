package activities_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/search"
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
		{"rejected", &crm.Error{Class: crm.ClassRejected, Op: "x", Status: 422, Code: "NOPE"}, activities.ErrCRMRefused, false, 0},
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

// No refusal is proof of anything, whatever came before: every one that a
// retry cannot cure is CRMRefused, for the workflow to settle by what a
// release answers, with the same class whether or not the token may have
// been sent before (no attempt count takes part). Release, consume and
// rechecks carry out a decision already taken: a refusal of our credentials
// there is retried, and a recheck that meets a gateway which says nothing of
// the token asks again.
func TestRefusalIsNeverProof(t *testing.T) {
	t.Parallel()
	refused := func(status int, code string) error {
		return &crm.Error{Class: crm.ClassRejected, Op: "x", Status: status, Code: code, Message: "no"}
	}
	const (
		refusedType = activities.ErrCRMRefused
		unauth      = activities.ErrCRMUnauthorized
		refusing    = activities.ErrCRMRefusing
		freeze      = activities.FreezeName
		release     = activities.ReleaseName
		consume     = activities.ConsumeName
		firstSent   = "first request of the token"
		maybeSent   = "token may have been sent"
		recheck     = "recheck"
	)
	tests := []struct {
		op, when  string
		err       error
		typ       string
		retryable bool
	}{
		{freeze, firstSent, refused(200, "POINT_NOT_ENOUGH"), refusedType, false},
		{freeze, maybeSent, refused(200, "POINT_NOT_ENOUGH"), refusedType, false},
		{freeze, recheck, refused(200, "POINT_NOT_ENOUGH"), refusedType, false},
		{freeze, firstSent, refused(200, "SOMETHING_ELSE"), refusedType, false},
		{freeze, firstSent, refused(401, ""), refusedType, false},
		{freeze, firstSent, refused(403, ""), refusedType, false},
		{freeze, firstSent, refused(404, ""), refusedType, false},
		{freeze, firstSent, refused(409, "TOKEN_CONFLICT"), refusedType, false},
		{freeze, maybeSent, refused(401, ""), refusedType, false},
		{freeze, maybeSent, refused(422, ""), refusedType, false},
		{freeze, recheck, refused(401, ""), unauth, true},
		{freeze, recheck, refused(403, ""), unauth, true},
		{freeze, recheck, refused(404, ""), refusing, true},
		{freeze, recheck, refused(302, ""), refusing, true},
		{freeze, recheck, refused(400, ""), refusedType, false},
		{freeze, recheck, refused(409, "TOKEN_CONFLICT"), refusedType, false},
		{release, firstSent, refused(401, ""), unauth, true},
		{release, maybeSent, refused(403, ""), unauth, true},
		{release, firstSent, refused(404, ""), refusedType, false},
		{release, firstSent, refused(422, ""), refusedType, false},
		{release, maybeSent, refused(409, "TOKEN_CONFLICT"), refusedType, false},
		{release, firstSent, refused(200, activities.CodeFreezeNotEnough), refusedType, false},
		{consume, firstSent, refused(401, ""), unauth, true},
		{consume, maybeSent, refused(403, ""), unauth, true},
		{consume, firstSent, refused(422, "MEMBER_LOCKED"), refusedType, false},
		{consume, maybeSent, refused(422, "MEMBER_LOCKED"), refusedType, false},
		{consume, maybeSent, refused(409, "TOKEN_CONFLICT"), refusedType, false},
		{consume, firstSent, refused(200, activities.CodeFreezeNotEnough), refusedType, false},
	}
	for _, tc := range tests {
		ce := tc.err.(*crm.Error)
		t.Run(fmt.Sprintf("%s/%s/%d", tc.op, tc.when, ce.Status), func(t *testing.T) {
			t.Parallel()
			sb := &crmSandbox{t: t}
			sb.env = sb.activitiesEnv(failingCRM{tc.err})
			in := settleInput(tok("x"), tok("f"), 5)
			in.MaybeSent = tc.when == maybeSent
			in.Recheck = tc.when == recheck
			_, err := sb.run(tc.op, in)
			appErr := requireAppError(t, err, tc.typ, tc.retryable)
			var d activities.RejectionDetails
			require.NoError(t, appErr.Details(&d))
			want := activities.RejectionDetails{Status: ce.Status, Code: ce.Code, Message: "no"}
			if d.Business() {
				// A code the mapping does not know has no meaning.
				want.Meaning = crm.DefaultCodes().MeaningOf(ce.Code)
			}
			require.Equal(t, want, d)
			require.Equal(t, ce.Status >= 200 && ce.Status < 300, d.Business())
		})
	}
}

func TestPrepareGivesTheWorkersBodyAndSearchSettings(t *testing.T) {
	t.Parallel()
	defaults := activities.BodyFields{MemberType: crm.DefaultMemberType, ChannelType: crm.DefaultChannelType, PointBizType: crm.DefaultPointBizType}
	key := []byte("hash key")
	raw := activities.Activities{Search: activities.Search{Enabled: true, MemberMode: search.MemberRaw}}
	tests := []struct {
		name   string
		acts   activities.Activities
		member string // "" is m-1
		want   activities.Prepared
	}{
		{"unset", activities.Activities{}, "", activities.Prepared{StartShown: true, BodyFields: defaults}},
		{"search, member raw and over-long: left out, for the freeze to refuse", raw, strings.Repeat("m", 100_000),
			activities.Prepared{StartShown: true, BodyFields: defaults, Search: true}},
		{"search, member raw, one past the CRM's limit", raw, strings.Repeat("m", crm.MaxMemberIDChars+1),
			activities.Prepared{StartShown: true, BodyFields: defaults, Search: true}},
		{"search, member raw with a newline", raw, "m-1\nKylinState=CONSUMED", activities.Prepared{StartShown: true, BodyFields: defaults, Search: true}},
		{"search, member raw at the CRM's limit", raw, strings.Repeat("m", crm.MaxMemberIDChars),
			activities.Prepared{StartShown: true, BodyFields: defaults, Search: true, Member: strings.Repeat("m", crm.MaxMemberIDChars)}},
		{"search, member hashed, however long", activities.Activities{Search: activities.Search{Enabled: true, MemberMode: search.MemberHashed, MemberKey: key}},
			strings.Repeat("m", 100_000), activities.Prepared{StartShown: true, BodyFields: defaults, Search: true, Member: search.MemberValue(search.MemberHashed, key, strings.Repeat("m", 100_000))}},
		{"configured body", activities.Activities{Defaults: activities.BodyFields{MemberType: "GMYB", ChannelType: "POS"}}, "",
			activities.Prepared{StartShown: true, BodyFields: activities.BodyFields{MemberType: "GMYB", ChannelType: "POS", PointBizType: crm.DefaultPointBizType}}},
		{"search, member hashed", activities.Activities{Search: activities.Search{Enabled: true, MemberMode: search.MemberHashed, MemberKey: key}}, "",
			activities.Prepared{StartShown: true, BodyFields: defaults, Search: true, Member: search.MemberValue(search.MemberHashed, key, "m-1")}},
		{"search, member raw", raw, "",
			activities.Prepared{StartShown: true, BodyFields: defaults, Search: true, Member: "m-1"}},
		{"search, member left out", activities.Activities{Search: activities.Search{Enabled: true, MemberMode: search.MemberNone}}, "",
			activities.Prepared{StartShown: true, BodyFields: defaults, Search: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.acts.Prepare(context.Background(), cmp.Or(tc.member, "m-1"))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// countingMetrics counts the increments of every counter, by name and tags.
type countingMetrics struct {
	tags   map[string]string
	counts map[string]int64
}

func (m *countingMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	merged := map[string]string{}
	for k, v := range m.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &countingMetrics{tags: merged, counts: m.counts}
}

func (m *countingMetrics) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) { m.counts[name+"/"+m.tags["op"]] += d })
}

func (m *countingMetrics) Gauge(string) client.MetricsGauge {
	return client.MetricsNopHandler.Gauge("")
}
func (m *countingMetrics) Timer(string) client.MetricsTimer {
	return client.MetricsNopHandler.Timer("")
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

// A refusal of our credentials on a step that must happen is counted, for
// an alert: an operator has to fix them.
func TestUnauthorizedSettlementIsCounted(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{counts: map[string]int64{}}
	var suite testsuite.WorkflowTestSuite
	suite.SetMetricsHandler(m)
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{CRM: failingCRM{&crm.Error{Class: crm.ClassRejected, Op: "release", Status: 401}}})
	for range 2 {
		_, err := env.ExecuteActivity(activities.ReleaseName, settleInput(tok("r"), tok("f"), 5))
		require.Error(t, err)
	}
	_, err := env.ExecuteActivity(activities.FreezeName, freezeInput(tok("f"), 5))
	require.Error(t, err)
	require.Equal(t, map[string]int64{activities.MetricUnauthorized + "/release": 2}, m.counts,
		"two refused releases; a refused first freeze is a plain rejection")
}

// The CRM's codes reach the workflows through the worker's mapping: a code
// it names has its meaning, and one it does not is never "nothing to
// release", even the default code when the mapping names another.
func TestCodesMappingGivesTheMeaning(t *testing.T) {
	t.Parallel()
	custom := &crm.Codes{FreezeNotFound: []string{"NO_SUCH_FREEZE"}, FreezeNotEnough: []string{"FREEZE_SHORT"}}
	business := func(code string) error {
		return &crm.Error{Class: crm.ClassRejected, Op: "release", Status: 200, Code: code, Message: "no"}
	}
	tests := []struct {
		name    string
		codes   *crm.Codes
		code    string
		nothing bool        // the release found nothing to release
		meaning crm.Meaning // otherwise, the meaning the refusal carries
	}{
		{"default mapping, default code", nil, activities.CodeFreezeNotFound, true, ""},
		{"default mapping, unknown code", nil, "NO_SUCH_FREEZE", false, crm.MeaningNone},
		{"custom mapping, its code", custom, "NO_SUCH_FREEZE", true, ""},
		{"custom mapping, the default code is unknown", custom, activities.CodeFreezeNotFound, false, crm.MeaningNone},
		{"custom mapping, not enough", custom, "FREEZE_SHORT", false, crm.FreezeNotEnough},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(&activities.Activities{CRM: failingCRM{business(tc.code)}, Codes: tc.codes})
			v, err := env.ExecuteActivity(activities.ReleaseName, settleInput(tok("r"), tok("f"), 5))
			if tc.nothing {
				require.NoError(t, err)
				var out activities.Output
				require.NoError(t, v.Get(&out))
				require.True(t, out.NothingToRelease)
				return
			}
			appErr := requireAppError(t, err, activities.ErrCRMRefused, false)
			var d activities.RejectionDetails
			require.NoError(t, appErr.Details(&d))
			require.Equal(t, tc.meaning, d.Meaning)
			require.Equal(t, tc.code, d.Code)
		})
	}
}
