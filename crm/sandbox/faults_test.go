package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestLostResponseThenRetryHasOneEffect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		c.Seed = 1
		c.Faults = AllOperations(FaultRates{FailAfter: 1})
	})
	h.grant("m1", 1000)
	const n = 8
	shapes := map[int]int{} // HTTP status seen (0: connection dropped) → count
	for i := range n {
		_, err := h.call(crm.OpFreeze, fmt.Sprintf("tok-%d", i), request("m1", 10, ""))
		e := crmError(t, err)
		require.Equal(t, crm.ClassTransient, e.Class, "lost answers must be retryable")
		shapes[e.Status]++
	}
	require.Equal(t, n, shapes[0]+shapes[http.StatusBadGateway], "only dropped connections and 502s: %v", shapes)
	require.NotZero(t, shapes[0], "some connections dropped")
	require.NotZero(t, shapes[http.StatusBadGateway], "some 502s")
	require.Equal(t, 1000.0-10*n, h.balance("m1").Available, "the effects were committed")

	h.srv.SetFaults(Faults{})
	for i := range n {
		res, err := h.call(crm.OpFreeze, fmt.Sprintf("tok-%d", i), request("m1", 10, ""))
		require.NoError(t, err)
		require.True(t, res.Replayed)
		require.Len(t, h.entries(fmt.Sprintf("tok-%d", i)), 1)
	}
	require.Equal(t, 1000.0-10*n, h.balance("m1").Available)
	st := h.srv.Stats()
	require.Equal(t, int64(n), st.Faults[string(faultFailAfter)])
	require.Equal(t, int64(n), st.Calls[crm.OpFreeze][outcomeApplied])
	require.Equal(t, int64(n), st.Calls[crm.OpFreeze][outcomeReplayed])
	h.checkInvariants()
}

func TestFaultsWithoutEffect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rates      FaultRates
		statuses   []int
		retryAfter time.Duration
	}{
		{"fail before commit", FaultRates{FailBefore: 1, RetryAfter: 2 * time.Second}, []int{http.StatusInternalServerError, http.StatusServiceUnavailable}, 2 * time.Second},
		{"too many requests", FaultRates{TooMany: 1, RetryAfter: 2500 * time.Millisecond}, []int{http.StatusTooManyRequests}, 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.Faults = Faults{Consume: tc.rates} })
			h.grant("m1", 100)
			_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 10, ""))
			require.NoError(t, err, "faults are per operation")
			seen := map[int]bool{}
			for range 12 {
				_, err := h.call(crm.OpConsume, "tok-c", request("m1", 10, "tok-f"))
				e := crmError(t, err)
				require.Equal(t, crm.ClassTransient, e.Class)
				require.Contains(t, tc.statuses, e.Status)
				if e.Status != http.StatusInternalServerError {
					require.Equal(t, tc.retryAfter, e.RetryAfter)
				}
				seen[e.Status] = true
			}
			require.Len(t, seen, len(tc.statuses), "every shape of the fault shows up")
			require.Empty(t, h.entries("tok-c"))
			rec, err := h.srv.Record(t.Context(), "tok-c")
			require.NoError(t, err)
			require.Nil(t, rec, "nothing stored")

			h.srv.SetFaults(Faults{})
			res, err := h.call(crm.OpConsume, "tok-c", request("m1", 10, "tok-f"))
			require.NoError(t, err)
			require.False(t, res.Replayed, "the first real effect")
			require.Equal(t, 10.0, h.balance("m1").Consumed)
			h.checkInvariants()
		})
	}
}

func TestLatencyAppliesAfterTheClientGaveUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		c.Faults = Faults{Freeze: FaultRates{Latency: 1, LatencyDuration: 300 * time.Millisecond}}
	})
	h.grant("m1", 100)
	h.client.Timeout = 50 * time.Millisecond
	_, err := h.call(crm.OpFreeze, "tok-slow", request("m1", 10, ""))
	require.Equal(t, crm.ClassTransient, crmError(t, err).Class)
	require.Eventually(t, func() bool { return len(h.entries("tok-slow")) == 1 }, 5*time.Second, 10*time.Millisecond,
		"applied anyway once the client gave up")

	h.srv.SetFaults(Faults{})
	h.client.Timeout = 0
	res, err := h.call(crm.OpFreeze, "tok-slow", request("m1", 10, ""))
	require.NoError(t, err)
	require.True(t, res.Replayed)
	require.Equal(t, 90.0, h.balance("m1").Available)
	require.Equal(t, int64(1), h.srv.Stats().Faults[string(faultLatency)])
	h.checkInvariants()
}

