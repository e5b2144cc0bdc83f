// Package devstack runs the whole kylin-points system in one process for
// local development: an embedded Temporal server with SQLite persistence, the
// Temporal Web UI, the CRM sandbox and the worker, plus a demo redemption.
// dev/main.go is its command line; the end-to-end tests start it in memory.
package devstack

import (
	"io"
	"path/filepath"

	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

// Default addresses and names of the dev stack.
const (
	DefaultDataDir      = ".kylin-dev"
	DefaultTemporalAddr = "127.0.0.1:7233"
	DefaultUIAddr       = "127.0.0.1:8233"
	DefaultSandboxAddr  = "127.0.0.1:8088"
	DefaultMetricsAddr  = "127.0.0.1:9090"
	Namespace           = "default"
	TaskQueue           = "kylin-points"
)

// Files the stack keeps in its data directory.
const (
	temporalDBFile = "temporal.db"
	sandboxDBFile  = "crm-sandbox.db"
	logFile        = "dev.log"
)

// Options say what Start brings up and where. The zero value runs every part
// on the default addresses with its state in DefaultDataDir.
type Options struct {
	// DataDir holds the Temporal and sandbox databases and the log file;
	// "" means DefaultDataDir. Ignored with Memory.
	DataDir string
	// Memory keeps all state in memory: nothing is written to disk and
	// nothing survives Stop.
	Memory bool

	// TemporalAddr, UIAddr and SandboxAddr are host:port on which the
	// Temporal frontend (gRPC), the Web UI and the CRM sandbox listen; ""
	// means the defaults above. Port 0 picks a free port.
	TemporalAddr string
	UIAddr       string
	SandboxAddr  string
	// UICodecEndpoint is the remote codec the Web UI decodes payloads with;
	// "" means none, or the stack's own codec server when PayloadKeys is set.
	UICodecEndpoint string
	// MetricsAddr is host:port of the worker's /metrics, /healthz and
	// /readyz (and of the codec server under /codec/); "" means off. dev
	// turns it on at DefaultMetricsAddr.
	MetricsAddr string
	// PayloadKeyFile, when set, is a key file (internal/codec's format)
	// whose keys encrypt every payload, the worker's and the demo's alike,
	// and a codec server the Web UI decodes them with is started.
	PayloadKeyFile string
	// CodecTokenFile, when set, holds the bearer token that every request
	// to the codec server must carry ("Authorization: Bearer <token>"), as
	// the temporal CLI's --codec-auth sends it. It is required when
	// MetricsAddr is not loopback; the Web UI in a browser sends no token,
	// so with one it shows payloads encoded.
	CodecTokenFile string

	// NoWorker, NoUI and NoSandbox leave a part out (e.g. to run the worker
	// in its own process).
	NoWorker  bool
	NoUI      bool
	NoSandbox bool

	// WorkerOptions are the in-process worker's hooks (metrics, payload
	// codec, CRM wrapper). Their DataConverter and MetricsHandler also serve
	// the stack's own client, which the demo uses.
	WorkerOptions workerapp.Options

	// Verbose sends the logs of the Temporal server, the SDK, the worker and
	// the sandbox to stderr at info level. Otherwise they go to a log file
	// in DataDir at warn level, or nowhere with Memory.
	Verbose bool
	// Progress receives one line per startup and shutdown step; nil
	// discards them.
	Progress io.Writer
}

// withDefaults fills the empty fields.
func (o Options) withDefaults() Options {
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.Memory {
		o.DataDir = ""
	}
	o.TemporalAddr = orDefault(o.TemporalAddr, DefaultTemporalAddr)
	o.UIAddr = orDefault(o.UIAddr, DefaultUIAddr)
	o.SandboxAddr = orDefault(o.SandboxAddr, DefaultSandboxAddr)
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// dataFile is the path of name in the data directory, or "" in memory.
func (o Options) dataFile(name string) string {
	if o.Memory {
		return ""
	}
	return filepath.Join(o.DataDir, name)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
