package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

func envOf(m map[string]string) envLookup { return func(k string) string { return m[k] } }

func TestParseOptions(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("from-file\n"), 0o600))
	openFile := filepath.Join(t.TempDir(), "open")
	require.NoError(t, os.WriteFile(openFile, []byte("tok\n"), 0o600))
	require.NoError(t, os.Chmod(openFile, 0o644))

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, o options)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, o options) {
			require.Equal(t, "127.0.0.1:8088", o.addr)
			require.Empty(t, o.db)
			require.Equal(t, sandbox.DemoServiceName, o.service)
			require.Equal(t, sandbox.DemoSecret, o.secret)
			require.True(t, o.secretFromDefault)
			require.True(t, o.demo)
			require.Empty(t, o.memberTypes)
			require.Equal(t, crm.DefaultFreezePath, o.freezePath)
			require.Equal(t, sandbox.DefaultLatency, o.faults.LatencyDuration)
		}},
		{name: "environment", env: map[string]string{
			"KYLIN_SANDBOX_ADDR": "127.0.0.1:9", "KYLIN_SANDBOX_DB": "x.db", "KYLIN_CRM_SERVICE_NAME": "svc",
			"KYLIN_CRM_SERVICE_SECRET": "env-secret", "KYLIN_SANDBOX_MEMBER_TYPES": "aupres, GMYB",
			"KYLIN_SANDBOX_DEMO": "false", "KYLIN_SANDBOX_SEED": "7", "KYLIN_SANDBOX_FAIL_AFTER": "0.25",
			"KYLIN_SANDBOX_RETRY_AFTER": "3s", "KYLIN_CRM_FREEZE_PATH": "/a/v1/freeze",
		}, check: func(t *testing.T, o options) {
			require.Equal(t, options{
				addr: "127.0.0.1:9", db: "x.db", service: "svc", secret: "env-secret", memberTypes: []string{"aupres", "GMYB"},
				seed: 7, freezePath: "/a/v1/freeze", releasePath: crm.DefaultReleasePath, consumePath: crm.DefaultConsumePath,
				balancePath: sandbox.DefaultBalancePath,
				faults:      sandbox.FaultRates{FailAfter: 0.25, LatencyDuration: sandbox.DefaultLatency, RetryAfter: 3 * time.Second},
				profile:     sandbox.Profile{Name: sandbox.ProfileDefault},
			}, o)
		}},
		{name: "profile from the environment", env: map[string]string{"KYLIN_SANDBOX_PROFILE": "other-codes"},
			check: func(t *testing.T, o options) {
				require.Equal(t, sandbox.Profile{Name: sandbox.ProfileOtherCodes, Codes: sandbox.OtherCodes}, o.profile)
			}},
		{name: "profile flag and token memory", args: []string{"-profile", "short-memory", "-token-memory", "3", "-token-ttl", "2s"},
			env: map[string]string{"KYLIN_SANDBOX_PROFILE": "no-success"},
			check: func(t *testing.T, o options) {
				require.Equal(t, sandbox.Profile{Name: sandbox.ProfileShortMemory, TokenMemory: 3, TokenTTL: 2 * time.Second}, o.profile)
			}},
		{name: "token memory from the environment", env: map[string]string{"KYLIN_SANDBOX_TOKEN_MEMORY": "4"},
			check: func(t *testing.T, o options) {
				require.Equal(t, sandbox.Profile{Name: sandbox.ProfileDefault, TokenMemory: 4}, o.profile)
			}},
		{name: "unknown profile", args: []string{"-profile", "strict"}, wantErr: `-profile (KYLIN_SANDBOX_PROFILE): no sandbox profile "strict"`},
		{name: "negative token memory", args: []string{"-token-memory", "-1"}, wantErr: "must not be negative"},
		{name: "flags beat the environment", args: []string{"-addr", "127.0.0.1:1", "-secret-file", secretFile, "-demo=false"},
			env: map[string]string{"KYLIN_SANDBOX_ADDR": "127.0.0.1:9", "KYLIN_CRM_SERVICE_SECRET": "from-env"},
			check: func(t *testing.T, o options) {
				require.Equal(t, "127.0.0.1:1", o.addr)
				require.Equal(t, "from-file", o.secret)
				require.False(t, o.demo)
			}},
		{name: "the secret on the command line, where ps shows it", args: []string{"-secret", "flag-secret"}, wantErr: "-secret shows the secret to every local user (ps)"},
		{name: "the secret in the environment", env: map[string]string{"KYLIN_CRM_SERVICE_SECRET": "from-env"},
			check: func(t *testing.T, o options) { require.Equal(t, "from-env", o.secret) }},
		{name: "admin token from a file", args: []string{"-admin-token-file", secretFile},
			check: func(t *testing.T, o options) { require.Equal(t, "from-file", o.adminToken) }},
		{name: "admin token from the environment", env: map[string]string{"KYLIN_SANDBOX_ADMIN_TOKEN": "tok"},
			check: func(t *testing.T, o options) { require.Equal(t, "tok", o.adminToken) }},
		{name: "admin token file others may read", args: []string{"-admin-token-file", openFile}, wantErr: "run chmod 600"},
		{name: "secret file", env: map[string]string{"KYLIN_CRM_SERVICE_SECRET_FILE": secretFile},
			check: func(t *testing.T, o options) { require.Equal(t, "from-file", o.secret) }},
		{name: "both secret variables", env: map[string]string{"KYLIN_CRM_SERVICE_SECRET": "a", "KYLIN_CRM_SERVICE_SECRET_FILE": secretFile}, wantErr: "give only one of KYLIN_CRM_SERVICE_SECRET"},
		{name: "missing secret file", args: []string{"-secret-file", filepath.Join(t.TempDir(), "none")}, wantErr: "secret file"},
		{name: "malformed environment", env: map[string]string{"KYLIN_SANDBOX_FAIL_BEFORE": "often"}, wantErr: "KYLIN_SANDBOX_FAIL_BEFORE"},
		{name: "rates above 1", args: []string{"-fail-before", "0.6", "-too-many", "0.6"}, wantErr: "sum"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseOptions(tc.args, envOf(tc.env), &bytes.Buffer{})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, o)
		})
	}
}

func TestRunReportsAPortInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"-addr", ln.Addr().String()}, envOf(nil), &stderr, nil)
	require.Equal(t, 1, code)
	require.Equal(t, "sandbox: "+ln.Addr().String()+" is already in use (is another sandbox or dev stack running?); pick another with -addr\n",
		stderr.String())
}

// startRun runs the command until the returned stop is called; stop returns its exit status.
func startRun(t *testing.T, args ...string) (addr string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), envOf(nil), &stderr, func(a string) { ready <- a })
	}()
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("run exited %d: %s", code, stderr.String())
	}
	return addr, func() int {
		cancel()
		code := <-done
		require.NotContains(t, stderr.String(), sandbox.DemoSecret, "the secret is never printed")
		return code
	}
}

func TestRunServesAndKeepsTheLedgerAcrossRestarts(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "ledger.db")
	addr, stop := startRun(t, "-db", db)
	client := &crm.Client{BaseURL: "http://" + addr, ServiceName: sandbox.DemoServiceName, Secret: sandbox.DemoSecret}
	_, err := client.Freeze(t.Context(), "tok-cmd", crm.Request{MemberID: "demo-member-1", Description: "cmd test", Points: 10})
	require.NoError(t, err)
	require.Equal(t, 0, stop())

	addr, stop = startRun(t, "-db", db)
	defer func() { require.Equal(t, 0, stop()) }()
	resp, err := http.Get("http://" + addr + "/sandbox/members/demo-member-1")
	require.NoError(t, err)
	defer resp.Body.Close()
	var b sandbox.Balance
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
	require.Equal(t, sandbox.Balance{MemberID: "demo-member-1", MemberType: crm.DefaultMemberType, Available: 990, Frozen: 10, Granted: 1000}, b,
		"the freeze survived and the demo seed did not top the member up")
}
