package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

// crmSandbox is the sandbox CRM served over HTTP.
type crmSandbox struct {
	crm  *sandbox.Server
	http *http.Server
	done chan error
}

// startSandbox opens the sandbox ledger (dbPath, or memory when ""), seeds
// the demo members that are missing, and serves it on l. The demo caller is
// the only caller it accepts.
func startSandbox(ctx context.Context, l net.Listener, dbPath string, logger *zap.Logger) (*crmSandbox, error) {
	crmServer, err := sandbox.New(sandbox.Config{
		Path:    dbPath,
		Callers: map[string]sandbox.Caller{sandbox.DemoServiceName: {Secret: sandbox.DemoSecret}},
		Logger:  logger.Named("sandbox"),
	})
	if err != nil {
		return nil, fmt.Errorf("opening the CRM sandbox: %w", err)
	}
	if err := crmServer.SeedDemo(ctx); err != nil {
		_ = crmServer.Close()
		return nil, fmt.Errorf("seeding the CRM sandbox's demo members: %w", err)
	}
	s := &crmSandbox{
		crm:  crmServer,
		http: &http.Server{Handler: crmServer, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.http.Serve(l) }()
	return s, nil
}

// stop lets requests in flight finish (for up to 5 s), then closes the ledger.
func (s *crmSandbox) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return errors.Join(err, s.crm.Close())
}
