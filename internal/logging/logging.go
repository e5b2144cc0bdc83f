// Package logging builds the zap logger of the worker and the starter, and
// bridges it into the Temporal SDK's logger interface.
package logging

import (
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// defaultLevel is the level used when KYLIN_LOG_LEVEL and --log-level are unset.
const defaultLevel = "info"

// ParseLevel reads a level name: debug, info, warn, error (case-insensitive).
func ParseLevel(level string) (zapcore.Level, error) {
	if level == "" {
		level = defaultLevel
	}
	l, err := zapcore.ParseLevel(level)
	if err != nil || l > zapcore.ErrorLevel {
		return 0, fmt.Errorf("%q is not a log level (debug, info, warn, error)", level)
	}
	return l, nil
}

// New returns a JSON logger on stderr at the given level ("" means info).
func New(level string) (*zap.Logger, error) {
	l, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.Lock(os.Stderr), l)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}
