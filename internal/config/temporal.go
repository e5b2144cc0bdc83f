package config

import (
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// Temporal is how to reach the Temporal service. Empty fields take what the
// SDK's envconfig finds (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS_*, TEMPORAL_PROFILE and its TOML file), then the SDK defaults.
type Temporal struct {
	// Address overrides the frontend host:port (--address).
	Address string
	// Namespace overrides the namespace (--namespace).
	Namespace string
	// Env is where envconfig reads its variables; nil means the process environment.
	Env Env
}

// ClientOptions loads the connection from envconfig and applies t's
// overrides. The result always names an address and a namespace, so callers
// can log them. Logger, MetricsHandler and DataConverter are left to the caller.
func ClientOptions(t Temporal) (client.Options, error) {
	var lookup envconfig.EnvLookup = envconfig.EnvLookupOS
	if t.Env != nil {
		lookup = t.Env
	}
	opts, err := envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{EnvLookup: lookup})
	if err != nil {
		return client.Options{}, fmt.Errorf("temporal connection (TEMPORAL_* variables or profile): %w", err)
	}
	if t.Address != "" {
		opts.HostPort = t.Address
	}
	if t.Namespace != "" {
		opts.Namespace = t.Namespace
	}
	if opts.HostPort == "" {
		opts.HostPort = client.DefaultHostPort
	}
	if opts.Namespace == "" {
		opts.Namespace = client.DefaultNamespace
	}
	return opts, nil
}
