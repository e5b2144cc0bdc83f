package metrics

import (
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// SDKFlushInterval is how often the SDK's metrics are copied into the registry.
const SDKFlushInterval = time.Second

// SDKHandler is the handler to put in client.Options.MetricsHandler. Its
// metrics keep the SDK's temporal_ names, with _total and _seconds suffixes.
func (m *Metrics) SDKHandler() client.MetricsHandler { return m.sdk }

// sanitizeOptions are the SDK bridge's Prometheus rules, except that label
// values keep '-' and '.', so task_queue="kylin-points" reads as configured.
var sanitizeOptions = func() tally.SanitizeOptions {
	o := sdktally.PrometheusSanitizeOptions
	o.ValueCharacters = tally.ValidCharacters{
		Ranges:     tally.AlphanumericRange,
		Characters: []rune{'_', '-', '.'},
	}
	return o
}()

// newSDKHandler bridges the SDK's metrics into reg through tally's
// Prometheus reporter. A registration conflict is counted, never a panic.
func newSDKHandler(reg *prometheus.Registry, errs prometheus.Counter) (client.MetricsHandler, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError:  func(error) { errs.Inc() },
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:         reporter,
		Separator:              tallyprom.DefaultSeparator,
		SanitizeOptions:        &sanitizeOptions,
		OmitCardinalityMetrics: true,
	}, SDKFlushInterval)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer
}
