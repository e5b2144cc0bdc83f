package devstack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/kylinpoints/kylin-points/internal/codec"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/metrics"
	"github.com/kylinpoints/kylin-points/internal/secretfile"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

// codecPath is where the codec server answers on the observability listener:
// <codecPath>/encode and <codecPath>/decode.
const codecPath = "/codec"

// observability is the stack's /metrics, /healthz, /readyz and codec server,
// all on one loopback listener.
type observability struct {
	ln      net.Listener
	metrics *metrics.Metrics // nil when metrics are off
	keys    *codec.Keyring   // nil without payload encryption
	token   string           // the codec server's bearer token, or ""
	payload config.Payload
	polling atomic.Bool
	cancel  context.CancelFunc
	done    chan error
}

// reserveObservability opens the listener: Options.MetricsAddr, or a free
// loopback port for the codec server alone when only a key is set.
func (s *Stack) reserveObservability() error {
	var keys *codec.Keyring
	if s.opts.PayloadKeyFile != "" {
		var err error
		if keys, err = codec.LoadKeyring(s.opts.PayloadKeyFile); err != nil {
			return fmt.Errorf("-%s: %w", FlagPayloadKeyFile, err)
		}
	}
	addr := s.opts.MetricsAddr
	if addr == "" && keys == nil {
		return nil
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var token string
	if s.opts.CodecTokenFile != "" {
		var err error
		if token, err = secretfile.Read(s.opts.CodecTokenFile); err != nil {
			return fmt.Errorf("-%s: %w", FlagCodecTokenFile, err)
		}
		if token == "" {
			return fmt.Errorf("-%s: the file is empty", FlagCodecTokenFile)
		}
	}
	if keys != nil {
		if err := codec.CheckExposure(addr, token); err != nil {
			return fmt.Errorf("-%s: %w (-%s)", FlagMetricsAddr, err, FlagCodecTokenFile)
		}
	}
	ln, err := listenAddr(addr, FlagMetricsAddr)
	if err != nil {
		return err
	}
	s.obs = &observability{ln: ln, keys: keys, token: token, payload: config.Payload{KeyFile: s.opts.PayloadKeyFile, Keys: keys}}
	if s.opts.MetricsAddr != "" {
		s.obs.metrics = metrics.New()
	}
	s.wireWorkerOptions()
	return nil
}

// wireWorkerOptions fills the worker hooks the caller left empty, as the
// worker binary has them (workerapp.Hooks), and points the UI at the codec
// server.
func (s *Stack) wireWorkerOptions() {
	o := &s.opts.WorkerOptions
	hooks := workerapp.Hooks(s.obs.metrics, s.obs.payload, s.obs.polling.Store)
	if o.MetricsHandler == nil {
		o.MetricsHandler = hooks.MetricsHandler
	}
	if o.WrapCRM == nil {
		o.WrapCRM = hooks.WrapCRM
	}
	if o.DataConverter == nil {
		o.DataConverter, o.FailureConverter = hooks.DataConverter, hooks.FailureConverter
	}
	if s.obs.keys != nil && s.opts.UICodecEndpoint == "" {
		s.opts.UICodecEndpoint = s.CodecURL()
	}
	previous := o.OnPolling
	o.OnPolling = func(on bool) {
		hooks.OnPolling(on)
		if previous != nil {
			previous(on)
		}
	}
}

// serveObservability serves the listener until Stop.
func (s *Stack) serveObservability() {
	if s.obs == nil {
		return
	}
	mux := http.NewServeMux()
	if s.obs.metrics != nil {
		mux.Handle("/", s.obs.metrics.Handler(metrics.TemporalReady(s.client, s.obs.polling.Load)))
	}
	if s.obs.keys != nil {
		mux.Handle(codecPath+"/", s.codecServer())
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.obs.cancel, s.obs.done = cancel, make(chan error, 1)
	go func() { s.obs.done <- metrics.ServeListener(ctx, s.obs.ln, mux) }()
}

// codecServer answers the Web UI's browser, whichever of the UI's two
// loopback names it was opened with.
func (s *Stack) codecServer() http.Handler {
	c := codec.NewCodec(s.obs.keys)
	hosts := hostNames(s.obs.ln.Addr())
	byOrigin := map[string]http.Handler{}
	for _, origin := range s.uiOrigins() {
		byOrigin[origin] = codec.NewServer(c, codec.ServerOptions{AllowOrigin: origin, BearerToken: s.obs.token, AllowedHosts: hosts})
	}
	plain := codec.NewServer(c, codec.ServerOptions{BearerToken: s.obs.token, AllowedHosts: hosts})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := byOrigin[r.Header.Get("Origin")]; ok {
			h.ServeHTTP(w, r)
			return
		}
		plain.ServeHTTP(w, r)
	})
}

// hostNames are the names a request's Host may give for addr beyond the
// loopback ones: its IP address, or when it listens on every interface,
// this machine's addresses and host name.
func hostNames(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() {
		return nil
	}
	if !tcp.IP.IsUnspecified() {
		return []string{tcp.IP.String()}
	}
	var names []string
	if h, err := os.Hostname(); err == nil {
		names = append(names, h)
	}
	ifaces, _ := net.InterfaceAddrs()
	for _, a := range ifaces {
		if n, ok := a.(*net.IPNet); ok {
			names = append(names, n.IP.String())
		}
	}
	return names
}

// uiOrigins are the origins a browser sends from the Web UI.
func (s *Stack) uiOrigins() []string {
	origins := []string{s.UIURL()}
	if host, port, err := net.SplitHostPort(s.uiAddr); err == nil && host == "127.0.0.1" {
		origins = append(origins, "http://localhost:"+port)
	}
	return origins
}

// stopObservability shuts the listener down and flushes the SDK's metrics.
func (s *Stack) stopObservability() error {
	if s.obs == nil {
		return nil
	}
	var err error
	if s.obs.cancel != nil {
		s.obs.cancel()
		err = <-s.obs.done
	} else {
		_ = s.obs.ln.Close()
	}
	if s.obs.metrics != nil {
		_ = s.obs.metrics.Close()
	}
	return err
}

// MetricsURL is the base URL of /metrics, /healthz and /readyz, or "" when
// metrics are off.
func (s *Stack) MetricsURL() string {
	if s.obs == nil || s.obs.metrics == nil {
		return ""
	}
	return "http://" + s.obs.ln.Addr().String()
}

// CodecURL is the codec server's endpoint (it answers <CodecURL>/decode and
// <CodecURL>/encode), or "" without payload encryption.
func (s *Stack) CodecURL() string {
	if s.obs == nil || s.obs.keys == nil {
		return ""
	}
	return "http://" + s.obs.ln.Addr().String() + codecPath
}

// Metrics is the stack's metrics registry and recorders, or nil when off.
func (s *Stack) Metrics() *metrics.Metrics {
	if s.obs == nil {
		return nil
	}
	return s.obs.metrics
}
