package devstack

import (
	"context"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

// sandboxStopTimeout bounds the wait for the sandbox's requests in flight.
const sandboxStopTimeout = 5 * time.Second

// startSandbox serves the sandbox on l, its ledger in dbPath (in memory when
// ""), with the demo members seeded; the demo caller is the only caller it
// accepts. It is the sandbox command's lifecycle (sandbox.Serve), with the
// stack's logger.
func startSandbox(ctx context.Context, l net.Listener, dbPath string, logger *zap.Logger) (*sandbox.Serving, error) {
	s, err := sandbox.Serve(ctx, l, sandbox.Config{
		Path:    dbPath,
		Callers: map[string]sandbox.Caller{sandbox.DemoServiceName: {Secret: sandbox.DemoSecret}},
		Logger:  logger.Named("sandbox"),
	}, true)
	if err != nil {
		return nil, fmt.Errorf("opening the CRM sandbox: %w", err)
	}
	return s, nil
}
