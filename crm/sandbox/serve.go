package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Serving is a sandbox served over HTTP on a listener, as the sandbox
// command and the dev stack run it. Stop it when done.
type Serving struct {
	*Server
	http    *http.Server
	stopped chan struct{}
	// serveErr is why serving stopped, once stopped is closed.
	serveErr error
}

// Serve opens the sandbox of cfg, creates the demo members that are missing
// when demo is set (never topping anyone up), and serves it on l until Stop.
// On error nothing is left open but l, which stays the caller's.
func Serve(ctx context.Context, l net.Listener, cfg Config, demo bool) (*Serving, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if demo {
		if err := s.SeedDemo(ctx); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("seeding the demo members: %w", err)
		}
	}
	sv := &Serving{
		Server:  s,
		http:    &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		stopped: make(chan struct{}),
	}
	go func() {
		sv.serveErr = sv.http.Serve(l)
		close(sv.stopped)
	}()
	return sv, nil
}

// Stopped is closed when serving has stopped: after Stop, or by itself
// (the listener failed), when Err says why.
func (sv *Serving) Stopped() <-chan struct{} { return sv.stopped }

// Err is why serving stopped by itself, once Stopped is closed; nil after Stop.
func (sv *Serving) Err() error {
	if errors.Is(sv.serveErr, http.ErrServerClosed) {
		return nil
	}
	return sv.serveErr
}

// Stop lets the requests in flight finish for up to timeout (saying in the
// sandbox's log when some still run then), then closes the ledger, which
// finishes what it accepted. It returns why serving had failed, if it had, and the ledger's
// close error.
func (sv *Serving) Stop(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := sv.http.Shutdown(ctx); err != nil {
		sv.log.Warn("requests still running at shutdown", zap.Error(err))
	}
	<-sv.stopped
	err := sv.Err()
	if cerr := sv.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("closing the ledger: %w", cerr))
	}
	return err
}
