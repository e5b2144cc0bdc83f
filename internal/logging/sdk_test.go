package logging

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestSDKLoggerKeyvalsBecomeFields(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		log     func(l SDKLogger)
		level   zapcore.Level
		message string
		want    map[string]any
	}{
		{"debug", func(l SDKLogger) { l.Debug("d", "a", 1) }, zapcore.DebugLevel, "d", map[string]any{"a": int64(1)}},
		{"info", func(l SDKLogger) { l.Info("i", "TaskQueue", "kylin-points", "n", 2.5) }, zapcore.InfoLevel, "i",
			map[string]any{"TaskQueue": "kylin-points", "n": 2.5}},
		{"warn with error value", func(l SDKLogger) { l.Warn("w", "Error", boom) }, zapcore.WarnLevel, "w",
			map[string]any{"Error": "boom"}},
		{"error with odd keyvals", func(l SDKLogger) { l.Error("e", "k", "v", "dangling") }, zapcore.ErrorLevel, "e",
			map[string]any{"k": "v", "dangling": "(MISSING)"}},
		{"non-string key", func(l SDKLogger) { l.Info("i", 7, "seven") }, zapcore.InfoLevel, "i", map[string]any{"7": "seven"}},
		{"with adds fields", func(l SDKLogger) { l.With("WorkflowID", "redeem-1").Info("i", "x", "y") }, zapcore.InfoLevel, "i",
			map[string]any{"WorkflowID": "redeem-1", "x": "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zapcore.DebugLevel)
			tt.log(NewSDKLogger(zap.New(core)))
			entries := logs.All()
			require.Len(t, entries, 1)
			require.Equal(t, tt.level, entries[0].Level)
			require.Equal(t, tt.message, entries[0].Message)
			require.Equal(t, tt.want, entries[0].ContextMap())
		})
	}
}

func TestWithDoesNotMutateParent(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.DebugLevel)
	parent := NewSDKLogger(zap.New(core))
	_ = parent.With("child", true)
	parent.Info("plain")
	require.Empty(t, logs.All()[0].ContextMap())
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    zapcore.Level
		wantErr bool
	}{
		{"", zapcore.InfoLevel, false},
		{"debug", zapcore.DebugLevel, false},
		{"WARN", zapcore.WarnLevel, false},
		{"error", zapcore.ErrorLevel, false},
		{"fatal", 0, true},
		{"loud", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLevel(tt.in)
			if tt.wantErr {
				require.ErrorContains(t, err, "is not a log level")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestWithoutMemberDataWithholdsWhatNamesAMember: each way a member ID or
// CRM text reaches an SDK or workflow log line, and what the line carries.
func TestWithoutMemberDataWithholdsWhatNamesAMember(t *testing.T) {
	t.Parallel()
	const member = "vip-member-7f3a91"
	crmErr := &crm.Error{Class: crm.ClassRejected, Op: crm.OpFreeze, Status: 200, Code: "POINT_NOT_ENOUGH", Message: "member " + member + " has 1"}
	appErr := temporal.NewNonRetryableApplicationError(crmErr.Error()+"; a refusal does not say", "CRMRefused", nil)
	tests := []struct {
		name string
		log  func(l SDKLogger)
		want map[string]any
	}{
		{"an activity's failure", func(l SDKLogger) { l.Warn("Activity error.", "ActivityType", "Freeze", "Error", appErr) },
			map[string]any{"ActivityType": "Freeze", "Error": "CRMRefused: crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: [CRM text withheld]"}},
		{"the CRM client's error", func(l SDKLogger) { l.Info("x", "error", crmErr) },
			map[string]any{"error": "crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: [CRM text withheld]"}},
		{"a step's summary", func(l SDKLogger) { l.Warn("settle step still failing", "step", "release 5 points of member "+member) },
			map[string]any{"step": Withheld}},
		{"a reason string", func(l SDKLogger) { l.Warn("undoing", "why", "crm freeze: transient: "+member) },
			map[string]any{"why": Withheld}},
		{"a member key through With", func(l SDKLogger) { l.With("MemberID", member).Info("i") },
			map[string]any{"MemberID": Withheld}},
		{"a CRM text under another key", func(l SDKLogger) { l.Info("i", "detail", "crm release: rejected: HTTP 200: "+member+" unknown") },
			map[string]any{"detail": "crm release: rejected: HTTP 200: [CRM text withheld]"}},
		{"the rest as before", func(l SDKLogger) { l.Info("i", "WorkflowID", "redeem-1", "Attempt", 2) },
			map[string]any{"WorkflowID": "redeem-1", "Attempt": int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zapcore.DebugLevel)
			tt.log(NewSDKLogger(zap.New(core)).WithoutMemberData())
			require.Len(t, logs.All(), 1)
			require.Equal(t, tt.want, logs.All()[0].ContextMap())

			core, logs = observer.New(zapcore.DebugLevel)
			tt.log(NewSDKLogger(zap.New(core)))
			full := fmt.Sprint(logs.All()[0].ContextMap())
			if strings.Contains(fmt.Sprint(tt.want), "withheld") {
				require.Contains(t, full, "member", "KYLIN_LOG_MEMBER_DATA=true logs it all")
			}
		})
	}
}
