package devstack

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/kylinpoints/kylin-points/internal/listen"
)

// Flags of dev/main.go that set each address, named in errors so that the
// user knows what to change.
const (
	FlagTemporalAddr = "temporal-addr"
	FlagUIAddr       = "ui-addr"
	FlagSandboxAddr  = "sandbox-addr"
	FlagMetricsAddr  = "metrics-addr"
	// FlagPayloadKeyFile names the key file; it is not an address.
	FlagPayloadKeyFile = "payload-key-file"
	// FlagCodecTokenFile names the codec server's bearer token file.
	FlagCodecTokenFile = "codec-token-file"
)

// listenAddr opens addr, the stack's first check that the address is usable.
// "localhost" stands for 127.0.0.1, and the host must be an IP address,
// since the Temporal frontend binds to an IP.
func listenAddr(addr, flag string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-%s %q: want host:port, e.g. 127.0.0.1:7233", flag, addr)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if net.ParseIP(host) == nil {
		return nil, fmt.Errorf("-%s %q: the host must be an IP address, e.g. 127.0.0.1", flag, addr)
	}
	addr = net.JoinHostPort(host, port)
	l, err := listen.TCP(addr, "", "(another dev stack or Temporal server?); choose another address with -"+flag)
	if _, inUse := errors.AsType[*listen.InUseError](err); inUse {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("-%s %s: %w", flag, addr, err)
	}
	return l, nil
}

// probe checks that addr can be listened on and releases it again, for the
// servers that open their own listener. It returns the address with port 0
// replaced by the port the system chose.
func probe(addr, flag string) (string, error) {
	l, err := listenAddr(addr, flag)
	if err != nil {
		return "", err
	}
	resolved := l.Addr().String()
	if _, port, _ := net.SplitHostPort(addr); port == "0" {
		return resolved, release(l)
	}
	return resolved, l.Close()
}

// freePort returns a port on host that nobody listens on right now.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, release(l)
}

// release closes l, a listener on a port the system chose, so that the
// system does not hand the same port to the next program that asks for any
// free one (another dev stack, a test server starting alongside) before our
// server binds it. A port merely closed is free again at once; so a
// connection is made to it and closed from the listening side first, which
// leaves that side's socket in TIME_WAIT: while it lasts, Linux skips the
// port when choosing a free one, yet a listener that asks for the port by
// number (with SO_REUSEADDR, as Go's do) still gets it.
func release(l net.Listener) error {
	defer l.Close()
	c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
	if err != nil {
		return nil // the port is free either way; only the reservation failed
	}
	defer c.Close()
	accepted, err := l.Accept()
	if err != nil {
		return nil
	}
	return accepted.Close()
}

// splitAddr splits a host:port already checked by listen.
func splitAddr(addr string) (string, int) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return host, p
}

// exposure says, for each address flag, what another machine reaches when
// the address is not loopback.
var exposure = []struct {
	flag, what string
	addr       func(Options) string
	off        func(Options) bool
}{
	{FlagTemporalAddr, "the Temporal frontend: anyone can start, signal, read and terminate every workflow, without authentication",
		func(o Options) string { return o.TemporalAddr }, func(Options) bool { return false }},
	{FlagUIAddr, "the Temporal Web UI: every workflow's history, member IDs and descriptions included, and its buttons",
		func(o Options) string { return o.UIAddr }, func(o Options) bool { return o.NoUI }},
	{FlagSandboxAddr, "the CRM sandbox and its unsigned admin API (members, balances, faults)",
		func(o Options) string { return o.SandboxAddr }, func(o Options) bool { return o.NoSandbox }},
	{FlagMetricsAddr, "/metrics, /healthz, /readyz and, with -" + FlagPayloadKeyFile + ", the codec server (bearer token required)",
		func(o Options) string { return o.MetricsAddr }, func(o Options) bool { return o.MetricsAddr == "" }},
}

// Warnings names each part of the stack that listens beyond loopback and
// what it makes reachable from other machines, one line each.
func (o Options) Warnings() []string {
	var lines []string
	for _, e := range exposure {
		if e.off(o) {
			continue
		}
		addr := e.addr(o)
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host == "localhost" {
			continue
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			continue
		}
		lines = append(lines, fmt.Sprintf("warning: -%s %s is not loopback: other machines reach %s", e.flag, addr, e.what))
	}
	return lines
}

// warnIfReachable prints Warnings on Progress.
func (s *Stack) warnIfReachable() {
	for _, w := range s.opts.Warnings() {
		s.progress("%s", w)
	}
}
