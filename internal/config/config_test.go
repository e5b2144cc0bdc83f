package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/search"
)

const testSecret = "s3cr3t-VALUE-never-shown"

// mapEnv is an Env over a map.
func mapEnv(m map[string]string) Env { return func(k string) string { return m[k] } }

// minimal is the least a worker needs.
func minimal() map[string]string {
	return map[string]string{"KYLIN_CRM_BASE_URL": "https://kylinapi.example.com"}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Load(nil, mapEnv(minimal()))
	require.NoError(t, err)
	require.Equal(t, "kylin-points", cfg.TaskQueue)
	require.Equal(t, "https://kylinapi.example.com", cfg.CRM.BaseURL)
	require.Equal(t, 10*time.Second, cfg.CRM.Timeout)
	require.Equal(t, "aupres", cfg.CRM.MemberType)
	require.Equal(t, "WECHAT", cfg.CRM.ChannelType)
	require.Equal(t, "/openapi/v2/member/freezePoint", cfg.CRM.FreezePath)
	require.Equal(t, "/openapi/v2/member/unfreezePoint", cfg.CRM.ReleasePath)
	require.Equal(t, "/openapi/v2/member/freezeDeductPoint", cfg.CRM.ConsumePath)
	require.Equal(t, 50.0, cfg.MaxQPS, "capped by default, never unlimited")
	require.False(t, cfg.LogMemberData)
	require.False(t, cfg.Payload.AllowPlaintext)
	require.Equal(t, "info", cfg.LogLevel)
	require.Empty(t, cfg.Temporal.Address, "left to envconfig")
	require.Empty(t, cfg.CRM.Secret)
}

