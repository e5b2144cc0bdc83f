package startercli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runApp runs args on app (whose Client may be nil: then any call to
// Temporal panics and fails the test) and returns exit code, stdout, stderr.
func runApp(t *testing.T, app *App, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app.Stdout, app.Stderr = &stdout, &stderr
	code := app.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

// Every bad command line exits 2 with one line on stderr naming the
// problem, prints nothing on stdout (even with --json), and calls nothing:
// the App has no client, so any call to Temporal would panic. This is the
// one table of bad usage; tests/e2e runs the real binary on one of them.
func TestBadUsageExits2WithOneLineAndNoTemporalCall(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("积", 256)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"refund"}, `unknown command "refund"`},
		{"unknown flag", []string{"status", "--id", "x", "--verbose"}, "status: flag provided but not defined: -verbose"},
		{"positional argument", []string{"status", "--id", "x", "extra"}, `status: unexpected argument "extra"`},
		{"redeem without flags", []string{"redeem"}, "redeem: --member is required; --points is required; --description is required"},
		{"member blank", []string{"redeem", "--member", " ", "--points", "5", "--description", "d"}, "--member is required"},
		{"points not a number", []string{"redeem", "--member", "m", "--points", "five", "--description", "d"}, `--points "five" is not a number`},
		{"points zero", []string{"redeem", "--member", "m", "--points", "0", "--description", "d"}, "--points: point must be greater than 0"},
		{"points negative", []string{"freeze", "--member", "m", "--points", "-3", "--description", "d"}, "--points: point must be greater than 0"},
		{"points three decimals", []string{"redeem", "--member", "m", "--points", "1.234", "--description", "d"}, "--points: point may have at most 2 decimal places"},
		{"points too large", []string{"freeze", "--member", "m", "--points", "1e13", "--description", "d"}, "--points: point must be at most"},
		{"points NaN", []string{"redeem", "--member", "m", "--points", "NaN", "--description", "d"}, "--points: point must be a finite number"},
		{"description blank", []string{"redeem", "--member", "m", "--points", "5", "--description", "  "}, "--description: description is required"},
		{"description too long", []string{"freeze", "--member", "m", "--points", "5", "--description", long}, "--description: description is 256 characters long"},
		{"hold not a duration", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "soon"}, `--hold "soon" is not a duration`},
		{"hold zero", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "0s"}, `--hold "0s" must be at least 1s`},
		{"hold fraction", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "1500ms"}, `--hold "1500ms" must be whole seconds`},
		{"hold on freeze", []string{"freeze", "--member", "m", "--points", "5", "--description", "d", "--hold", "1m"}, "flag provided but not defined: -hold"},
		{"member with a newline", []string{"redeem", "--member", "m-1\nm-2", "--points", "5", "--description", "d"}, "--member: memberId must not contain control characters"},
		{"member with an escape", []string{"freeze", "--member", "m\x1b[31m", "--points", "5", "--description", "d"}, "--member: memberId must not contain control characters"},
		{"member too long", []string{"redeem", "--member", strings.Repeat("m", 129), "--points", "5", "--description", "d"}, "--member: memberId is 129 characters long"},
		{"shop too long", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--shop", strings.Repeat("s", 256)}, "--shop: shopCode is 256 characters long"},
		{"shop with a tab", []string{"freeze", "--member", "m", "--points", "5", "--description", "d", "--shop", "s\t1"}, "--shop: shopCode must not contain control characters"},
		{"confirm points not a number", []string{"confirm", "--id", "x", "--points", "all"}, `confirm: --points "all" is not a number`},
		{"confirm points three decimals", []string{"confirm", "--id", "x", "--points", "0.001"}, "--points: point may have at most 2 decimal places"},
		{"consume without id", []string{"consume", "--points", "1"}, "consume: --id is required"},
		{"release with points", []string{"release", "--id", "x", "--points", "1"}, "flag provided but not defined: -points"},
		{"id with bidi override", []string{"status", "--id", "a\u202eb"}, "--id must not contain control characters"},
		{"confirm without id", []string{"confirm"}, "confirm: --id is required"},
		{"cancel blank id", []string{"cancel", "--id", "  "}, "cancel: --id is required"},
		{"status id with newline", []string{"status", "--id", "a\nb"}, "--id must not contain control characters"},
		{"redeem id in the Nexus ID space", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--id", "nexus/orders/redeem-1"}, `--id "nexus/orders/redeem-1" is in the Nexus service's ID space (nexus/…)`},
		{"freeze id in the Nexus ID space", []string{"freeze", "--member", "m", "--points", "5", "--description", "d", "--id", "nexus/orders/freeze-1"}, `--id "nexus/orders/freeze-1" is in the Nexus service's ID space`},
		{"start id too long", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--id", strings.Repeat("x", 1001)}, "--id is 1001 bytes long"},
		{"points missing", []string{"redeem", "--member", "m", "--description", "d"}, "redeem: --points is required"},
		{"points infinite", []string{"redeem", "--member", "m", "--points", "+Inf", "--description", "d"}, "--points: point must be a finite number"},
		{"description missing", []string{"redeem", "--member", "m", "--points", "10"}, "redeem: --description is required"},
		{"member missing, with --json", []string{"redeem", "--points", "5", "--description", "d", "--json"}, "redeem: --member is required"},
		{"hold negative", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "-1m"}, `--hold "-1m" must be at least 1s`},
		{"hold under a second", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "500ms"}, `--hold "500ms" must be at least 1s`},
		{"hold above the bound", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--hold", "169h"}, `--hold "169h" must be at most 168h0m0s`},
		{"id with a bidi override", []string{"status", "--id", "redeem-\u202e1842"}, "--id must not contain control characters, nor invisible or direction-changing ones"},
		{"id with a zero-width space", []string{"status", "--id", "redeem\u200b-1842"}, "--id must not contain control characters, nor invisible or direction-changing ones"},
		{"shop with a NUL", []string{"redeem", "--member", "m", "--points", "5", "--description", "d", "--shop", "S\x001"}, "--shop: shopCode must not contain control characters"},
		{"confirm points zero", []string{"confirm", "--id", "x", "--points", "0"}, "confirm: --points: point must be greater than 0"},
		{"confirm without id, with --json", []string{"confirm", "--json"}, "confirm: --id is required"},
		{"cancel without id", []string{"cancel"}, "cancel: --id is required"},
		{"extra argument after a command", []string{"cancel", "--id", "x", "now"}, `cancel: unexpected argument "now"`},
		{"blank task queue", []string{"status", "--id", "x", "--task-queue", " "}, "status: KYLIN_TASK_QUEUE (--task-queue) is required"},
		{"bad ui url", []string{"status", "--id", "x", "--ui-url", "localhost:8233"}, "KYLIN_UI_URL (--ui-url) must be an http:// or https:// URL"},
		{"bad log level", []string{"status", "--id", "x", "--log-level", "loud"}, `KYLIN_LOG_LEVEL (--log-level) "loud" is not a log level`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runApp(t, &App{}, tt.args...)
			require.Equal(t, ExitUsage, code)
			require.Empty(t, stdout)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "exactly one line: %q", stderr)
			require.True(t, strings.HasPrefix(stderr, "starter: "), stderr)
			require.Contains(t, stderr, tt.want)
		})
	}
}

