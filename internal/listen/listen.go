// Package listen opens the TCP listeners of the kylin-points processes (the
// dev stack's, the worker's metrics, the sandbox command's) and says in one
// way when an address is taken, so that a user learns what holds it and
// what to change.
package listen

import (
	"errors"
	"net"
	"syscall"
)

// InUseError says that another process already listens on Addr.
type InUseError struct {
	// What names the listener at the start of the message, e.g. "metrics
	// address"; "" starts with the address.
	What string
	Addr string
	// Hint follows "is already in use": who may hold the port and how to
	// choose another, e.g. "(another dev stack?); choose another with -addr".
	Hint string
	Err  error
}

// Error is one line: "[What ]Addr is already in use[ Hint]".
func (e *InUseError) Error() string {
	msg := e.Addr + " is already in use"
	if e.What != "" {
		msg = e.What + " " + msg
	}
	if e.Hint != "" {
		msg += " " + e.Hint
	}
	return msg
}

// Unwrap returns the listen error.
func (e *InUseError) Unwrap() error { return e.Err }

// TCP listens on addr. A port another process holds is an *InUseError
// carrying what and hint; any other failure is net.Listen's error, for the
// caller to wrap.
func TCP(addr, what, hint string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, &InUseError{What: what, Addr: addr, Hint: hint, Err: err}
	}
	return l, err
}