// faultRun sends 60 freezes in sequence and returns what each one met.
func faultRun(t *testing.T, seed int64) []string {
	t.Helper()
	h := newHarness(t, func(c *Config) {
		c.Seed = seed
		c.Faults = Faults{Freeze: FaultRates{FailBefore: 0.2, FailAfter: 0.2, Latency: 0.2, TooMany: 0.2, LatencyDuration: time.Millisecond}}
	})
	h.grant("m1", 1000)
	var got []string
	for i := range 60 {
		res, err := h.call(crm.OpFreeze, fmt.Sprintf("tok-%d", i), request("m1", 1, ""))
		if err != nil {
			got = append(got, fmt.Sprintf("status %d", crmError(t, err).Status))
			continue
		}
		got = append(got, fmt.Sprintf("ok replayed=%v", res.Replayed))
	}
	st := h.srv.Stats()
	for _, k := range []faultKind{faultFailBefore, faultFailAfter, faultLatency, faultTooMany} {
		require.NotZero(t, st.Faults[string(k)], "fault %s drawn", k)
	}
	h.checkInvariants()
	return got
}

func TestFaultsAreReproducibleFromTheSeed(t *testing.T) {
	t.Parallel()
	first, again, other := faultRun(t, 42), faultRun(t, 42), faultRun(t, 43)
	require.Equal(t, first, again)
	require.NotEqual(t, first, other)
}

func TestFaultsValidateAndJSON(t *testing.T) {
	t.Parallel()
	_, err := New(Config{Faults: Faults{Freeze: FaultRates{FailBefore: 0.7, TooMany: 0.4}}})
	require.ErrorContains(t, err, "sum")
	_, err = New(Config{Faults: Faults{Release: FaultRates{Latency: -0.1}}})
	require.ErrorContains(t, err, "latency")

	h := newHarness(t, nil)
	tests := []struct {
		name, body string
		status     int
		want       FaultRates // of freeze, when accepted
	}{
		{"durations as strings", `{"freeze":{"failAfter":0.5,"latencyDuration":"250ms","retryAfter":"3s"}}`, http.StatusOK,
			FaultRates{FailAfter: 0.5, LatencyDuration: 250 * time.Millisecond, RetryAfter: 3 * time.Second}},
		{"durations as seconds", `{"freeze":{"latency":1,"latencyDuration":0.5,"retryAfter":2}}`, http.StatusOK,
			FaultRates{Latency: 1, LatencyDuration: 500 * time.Millisecond, RetryAfter: 2 * time.Second}},
		{"defaults", `{"freeze":{"tooMany":0.1}}`, http.StatusOK,
			FaultRates{TooMany: 0.1, LatencyDuration: DefaultLatency, RetryAfter: DefaultRetryAfter}},
		{"rate above 1", `{"freeze":{"failBefore":1.5}}`, http.StatusBadRequest, FaultRates{}},
		{"bad duration", `{"consume":{"retryAfter":"soon"}}`, http.StatusBadRequest, FaultRates{}},
		{"a latency of a day, holding requests", `{"freeze":{"latency":1,"latencyDuration":"24h"}}`, http.StatusBadRequest, FaultRates{}},
		{"a Retry-After of an hour", `{"freeze":{"tooMany":1,"retryAfter":"1h"}}`, http.StatusBadRequest, FaultRates{}},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(http.MethodPut, h.http.URL+"/sandbox/faults", bytes.NewBufferString(tc.body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := h.client.HTTPClient.Do(req)
		require.NoError(t, err)
		raw := readAll(t, resp)
		require.Equal(t, tc.status, resp.StatusCode, "%s: %s", tc.name, raw)
		if tc.status != http.StatusOK {
			continue
		}
		require.Equal(t, tc.want, h.srv.Faults().Freeze, tc.name)
		var echoed Faults
		require.NoError(t, json.Unmarshal(raw, &echoed))
		require.Equal(t, h.srv.Faults(), echoed, tc.name)
	}
}

// TestLatencyEndsWithTheClient: a request held by the latency fault holds
// nothing once its client has gone; it is applied then, not a minute later.
func TestLatencyEndsWithTheClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		c.Faults = Faults{Freeze: FaultRates{Latency: 1, LatencyDuration: MaxLatency}}
	})
	h.grant("m1", 100)
	h.client.Timeout = 50 * time.Millisecond
	_, err := h.call(crm.OpFreeze, "tok-gone", request("m1", 10, ""))
	require.Equal(t, crm.ClassTransient, crmError(t, err).Class)
	require.Eventually(t, func() bool { return len(h.entries("tok-gone")) == 1 }, 5*time.Second, 10*time.Millisecond,
		"applied once the client left, well before the minute of latency")
}

func TestScriptQueueIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	one := ScriptedFault{Op: crm.OpFreeze, Kind: ScriptFailAfter}
	many := make([]ScriptedFault, MaxScriptPending)
	for i := range many {
		many[i] = one
	}
	require.NoError(t, h.srv.Script(many...))
	require.ErrorContains(t, h.srv.Script(one), "the script holds at most 10000 faults not met yet")
	require.Equal(t, MaxScriptPending, h.srv.ScriptPending())
	require.Equal(t, http.StatusBadRequest, h.admin("POST", "/sandbox/faults/script", `[{"op":"freeze","kind":"fail_after"}]`, nil))
}