func TestRunChecksUsageBeforeDialling(t *testing.T) {
	t.Parallel()
	// An address nothing listens on: a dial would fail with exit 1, not 2.
	var stdout, stderr bytes.Buffer
	env := map[string]string{"TEMPORAL_ADDRESS": "127.0.0.1:1"}
	code := Run(context.Background(), []string{"redeem", "--member", "m", "--points", "0", "--description", "d"}, &stdout, &stderr,
		func(k string) string { return env[k] })
	require.Equal(t, ExitUsage, code)
	require.NotContains(t, stderr.String(), "cannot reach Temporal")
}

func TestRunUnreachableTemporal(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	env := map[string]string{"TEMPORAL_CONFIG_FILE": t.TempDir() + "/none.toml"}
	code := Run(context.Background(), []string{"status", "--id", "redeem-1", "--address", "127.0.0.1:1", "--json"}, &stdout, &stderr,
		func(k string) string { return env[k] })
	require.Equal(t, ExitFailed, code)
	require.Equal(t, 1, strings.Count(stderr.String(), "\n"), stderr.String())
	require.Contains(t, stderr.String(), "starter: cannot reach Temporal at 127.0.0.1:1 (namespace default)")
	require.JSONEq(t, `{"workflowId":"redeem-1","state":"","memberId":"","points":0,"freezeToken":"",
		"error":`+quote(strings.TrimSpace(strings.TrimPrefix(stderr.String(), "starter: ")))+`}`, stdout.String())
}

func TestHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Usage: starter <command>", "redeem", "confirm", "cancel", "status", "freeze"}},
		{[]string{"-h"}, []string{"Usage: starter <command>"}},
		{[]string{"help"}, []string{"Usage: starter <command>"}},
		{[]string{"redeem", "--help"}, []string{"Usage: starter redeem --member ID --points N --description TEXT [--shop CODE] [--id WORKFLOW_ID] [--hold 15m]",
			"--member ID", "--points N", "--description TEXT", "--shop CODE", "--id WORKFLOW_ID", "--hold DURATION", "--json", "--address", "--namespace", "--task-queue", "--ui-url"}},
		{[]string{"confirm", "-h"}, []string{"Usage: starter confirm --id WORKFLOW_ID", "--id WORKFLOW_ID"}},
		{[]string{"cancel", "--help"}, []string{"Usage: starter cancel --id WORKFLOW_ID"}},
		{[]string{"status", "--help"}, []string{"Usage: starter status --id WORKFLOW_ID"}},
		{[]string{"help", "freeze"}, []string{"Usage: starter freeze --member ID --points N --description TEXT [--shop CODE] [--id WORKFLOW_ID]"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runApp(t, &App{}, tt.args...)
			require.Equal(t, ExitOK, code)
			require.Empty(t, stderr)
			for _, w := range tt.want {
				require.Contains(t, stdout, w)
			}
		})
	}
	// Every command has its own --help.
	for _, c := range commands {
		code, stdout, _ := runApp(t, &App{}, c.name, "--help")
		require.Equal(t, ExitOK, code)
		require.Contains(t, stdout, "Usage: starter "+c.name)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// docs/starter.md lists every command's usage line, in --help's order, as
// --help prints it (the page aligns them and may add a # comment).
func TestStarterPageListsEveryCommand(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "starter.md"))
	require.NoError(t, err)
	text := string(raw)
	start, end := "<!-- starter-usage:start -->", "<!-- starter-usage:end -->"
	i, j := strings.Index(text, start), strings.Index(text, end)
	require.True(t, i >= 0 && j > i, "docs/starter.md has no block starter-usage")
	var got []string
	for _, line := range strings.Split(text[i+len(start):j], "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.Join(strings.Fields(line), " "); line != "" && !strings.HasPrefix(line, "```") {
			got = append(got, line)
		}
	}
	var want []string
	for _, c := range commands {
		want = append(want, c.usage)
	}
	require.Equal(t, want, got)
}
