package e2e

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// TestStarterBadUsage checks that a bad command line exits 2 with one line
// on stderr and never contacts Temporal: TEMPORAL_ADDRESS points at a
// listener that counts connections.
func TestStarterBadUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		// says is what the stderr line must name.
		says string
	}{
		{"no command", nil, "no command"},
		{"unknown command", []string{"frobnicate", "--id", "x"}, "frobnicate"},
		{"unknown flag", []string{"status", "--id", "x", "--colour", "red"}, "colour"},
		{"missing id", []string{"confirm", "--json"}, "--id"},
		{"missing member", []string{"redeem", "--points", "5", "--description", "d", "--json"}, "--member"},
		{"points not a number", []string{"redeem", "--member", "m", "--points", "five", "--description", "d", "--json"}, "--points"},
		{"points below zero", []string{"redeem", "--member", "m", "--points", "-5", "--description", "d"}, "--points"},
		{"hold too short", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "500ms"}, "--hold"},
		{"extra argument", []string{"cancel", "--id", "x", "now"}, "now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			addr, dialled := countingListener(t)
			c := newCLI(t, addr, "default", "unused")

			res := testenv.RunCommand(ctx, t, c.bin, c.env, tt.args...)
			require.Equal(t, 2, res.Code, "stdout: %s\nstderr: %s", res.Stdout, res.Stderr)
			requireNoOutput(t, res.Stdout)
			requireOneLine(t, res.Stderr, tt.says)
			require.Zero(t, dialled.Load(), "bad usage must not contact Temporal")
		})
	}
}

// countingListener listens on a loopback port, closing and counting every
// connection, until the test ends.
func countingListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var n atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String(), &n
}