func TestLoadGood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, c Config)
	}{
		{"task queue from env", with(minimal(), "KYLIN_TASK_QUEUE", "q-env"), nil,
			func(t *testing.T, c Config) { require.Equal(t, "q-env", c.TaskQueue) }},
		{"flag overrides env", with(minimal(), "KYLIN_TASK_QUEUE", "q-env"), []string{"--task-queue", "q-flag"},
			func(t *testing.T, c Config) { require.Equal(t, "q-flag", c.TaskQueue) }},
		{"base URL from flag, trailing slash dropped", nil, []string{"--crm-base-url=http://127.0.0.1:8088/"},
			func(t *testing.T, c Config) { require.Equal(t, "http://127.0.0.1:8088", c.CRM.BaseURL) }},
		{"service name and secret from env", with(minimal(), "KYLIN_CRM_SERVICE_NAME", "svc", "KYLIN_CRM_SERVICE_SECRET", testSecret), nil,
			func(t *testing.T, c Config) {
				require.Equal(t, "svc", c.CRM.ServiceName)
				require.Equal(t, testSecret, c.CRM.Secret)
			}},
		{"service name flag", with(minimal(), "KYLIN_CRM_SERVICE_SECRET", testSecret), []string{"--crm-service-name", "svc2"},
			func(t *testing.T, c Config) { require.Equal(t, "svc2", c.CRM.ServiceName) }},
		{"timeout", with(minimal(), "KYLIN_CRM_TIMEOUT", "3s"), []string{"--crm-timeout", "2500ms"},
			func(t *testing.T, c Config) { require.Equal(t, 2500*time.Millisecond, c.CRM.Timeout) }},
		{"member and channel types", with(minimal(), "KYLIN_CRM_MEMBER_TYPE", "GMYB"), []string{"--crm-channel-type", "POS"},
			func(t *testing.T, c Config) {
				require.Equal(t, "GMYB", c.CRM.MemberType)
				require.Equal(t, "POS", c.CRM.ChannelType)
			}},
		{"paths", with(minimal(), "KYLIN_CRM_FREEZE_PATH", "/api/v3/freeze"),
			[]string{"--crm-release-path", "/api/v3/release", "--crm-consume-path", "/api/v3/consume"},
			func(t *testing.T, c Config) {
				require.Equal(t, "/api/v3/freeze", c.CRM.FreezePath)
				require.Equal(t, "/api/v3/release", c.CRM.ReleasePath)
				require.Equal(t, "/api/v3/consume", c.CRM.ConsumePath)
			}},
		{"max qps env", with(minimal(), "KYLIN_CRM_MAX_QPS", "2.5"), nil,
			func(t *testing.T, c Config) { require.InDelta(t, 2.5, c.MaxQPS, 1e-9) }},
		{"reconcile every", with(minimal(), "KYLIN_RECONCILE_EVERY", "10m"), nil,
			func(t *testing.T, c Config) { require.Equal(t, 10*time.Minute, c.ReconcileEvery) }},
		{"reconcile off by default", minimal(), nil,
			func(t *testing.T, c Config) { require.Zero(t, c.ReconcileEvery) }},
		{"max qps flag", minimal(), []string{"--crm-max-qps", "50"},
			func(t *testing.T, c Config) { require.InDelta(t, 50, c.MaxQPS, 1e-9) }},
		{"log level", with(minimal(), "KYLIN_LOG_LEVEL", "warn"), []string{"--log-level", "debug"},
			func(t *testing.T, c Config) { require.Equal(t, "debug", c.LogLevel) }},
		{"temporal overrides", minimal(), []string{"--address", "10.0.0.1:7233", "--namespace", "points"},
			func(t *testing.T, c Config) {
				require.Equal(t, "10.0.0.1:7233", c.Temporal.Address)
				require.Equal(t, "points", c.Temporal.Namespace)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tt.args, mapEnv(tt.env))
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestLoadBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"nothing set", nil, nil, []string{"KYLIN_CRM_BASE_URL (--crm-base-url) is required"}},
		{"base URL not http", with(minimal(), "KYLIN_CRM_BASE_URL", "ftp://x"), nil,
			[]string{`KYLIN_CRM_BASE_URL (--crm-base-url) must be an http:// or https:// URL, got scheme "ftp"`}},
		{"base URL without scheme", with(minimal(), "KYLIN_CRM_BASE_URL", "kylinapi.example.com"), nil,
			[]string{`KYLIN_CRM_BASE_URL (--crm-base-url) must be an http:// or https:// URL, got scheme ""`}},
		{"base URL with query", minimal(), []string{"--crm-base-url", "https://h/?a=1"},
			[]string{"KYLIN_CRM_BASE_URL (--crm-base-url) must not have a query or fragment"}},
		{"base URL with an empty query", minimal(), []string{"--crm-base-url", "https://h/?"},
			[]string{"KYLIN_CRM_BASE_URL (--crm-base-url) must not have a query or fragment, even an empty one"}},
		{"base URL with an empty fragment", minimal(), []string{"--crm-base-url", "https://h#"},
			[]string{"KYLIN_CRM_BASE_URL (--crm-base-url) must not have a query or fragment, even an empty one"}},
		{"base URL with a path", minimal(), []string{"--crm-base-url", "https://h/openapi"},
			[]string{`KYLIN_CRM_BASE_URL (--crm-base-url) must be scheme and host only, got path "/openapi": the endpoint paths (KYLIN_CRM_*_PATH) hold the whole path`}},
		{"service name not a header value", with(with(minimal(), "KYLIN_CRM_SERVICE_NAME", "my service"), "KYLIN_CRM_SERVICE_SECRET", "s"), nil,
			[]string{"KYLIN_CRM_SERVICE_NAME (--crm-service-name) serviceName must be printable ASCII without spaces, to be a header value (byte 2 is ' ')"}},
		{"service name with a newline", with(minimal(), "KYLIN_CRM_SERVICE_SECRET", "s"), []string{"--crm-service-name", "svc\r\nX-Evil: 1"},
			[]string{`KYLIN_CRM_SERVICE_NAME (--crm-service-name) serviceName must be printable ASCII without spaces, to be a header value (byte 3 is '\r')`}},
		{"timeout as long as an attempt", minimal(), []string{"--crm-timeout", "15s"},
			[]string{`KYLIN_CRM_TIMEOUT (--crm-timeout) "15s" must be shorter than 15s, the time one activity attempt may run`}},
		{"timeout longer than an attempt", with(minimal(), "KYLIN_CRM_TIMEOUT", "1h"), nil,
			[]string{`KYLIN_CRM_TIMEOUT (--crm-timeout) "1h0m0s" must be shorter than 15s, the time one activity attempt may run`}},
		{"empty task queue", minimal(), []string{"--task-queue="}, []string{"KYLIN_TASK_QUEUE (--task-queue) is required"}},
		{"timeout not a duration", with(minimal(), "KYLIN_CRM_TIMEOUT", "abc"), nil,
			[]string{`KYLIN_CRM_TIMEOUT (--crm-timeout) "abc" is not a duration (e.g. 10s, 1m)`}},
		{"timeout zero", minimal(), []string{"--crm-timeout", "0s"}, []string{`KYLIN_CRM_TIMEOUT (--crm-timeout) "0s" must be greater than 0`}},
		{"empty member type", minimal(), []string{"--crm-member-type", " "}, []string{"KYLIN_CRM_MEMBER_TYPE (--crm-member-type) is required"}},
		{"empty channel type", minimal(), []string{"--crm-channel-type="}, []string{"KYLIN_CRM_CHANNEL_TYPE (--crm-channel-type) is required"}},
		{"freeze path without slash", with(minimal(), "KYLIN_CRM_FREEZE_PATH", "openapi/v2/x"), nil,
			[]string{`KYLIN_CRM_FREEZE_PATH (--crm-freeze-path) "openapi/v2/x" must start with /`}},
		{"release path too short", minimal(), []string{"--crm-release-path", "/openapi/v2"},
			[]string{`KYLIN_CRM_RELEASE_PATH (--crm-release-path) path "/openapi/v2" is not /{contextPath}/{version}/{requestPath}`}},
		{"consume path too short", with(minimal(), "KYLIN_CRM_CONSUME_PATH", "/x"), nil,
			[]string{`KYLIN_CRM_CONSUME_PATH (--crm-consume-path) path "/x" is not /{contextPath}/{version}/{requestPath}`}},
		{"reconcile too often", minimal(), []string{"--reconcile-every", "30s"},
			[]string{`KYLIN_RECONCILE_EVERY (--reconcile-every) "30s" must be a duration of whole seconds, at least 1m`}},
		{"max qps not a number", with(minimal(), "KYLIN_CRM_MAX_QPS", "lots"), nil,
			[]string{`KYLIN_CRM_MAX_QPS (--crm-max-qps) "lots" must be a positive number of calls per second`}},
		{"max qps zero", minimal(), []string{"--crm-max-qps", "0"},
			[]string{`KYLIN_CRM_MAX_QPS (--crm-max-qps) "0" must be a positive number of calls per second`}},
		{"max qps infinite", minimal(), []string{"--crm-max-qps", "+Inf"},
			[]string{`KYLIN_CRM_MAX_QPS (--crm-max-qps) "+Inf" must be a positive number of calls per second`}},
		{"log level", with(minimal(), "KYLIN_LOG_LEVEL", "chatty"), nil,
			[]string{`KYLIN_LOG_LEVEL (--log-level) "chatty" is not a log level (debug, info, warn, error)`}},
		{"service name without secret", with(minimal(), "KYLIN_CRM_SERVICE_NAME", "svc"), nil,
			[]string{"KYLIN_CRM_SERVICE_SECRET or KYLIN_CRM_SERVICE_SECRET_FILE (--crm-service-secret-file) is required when KYLIN_CRM_SERVICE_NAME is set"}},
		{"secret without service name", with(minimal(), "KYLIN_CRM_SERVICE_SECRET", testSecret), nil,
			[]string{"KYLIN_CRM_SERVICE_NAME (--crm-service-name) is required when a gateway secret is set"}},
		{"secret and secret file", with(minimal(), "KYLIN_CRM_SERVICE_NAME", "svc", "KYLIN_CRM_SERVICE_SECRET", testSecret),
			[]string{"--crm-service-secret-file", "/nonexistent/secret"},
			[]string{"KYLIN_CRM_SERVICE_SECRET and KYLIN_CRM_SERVICE_SECRET_FILE (--crm-service-secret-file) are both set: set only one"}},
		{"unknown flag", minimal(), []string{"--crm-secret", testSecret}, []string{"flag provided but not defined: -crm-secret"}},
		{"unknown flag with a newline, shown escaped", minimal(), []string{"--crm\nsecret"}, []string{`flag provided but not defined: -crm\nsecret`}},
		{"positional argument", minimal(), []string{"extra"}, []string{`unexpected argument "extra"`}},
		{"every problem at once",
			map[string]string{"KYLIN_CRM_TIMEOUT": "soon", "KYLIN_CRM_MAX_QPS": "-1", "KYLIN_CRM_SERVICE_SECRET": testSecret},
			[]string{"--crm-freeze-path", "x", "--log-level", "loud"},
			[]string{
				"KYLIN_CRM_BASE_URL (--crm-base-url) is required",
				"KYLIN_CRM_SERVICE_NAME (--crm-service-name) is required when a gateway secret is set",
				`KYLIN_CRM_TIMEOUT (--crm-timeout) "soon" is not a duration (e.g. 10s, 1m)`,
				`KYLIN_CRM_FREEZE_PATH (--crm-freeze-path) "x" must start with /`,
				`KYLIN_CRM_MAX_QPS (--crm-max-qps) "-1" must be a positive number of calls per second`,
				`KYLIN_LOG_LEVEL (--log-level) "loud" is not a log level (debug, info, warn, error)`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tt.args, mapEnv(tt.env))
			var p Problems
			require.ErrorAs(t, err, &p)
			require.Equal(t, tt.want, []string(p))
			require.NotContains(t, err.Error(), testSecret)
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		content *string // nil: the file does not exist
		viaFlag bool
		want    string
		problem string
	}{
		{"trailing newline trimmed", ptr(testSecret + "\n"), false, testSecret, ""},
		{"CRLF trimmed", ptr(testSecret + "\r\n"), true, testSecret, ""},
		{"only one newline trimmed, inner spaces kept", ptr(" a b \n\n"), false, " a b \n", ""},
		{"no newline", ptr(testSecret), true, testSecret, ""},
		{"empty file", ptr("\n"), false, "", "is empty"},
		{"missing file", nil, true, "", "does not exist"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, "missing")
			if tt.content != nil {
				path = writeFile(t, *tt.content)
			}
			env := with(minimal(), "KYLIN_CRM_SERVICE_NAME", "svc")
			var args []string
			if tt.viaFlag {
				args = []string{"--crm-service-secret-file", path}
			} else {
				env["KYLIN_CRM_SERVICE_SECRET_FILE"] = path
			}
			cfg, err := Load(args, mapEnv(env))
			if tt.problem == "" {
				require.NoError(t, err, "case %d", i)
				require.Equal(t, tt.want, cfg.CRM.Secret)
				return
			}
			var p Problems
			require.ErrorAs(t, err, &p)
			require.Len(t, p, 1, "one line, no follow-on 'secret required'")
			require.True(t, strings.HasPrefix(p[0], CRMServiceSecretFile.Name()+" "), p[0])
			require.Contains(t, p[0], tt.problem)
			require.Contains(t, p[0], path)
		})
	}
}

