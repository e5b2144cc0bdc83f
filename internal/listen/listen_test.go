package listen

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTCP(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = busy.Close() })
	addr := busy.Addr().String()

	tests := []struct {
		name, what, hint, want string
	}{
		{"bare", "", "", addr + " is already in use"},
		{"named, with a hint", "metrics address", "by another process", "metrics address " + addr + " is already in use by another process"},
		{"a hint only", "", "(another dev stack?); choose another with -addr", addr + " is already in use (another dev stack?); choose another with -addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := TCP(addr, tt.what, tt.hint)
			require.Nil(t, l)
			var inUse *InUseError
			require.ErrorAs(t, err, &inUse)
			require.Equal(t, tt.want, err.Error())
			require.True(t, errors.Is(err, syscall.EADDRINUSE), "the listen error stays inspectable")
		})
	}

	l, err := TCP("127.0.0.1:0", "x", "y")
	require.NoError(t, err)
	require.NoError(t, l.Close())
	_, err = TCP("not an address", "x", "y")
	require.Error(t, err)
	require.False(t, errors.As(err, new(*InUseError)), "only a taken port is an InUseError: %v", err)
}
