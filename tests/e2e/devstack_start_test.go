package e2e

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/internal/listen"
)

// freeAddr asks the dev stack for a free loopback port.
const freeAddr = "127.0.0.1:0"

// TestStartRejectsBusyPort checks that a taken address stops Start before
// anything runs, naming the address and the flag that changes it.
func TestStartRejectsBusyPort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  func(o *devstack.Options, addr string)
		flag string
	}{
		{"temporal", func(o *devstack.Options, a string) { o.TemporalAddr = a }, devstack.FlagTemporalAddr},
		{"ui", func(o *devstack.Options, a string) { o.UIAddr = a }, devstack.FlagUIAddr},
		{"sandbox", func(o *devstack.Options, a string) { o.SandboxAddr = a }, devstack.FlagSandboxAddr},
		{"metrics", func(o *devstack.Options, a string) { o.MetricsAddr = a }, devstack.FlagMetricsAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			busy, err := net.Listen("tcp", freeAddr)
			require.NoError(t, err)
			defer busy.Close()
			opts := devstack.Options{Memory: true, TemporalAddr: freeAddr, UIAddr: freeAddr, SandboxAddr: freeAddr}
			tt.set(&opts, busy.Addr().String())

			stack, err := devstack.Start(context.Background(), opts)
			require.Nil(t, stack)
			var inUse *listen.InUseError
			require.ErrorAs(t, err, &inUse)
			require.Equal(t, busy.Addr().String(), inUse.Addr)
			require.Equal(t, busy.Addr().String()+" is already in use (another dev stack or Temporal server?); choose another address with -"+tt.flag,
				err.Error(), "one line naming the address and the flag that changes it")
		})
	}
}

// TestStartRejectsBadAddress checks that an address that is not host:port
// with an IP host fails at once, naming the flag.
func TestStartRejectsBadAddress(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"7233", "example.invalid:7233"} {
		_, err := devstack.Start(context.Background(), devstack.Options{Memory: true, TemporalAddr: addr})
		require.Error(t, err, addr)
		require.False(t, errors.As(err, new(*listen.InUseError)), addr)
		require.Contains(t, err.Error(), "-"+devstack.FlagTemporalAddr, addr)
	}
}

// TestStartRejectsBadKeyFile checks that a malformed key file stops Start,
// naming the flag and never the key.
func TestStartRejectsBadKeyFile(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(keyFile, []byte("dev=c2hvcnQ=\n"), 0o600))
	_, err := devstack.Start(context.Background(), devstack.Options{Memory: true, TemporalAddr: freeAddr, PayloadKeyFile: keyFile})
	require.ErrorContains(t, err, "-"+devstack.FlagPayloadKeyFile+": payload key file "+keyFile+": line 1: key is 5 bytes")
	require.NotContains(t, err.Error(), "c2hvcnQ")
}

// TestStartRefusesAnExposedCodecWithoutToken: a codec server beyond
// loopback would decode every payload for whoever reaches it.
func TestStartRefusesAnExposedCodecWithoutToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys")
	require.NoError(t, os.WriteFile(keyFile, []byte("dev=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0o600))
	openToken := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(openToken, []byte("t0k\n"), 0o600))
	require.NoError(t, os.Chmod(openToken, 0o644))
	tests := []struct {
		name, tokenFile, want string
	}{
		{"no token", "", "-" + devstack.FlagMetricsAddr + ": the codec server would listen on 0.0.0.0:0, which is not loopback, without a bearer token"},
		{"a token file others may read", openToken, "-" + devstack.FlagCodecTokenFile + `: "` + openToken + `" is open to its group or other users (mode 0644): run chmod 600`},
	}
	for _, tt := range tests {
		_, err := devstack.Start(context.Background(), devstack.Options{Memory: true, TemporalAddr: freeAddr,
			MetricsAddr: "0.0.0.0:0", PayloadKeyFile: keyFile, CodecTokenFile: tt.tokenFile})
		require.ErrorContains(t, err, tt.want, tt.name)
	}
}