func ptr(s string) *string { return &s }

func TestSecretNeverShown(t *testing.T) {
	t.Parallel()
	path := writeFile(t, testSecret+"\n")
	cfg, err := Load([]string{"--crm-service-secret-file", path}, mapEnv(with(minimal(), "KYLIN_CRM_SERVICE_NAME", "svc")))
	require.NoError(t, err)
	require.Equal(t, testSecret, cfg.CRM.Secret)
	require.NotContains(t, cfg.CRM.String(), testSecret)
	require.Contains(t, cfg.CRM.String(), "Secret:set")

	var help bytes.Buffer
	WriteWorkerUsage(&help)
	require.NotContains(t, help.String(), testSecret)
	require.NotContains(t, help.String(), "--crm-service-secret ", "no flag takes the secret itself")
	require.Contains(t, help.String(), "argv is visible in ps")

	// A bad setting elsewhere: the problems list stays free of the secret.
	_, err = Load([]string{"--crm-timeout", "x"}, mapEnv(with(minimal(), "KYLIN_CRM_SERVICE_NAME", "svc", "KYLIN_CRM_SERVICE_SECRET", testSecret)))
	require.Error(t, err)
	require.NotContains(t, err.Error(), testSecret)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "--help"} {
		_, err := Load([]string{arg}, mapEnv(nil))
		require.True(t, errors.Is(err, flag.ErrHelp), arg)
	}
	var help bytes.Buffer
	WriteWorkerUsage(&help)
	for _, s := range WorkerSettings {
		require.Contains(t, help.String(), s.Env)
		switch {
		case s.Switch:
			require.Contains(t, help.String(), "--"+s.Flag+"[="+s.Arg+"]")
		case s.Flag != "":
			require.Contains(t, help.String(), "--"+s.Flag+" ")
		}
	}
}

func TestSearchSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := filepath.Join(dir, "member.key")
	require.NoError(t, os.WriteFile(key, []byte("0123456789abcdef-key\n"), 0o600))
	short := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(short, []byte("tiny"), 0o600))
	tests := []struct {
		name    string
		args    []string
		want    Search
		problem string
	}{
		{"defaults: on, member left out", nil, Search{Enabled: true, MemberMode: "none"}, ""},
		{"off", []string{"--search-attributes=false"}, Search{MemberMode: "none"}, ""},
		{"a key file hashes", []string{"--member-hash-key-file", key}, Search{Enabled: true, MemberMode: "hash", MemberKey: []byte("0123456789abcdef-key")}, ""},
		{"raw, opted in", []string{"--member-search", "raw"}, Search{Enabled: true, MemberMode: "raw"}, ""},
		{"hash without a key", []string{"--member-search", "hash"}, Search{}, "KYLIN_MEMBER_SEARCH (--member-search) hash needs KYLIN_MEMBER_HASH_KEY_FILE (--member-hash-key-file)"},
		{"unknown mode", []string{"--member-search", "plain"}, Search{}, `KYLIN_MEMBER_SEARCH (--member-search) "plain" is not hash, raw or none`},
		{"short key", []string{"--member-hash-key-file", short}, Search{}, "must hold a key of at least 16 characters"},
		{"not a bool", []string{"--search-attributes", "sometimes"}, Search{}, `KYLIN_SEARCH_ATTRIBUTES (--search-attributes) "sometimes" must be true or false`},
		{"create: a bare flag means true", []string{"--create-search-attributes"}, Search{Enabled: true, Create: search.CreateAlways, MemberMode: "none"}, ""},
		{"create: never", []string{"--create-search-attributes=false"}, Search{Enabled: true, Create: search.CreateNever, MemberMode: "none"}, ""},
		{"create: auto said aloud", []string{"--create-search-attributes=auto"}, Search{Enabled: true, MemberMode: "none"}, ""},
		{"create: not a mode", []string{"--create-search-attributes=sometimes"}, Search{}, `KYLIN_CREATE_SEARCH_ATTRIBUTES (--create-search-attributes) "sometimes" must be auto, true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tt.args, mapEnv(minimal()))
			if tt.problem != "" {
				require.ErrorContains(t, err, tt.problem)
				require.NotContains(t, err.Error(), "0123456789abcdef", "never the key")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, cfg.Search)
			require.NotContains(t, cfg.Search.String(), "0123456789abcdef")
		})
	}
}

// KYLIN_CREATE_SEARCH_ATTRIBUTES sets the creation; the flag wins over it.
func TestCreateSearchAttributesVariable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  string
		args []string
		want search.Creation
	}{
		{"", nil, search.CreateOnLocalDevServer},
		{"true", nil, search.CreateAlways},
		{"1", nil, search.CreateAlways},
		{"FALSE", nil, search.CreateNever},
		{"Auto", nil, search.CreateOnLocalDevServer},
		{"true", []string{"--create-search-attributes=false"}, search.CreateNever},
		{"false", []string{"--create-search-attributes"}, search.CreateAlways},
	} {
		cfg, err := Load(tt.args, mapEnv(with(minimal(), "KYLIN_CREATE_SEARCH_ATTRIBUTES", tt.env)))
		require.NoError(t, err, "%q %v", tt.env, tt.args)
		require.Equal(t, tt.want, cfg.Search.Create, "%q %v", tt.env, tt.args)
	}
}

// TestCRMLinkAttacks: a base URL that lets anyone on the path read and
// replay requests is refused unless the operator says they accept that;
// the rate cap cannot be switched off.
func TestCRMLinkAttacks(t *testing.T) {
	t.Parallel()
	const refused = "is http:// to a host that is not loopback: anyone on the path reads member IDs and can replay the signed headers with another body"
	tests := []struct {
		name    string
		env     []string
		args    []string
		wantErr string // "" when accepted
	}{
		{"plain http to a CRM host", []string{"KYLIN_CRM_BASE_URL", "http://kylinapi.example.com"}, nil, refused},
		{"plain http to a LAN address", []string{"KYLIN_CRM_BASE_URL", "http://10.0.0.8:8088"}, nil, refused},
		{"plain http to a name that only starts like loopback", []string{"KYLIN_CRM_BASE_URL", "http://127.0.0.1.example.com"}, nil, refused},
		{"plain http, the risk accepted by variable", []string{"KYLIN_CRM_BASE_URL", "http://kylinapi.example.com", "KYLIN_CRM_ALLOW_INTERCEPTABLE_HTTP", "true"}, nil, ""},
		{"plain http, the risk accepted by flag", []string{"KYLIN_CRM_BASE_URL", "http://kylinapi.example.com"}, []string{"--crm-allow-interceptable-http"}, ""},
		{"the setting misspelt", []string{"KYLIN_CRM_BASE_URL", "http://kylinapi.example.com", "KYLIN_CRM_ALLOW_INTERCEPTABLE_HTTP", "yes"}, nil, `KYLIN_CRM_ALLOW_INTERCEPTABLE_HTTP (--crm-allow-interceptable-http) "yes" must be true or false`},
		{"plain http on loopback", []string{"KYLIN_CRM_BASE_URL", "http://127.0.0.1:8088"}, nil, ""},
		{"plain http on localhost", []string{"KYLIN_CRM_BASE_URL", "http://localhost:8088"}, nil, ""},
		{"plain http on ::1", []string{"KYLIN_CRM_BASE_URL", "http://[::1]:8088"}, nil, ""},
		{"https", []string{"KYLIN_CRM_BASE_URL", "https://kylinapi.example.com"}, nil, ""},
		{"the rate cap switched off", []string{"KYLIN_CRM_MAX_QPS", "0"}, nil, `KYLIN_CRM_MAX_QPS (--crm-max-qps) "0" must be a positive number`},
		{"the rate cap raised", []string{"KYLIN_CRM_MAX_QPS", "400"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tt.args, mapEnv(with(minimal(), tt.env...)))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
