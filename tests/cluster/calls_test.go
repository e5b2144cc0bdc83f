package cluster

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// callRecorder stands in front of the sandbox and notes when each CRM call
// (the signed /openapi/ endpoints, retries included) arrives: the call rate
// the CRM observes, whichever worker made the call.
type callRecorder struct {
	mu    sync.Mutex
	times []time.Time
	proxy *httputil.ReverseProxy
	// URL is the base URL to give the workers.
	URL string
}

func newCallRecorder(t *testing.T, target string) *callRecorder {
	t.Helper()
	rec := &callRecorder{}
	rec.retarget(t, target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		if strings.HasPrefix(r.URL.Path, "/openapi/") {
			rec.times = append(rec.times, time.Now())
		}
		proxy := rec.proxy
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

// retarget sends the calls from now on to the sandbox at target. A call the
// sandbox drops (a fault) is answered 502, which the client takes for the
// transient failure it is; the proxy's own log of it is left out.
func (c *callRecorder) retarget(t *testing.T, target string) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	p := httputil.NewSingleHostReverseProxy(u)
	p.ErrorLog = log.New(io.Discard, "", 0)
	c.mu.Lock()
	c.proxy = p
	c.mu.Unlock()
}

// between returns the arrival times in [from, to).
func (c *callRecorder) between(from, to time.Time) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, at := range c.times {
		if !at.Before(from) && at.Before(to) {
			out = append(out, at)
		}
	}
	return out
}

// rate is what a series of call times shows against a cap.
type rate struct {
	calls int
	// maxPerSecond is the most calls in any one-second window.
	maxPerSecond int
	// busiest10s is the mean rate over the busiest ten-second window.
	busiest10s float64
	// mean is calls per second from the first call to the last.
	mean float64
}

// measure computes the figures of times (in any order).
func measure(times []time.Time) rate {
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	r := rate{calls: len(ts), maxPerSecond: maxInWindow(ts, time.Second)}
	r.busiest10s = float64(maxInWindow(ts, 10*time.Second)) / 10
	if len(ts) > 1 && ts[len(ts)-1].After(ts[0]) {
		r.mean = float64(len(ts)-1) / ts[len(ts)-1].Sub(ts[0]).Seconds()
	}
	return r
}

// maxInWindow is the most sorted times that fall in any window of width w.
func maxInWindow(sorted []time.Time, w time.Duration) int {
	best, lo := 0, 0
	for hi := range sorted {
		for sorted[hi].Sub(sorted[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
