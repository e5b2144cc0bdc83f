package devstack

import (
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logs is where the logs of the Temporal server, the SDK, the worker and
// the sandbox go. They are chatty, so never to stdout: with Verbose to
// stderr at info level, otherwise to the data directory's log file at warn
// level, or nowhere when in memory.
type logs struct {
	*zap.Logger
	level zap.AtomicLevel
	close func()
}

func openLogs(o Options) (logs, error) {
	switch {
	case o.Verbose:
		level := zap.NewAtomicLevelAt(zapcore.InfoLevel)
		enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
		zl := zap.New(zapcore.NewCore(enc, zapcore.Lock(os.Stderr), level))
		return logs{zl, level, func() { _ = zl.Sync() }}, nil
	case o.Memory:
		return logs{zap.NewNop(), zap.NewAtomicLevel(), func() {}}, nil
	}
	f, err := os.OpenFile(o.dataFile(logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return logs{}, fmt.Errorf("opening the log file: %w", err)
	}
	// An older stack may have created it readable by all.
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return logs{}, fmt.Errorf("closing the log file to other users: %w", err)
	}
	level := zap.NewAtomicLevelAt(zapcore.WarnLevel)
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	zl := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.Lock(f), level))
	return logs{zl, level, func() { _ = zl.Sync(); _ = f.Close() }}, nil
}

// quietShutdown keeps only errors from now on: a stopping server warns
// about every poll its own system workers lose, which says nothing useful.
func (l logs) quietShutdown(verbose bool) {
	if !verbose && l.Logger != nil {
		l.level.SetLevel(zapcore.ErrorLevel)
	}
}
