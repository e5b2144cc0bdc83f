package logging

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
)

// SDKLogger adapts a zap logger to the Temporal SDK's log.Logger, so that the
// SDK's own lines (worker start, task failures, retries) land in the same stream.
type SDKLogger struct {
	zl *zap.Logger
	// withhold leaves member data out of every line (WithoutMemberData).
	withhold bool
}

var (
	_ log.Logger          = SDKLogger{}
	_ log.WithLogger      = SDKLogger{}
	_ log.WithSkipCallers = SDKLogger{}
)

// NewSDKLogger wraps zl. Callers are reported at the SDK's call site.
func NewSDKLogger(zl *zap.Logger) SDKLogger {
	return SDKLogger{zl: zl.WithOptions(zap.AddCallerSkip(1))}
}

// WithoutMemberData returns a logger whose lines carry no member ID and no
// CRM free text: errors are logged by their types, classes, statuses and
// codes (crm.Error.Redacted), and the values of the keys that hold a
// member ID, a description or a CRM message are withheld. The worker logs
// this way unless KYLIN_LOG_MEMBER_DATA says otherwise.
func (l SDKLogger) WithoutMemberData() SDKLogger {
	l.withhold = true
	return l
}

// Debug logs msg with keyvals (alternating keys and values) as fields.
func (l SDKLogger) Debug(msg string, keyvals ...any) { l.zl.Debug(msg, l.fields(keyvals)...) }

// Info logs msg with keyvals as fields.
func (l SDKLogger) Info(msg string, keyvals ...any) { l.zl.Info(msg, l.fields(keyvals)...) }

// Warn logs msg with keyvals as fields.
func (l SDKLogger) Warn(msg string, keyvals ...any) { l.zl.Warn(msg, l.fields(keyvals)...) }

// Error logs msg with keyvals as fields.
func (l SDKLogger) Error(msg string, keyvals ...any) { l.zl.Error(msg, l.fields(keyvals)...) }

// With returns a logger that adds keyvals to every line.
func (l SDKLogger) With(keyvals ...any) log.Logger {
	return SDKLogger{zl: l.zl.With(l.fields(keyvals)...), withhold: l.withhold}
}

// WithCallerSkip returns a logger that skips depth more stack frames when
// reporting the caller.
func (l SDKLogger) WithCallerSkip(depth int) log.Logger {
	return SDKLogger{zl: l.zl.WithOptions(zap.AddCallerSkip(depth)), withhold: l.withhold}
}

func (l SDKLogger) fields(keyvals []any) []zap.Field {
	if l.withhold {
		keyvals = withholdMemberData(keyvals)
	}
	return zapFields(keyvals)
}

// zapFields turns SDK keyvals into zap fields. A non-string key is printed with
// %v; a key without a value gets the value "(MISSING)", so nothing is dropped.
func zapFields(keyvals []any) []zap.Field {
	fields := make([]zap.Field, 0, (len(keyvals)+1)/2)
	for i := 0; i < len(keyvals); i += 2 {
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		if i+1 == len(keyvals) {
			fields = append(fields, zap.String(key, "(MISSING)"))
			break
		}
		fields = append(fields, zap.Any(key, keyvals[i+1]))
	}
	return fields
}
