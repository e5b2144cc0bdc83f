package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

const (
	service = "svc"
	secret  = "s"
	member  = "m-1"
	// narrow is a caller allowed only another brand's members.
	narrow = "narrow-svc"
)

// crmSandbox is a sandbox CRM behind a real HTTP server, with a member
// holding 100 points, and the activities calling it through crm.Client.
type crmSandbox struct {
	t   *testing.T
	srv *sandbox.Server
	url string
	env *testsuite.TestActivityEnvironment
}

func newSandbox(t *testing.T) *crmSandbox {
	t.Helper()
	s, err := sandbox.New(sandbox.Config{Callers: map[string]sandbox.Caller{
		service: {Secret: secret},
		narrow:  {Secret: secret, MemberTypes: []string{"other-brand"}},
	}})
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	transport := crm.NewTransport()
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		hs.Close()
		require.NoError(t, s.Close())
	})
	_, err = s.Grant(context.Background(), member, crm.DefaultMemberType, 100)
	require.NoError(t, err)
	sb := &crmSandbox{t: t, srv: s, url: hs.URL}
	sb.env = sb.activitiesEnv(&crm.Client{
		BaseURL: hs.URL, ServiceName: service, Secret: secret,
		HTTPClient: &http.Client{Transport: transport}, Timeout: 5 * time.Second,
	})
	return sb
}

func (sb *crmSandbox) activitiesEnv(c activities.CRM) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{CRM: c})
	return env
}

// run executes one activity by name.
func (sb *crmSandbox) run(name string, in activities.Input) (activities.Output, error) {
	sb.t.Helper()
	v, err := sb.env.ExecuteActivity(name, in)
	if err != nil {
		return activities.Output{}, err
	}
	var out activities.Output
	require.NoError(sb.t, v.Get(&out))
	return out, nil
}

func (sb *crmSandbox) balance() sandbox.Balance {
	sb.t.Helper()
	b, err := sb.srv.Balance(context.Background(), member)
	require.NoError(sb.t, err)
	return b
}

// calls counts the requests the sandbox saw for op, whatever their outcome.
func (sb *crmSandbox) calls(op string) int64 {
	var n int64
	for _, c := range sb.srv.Stats().Calls[op] {
		n += c
	}
	return n
}

func tok(n string) string { return "tok-" + n }

func freezeInput(token string, points float64) activities.Input {
	return activities.Input{Token: token, MemberID: member, Points: points, Description: "mug"}
}

func settleInput(token, freezeToken string, points float64) activities.Input {
	in := freezeInput(token, points)
	in.FreezeToken = freezeToken
	return in
}

// requireAppError checks err is an ApplicationError of type typ and returns it.
func requireAppError(t *testing.T, err error, typ string, retryable bool) *temporal.ApplicationError {
	t.Helper()
	require.Error(t, err)
	appErr, ok := errors.AsType[*temporal.ApplicationError](err)
	require.True(t, ok, "%T: %v", err, err)
	require.Equal(t, typ, appErr.Type(), appErr.Error())
	require.Equal(t, !retryable, appErr.NonRetryable())
	return appErr
}
