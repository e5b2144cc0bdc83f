package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const config = `{"config":{"scanner_name":"govulncheck"}}`

func finding(id, module, fn string) string {
	return `{"finding":{"osv":"` + id + `","fixed_version":"v9","trace":[{"module":"` + module + `","version":"v1","package":"p","function":"` + fn + `"}]}}`
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		stdlib bool
		code   int
		out    string
	}{
		{"nothing found", config, false, 0, "call no known vulnerability"},
		{"a module's called vulnerability fails", config + finding("GO-1", "golang.org/x/net", "F"), false, 1, "FAIL GO-1: the binaries call p.F of golang.org/x/net v1"},
		{"imported but not called: no failure", config + finding("GO-2", "golang.org/x/net", ""), false, 0, "call no known vulnerability"},
		{"the standard library's is a note", config + finding("GO-3", "stdlib", "F"), false, 0, "note GO-3"},
		{"the standard library's fails with -stdlib", config + finding("GO-3", "stdlib", "F"), true, 1, "FAIL GO-3"},
		{"not govulncheck's output", "nope", false, 2, ""},
		{"empty input", "", false, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errw bytes.Buffer
			require.Equal(t, tc.code, run(strings.NewReader(tc.in), &out, &errw, tc.stdlib), errw.String())
			require.Contains(t, out.String(), tc.out)
		})
	}
}
