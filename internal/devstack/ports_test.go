package devstack

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timeWaitOn reports whether /proc/net/tcp has a socket in TIME_WAIT whose
// local port is port.
func timeWaitOn(t *testing.T, port int) bool {
	t.Helper()
	f, err := os.Open("/proc/net/tcp")
	require.NoError(t, err)
	defer f.Close()
	want := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// sl local_address rem_address st ...; st 06 is TIME_WAIT.
		if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "06" {
			return true
		}
	}
	require.NoError(t, sc.Err())
	return false
}

// A port handed out for a server to bind later stays out of the system's
// choice of free ports meanwhile (a TIME_WAIT socket holds it), and our
// server can still bind it by number.
func TestPortsHandedOutStayReserved(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/net/tcp")
	}
	tests := []struct {
		name string
		port func(t *testing.T) int
	}{
		{"freePort", func(t *testing.T) int {
			p, err := freePort("127.0.0.1")
			require.NoError(t, err)
			return p
		}},
		{"probe of port 0", func(t *testing.T) int {
			addr, err := probe("127.0.0.1:0", FlagUIAddr)
			require.NoError(t, err)
			_, port, err := net.SplitHostPort(addr)
			require.NoError(t, err)
			p, err := strconv.Atoi(port)
			require.NoError(t, err)
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := tt.port(t)
			assert.True(t, timeWaitOn(t, port), "no TIME_WAIT socket holds port %d", port)
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			require.NoError(t, err, "the server cannot bind the port it was given")
			require.NoError(t, l.Close())
		})
	}
}
