package devstack

import (
	"context"
	"fmt"
	"net/http"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// newUIServer builds the Temporal Web UI (its assets are embedded in the
// ui-server module) on uiAddr, talking to the frontend at temporalAddr.
func newUIServer(uiAddr, temporalAddr, codecEndpoint string) *uiserver.Server {
	host, port := splitAddr(uiAddr)
	return uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: temporalAddr,
		EnableUI:            true,
		DefaultNamespace:    Namespace,
		Codec:               uiconfig.Codec{Endpoint: codecEndpoint},
		// Plain HTTP on loopback: the CSRF cookie must not require HTTPS.
		CORS:             uiconfig.CORS{CookieInsecure: true},
		HideLogs:         true,
		DisableNewsFetch: true,
	}))
}

// startUI runs ui until it is stopped. ui.Start blocks, and exits the process
// if it cannot listen, which is why the address was probed first; startUI
// returns once the UI answers its health check.
func startUI(ctx context.Context, ui *uiserver.Server, uiAddr string) error {
	go func() { _ = ui.Start() }()
	return waitHTTP(ctx, "http://"+uiAddr+"/healthz", 30*time.Second)
}

// waitHTTP polls url until it answers 200 or timeout passes.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer within %s", url, timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
