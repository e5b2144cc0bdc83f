package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

var overheadCalls = flag.Int("overhead.calls", 2000, "freezes per path per run of BenchmarkCRMOverhead")

// BenchmarkCRMOverhead measures the latency of one freeze against the
// in-memory sandbox by three paths, interleaved so that they share the
// machine's state: a bare net/http POST of bytes prepared in advance
// (body, token and signature), crm.Client.Freeze, and the Freeze activity
// run by TestActivityEnvironment over the same client. Every call freezes
// under a new token, so each is a real freeze.
func BenchmarkCRMOverhead(b *testing.B) {
	sb := testenv.StartSandbox(b, sandbox.Config{})
	fundMembers(b, sb)
	c := benchClient(sb.URL)
	bare := &http.Client{Transport: crm.NewTransport()}
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{CRM: c})
	ctx := context.Background()

	b.ResetTimer()
	for range b.N {
		var bareLat, clientLat, activityLat []time.Duration
		for k := range *overheadCalls {
			prepared := prepareFreeze(b, c, sb.URL, k)
			req := freezeRequest(k)
			in := activities.Input{Token: uuid.NewString(), MemberID: req.MemberID, Points: req.Points, Description: req.Description}
			clientToken := uuid.NewString()

			start := time.Now()
			require.NoError(b, prepared.send(ctx, bare))
			bareLat = append(bareLat, time.Since(start))

			start = time.Now()
			_, err := c.Freeze(ctx, clientToken, req)
			clientLat = append(clientLat, time.Since(start))
			require.NoError(b, err)

			start = time.Now()
			_, err = env.ExecuteActivity(activities.FreezeName, in)
			activityLat = append(activityLat, time.Since(start))
			require.NoError(b, err)
		}
		for _, p := range []struct {
			name string
			lat  []time.Duration
		}{{"bare", bareLat}, {"client", clientLat}, {"activity", activityLat}} {
			report(b, float64(percentile(p.lat, 50).Nanoseconds()), p.name+"-p50-ns")
			report(b, float64(percentile(p.lat, 99).Nanoseconds()), p.name+"-p99-ns")
		}
		report(b, ratio(percentile(clientLat, 50), percentile(bareLat, 50)), "client/bare-p50")
		report(b, ratio(percentile(clientLat, 99), percentile(bareLat, 99)), "client/bare-p99")
		report(b, ratio(percentile(activityLat, 50), percentile(clientLat, 50)), "activity/client-p50")
	}
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// benchClient is a CRM client of the sandbox at url with the demo caller's
// credentials and the worker's transport.
func benchClient(url string) *crm.Client {
	return &crm.Client{
		BaseURL:     url,
		ServiceName: sandbox.DemoServiceName,
		Secret:      sandbox.DemoSecret,
		HTTPClient:  &http.Client{Transport: crm.NewTransport()},
	}
}

// freezeRequest is the k-th freeze of the benchmarks: one point of a bench member.
func freezeRequest(k int) crm.Request {
	return crm.Request{MemberID: member(k), Points: 1, Description: "bench freeze"}
}

// preparedPost is a signed freeze request rendered to bytes in advance.
type preparedPost struct {
	url     string
	body    []byte
	headers http.Header
}

// prepareFreeze renders the k-th freeze as crm.Client would send it, under a new token.
func prepareFreeze(b *testing.B, c *crm.Client, baseURL string, k int) preparedPost {
	body, err := c.BuildBody(crm.OpFreeze, freezeRequest(k))
	require.NoError(b, err)
	payload, err := json.Marshal(body)
	require.NoError(b, err)
	gp, err := crm.SplitPath(crm.DefaultFreezePath)
	require.NoError(b, err)
	ts := crm.FormatTimestamp(time.Now())
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set(crm.HeaderBusinessToken, uuid.NewString())
	h.Set(crm.HeaderCallerService, c.ServiceName)
	h.Set(crm.HeaderCallerTime, ts)
	h.Set(crm.HeaderCallerSign, crm.Sign(c.ServiceName, c.Secret, ts, gp))
	return preparedPost{url: strings.TrimRight(baseURL, "/") + crm.DefaultFreezePath, body: payload, headers: h}
}

// send POSTs the prepared bytes and reads the whole answer.
func (p preparedPost) send(ctx context.Context, hc *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	req.Header = p.headers
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &crm.Error{Class: crm.ClassifyStatus(resp.StatusCode), Op: crm.OpFreeze, Status: resp.StatusCode}
	}
	return nil
}
