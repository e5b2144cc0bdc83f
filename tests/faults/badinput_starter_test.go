package faults

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/startercli"
)

// countingListener stands where Temporal would be and counts who connects.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted = new(atomic.Int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return ln.Addr().String(), accepted
}

// TestBadStarterFlags runs the starter with command lines it must refuse:
// each exits 2 with one line on stderr naming the problem, and nothing ever
// connects to Temporal.
func TestBadStarterFlags(t *testing.T) {
	noGoroutineLeak(t)
	addr, accepted := countingListener(t)
	env := map[string]string{"TEMPORAL_ADDRESS": addr}
	long := strings.Repeat("d", 300)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantMsg string
	}{
		{"no command", nil, nil, "no command given"},
		{"unknown command", []string{"refund"}, nil, `unknown command "refund"`},
		{"missing member", []string{"redeem", "--points", "10", "--description", "d"}, nil, "--member is required"},
		{"blank member", []string{"redeem", "--member", "  ", "--points", "10", "--description", "d"}, nil, "--member is required"},
		{"missing points", []string{"redeem", "--member", "m", "--description", "d"}, nil, "--points is required"},
		{"points not a number", []string{"redeem", "--member", "m", "--points", "ten", "--description", "d"}, nil, `--points "ten" is not a number`},
		{"negative points", []string{"redeem", "--member", "m", "--points", "-5", "--description", "d"}, nil, "--points"},
		{"zero points", []string{"redeem", "--member", "m", "--points", "0", "--description", "d"}, nil, "--points"},
		{"NaN points", []string{"redeem", "--member", "m", "--points", "NaN", "--description", "d"}, nil, "--points"},
		{"infinite points", []string{"redeem", "--member", "m", "--points", "+Inf", "--description", "d"}, nil, "--points"},
		{"three decimals", []string{"redeem", "--member", "m", "--points", "1.234", "--description", "d"}, nil, "--points"},
		{"missing description", []string{"redeem", "--member", "m", "--points", "10"}, nil, "--description is required"},
		{"300-char description", []string{"redeem", "--member", "m", "--points", "10", "--description", long}, nil, "--description"},
		{"hold not a duration", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "--hold", "soon"}, nil, "--hold"},
		{"negative hold", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "--hold", "-1m"}, nil, "--hold"},
		{"fractional hold", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "--hold", "1500ms"}, nil, "--hold"},
		{"unknown flag", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "--colour", "red"}, nil, "colour"},
		{"stray argument", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "now"}, nil, `unexpected argument "now"`},
		{"member with a newline", []string{"redeem", "--member", "m\n1", "--points", "10", "--description", "d"}, nil, "--member: memberId must not contain control characters"},
		{"member with a terminal escape", []string{"freeze", "--member", "m\x1b[2J", "--points", "10", "--description", "d"}, nil, "--member: memberId must not contain control characters"},
		{"member over the CRM's length", []string{"redeem", "--member", strings.Repeat("m", 129), "--points", "10", "--description", "d"}, nil, "--member: memberId is 129 characters long, at most 128"},
		{"shop code with a control character", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "--shop", "S\x001"}, nil, "--shop: shopCode must not contain control characters"},
		{"shop code over the CRM's length", []string{"freeze", "--member", "m", "--points", "10", "--description", "d", "--shop", strings.Repeat("s", 256)}, nil, "--shop: shopCode is 256 characters long, at most 255"},
		{"confirm for a bad amount", []string{"confirm", "--id", "x", "--points", "0"}, nil, "--points: point must be greater than 0"},
		{"confirm without id", []string{"confirm"}, nil, "--id"},
		{"cancel without id", []string{"cancel"}, nil, "--id"},
		{"workflow id too long", []string{"redeem", "--member", "m", "--points", "10", "--description", "d", "--id", strings.Repeat("x", 1001)}, nil, "--id"},
		{"empty task queue", []string{"status", "--id", "x"}, map[string]string{"KYLIN_TASK_QUEUE": " "}, "KYLIN_TASK_QUEUE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(k string) string {
				if v, ok := tc.env[k]; ok {
					return v
				}
				return env[k]
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			code := startercli.Run(ctx, tc.args, &stdout, &stderr, lookup)
			require.Equal(t, startercli.ExitUsage, code, "stderr: %s", stderr.String())
			require.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
			require.Contains(t, stderr.String(), tc.wantMsg)
			require.Zero(t, accepted.Load(), "nothing connects to Temporal")
		})
	}
}
