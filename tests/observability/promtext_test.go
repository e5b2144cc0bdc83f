package observability

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

// sum adds up the samples of name, in Prometheus text format, whose labels
// include want; found is false when no sample matched.
func sum(t *testing.T, body, name string, want map[string]string) (total float64, found bool) {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, value, ok := cutLast(line, " ")
		require.True(t, ok, "sample line %q", line)
		metric, labels, _ := strings.Cut(head, "{")
		if metric != name || !hasLabels(labels, want) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		require.NoError(t, err, "sample line %q", line)
		total += v
		found = true
	}
	return total, found
}

func hasLabels(labels string, want map[string]string) bool {
	got := map[string]string{}
	for _, m := range labelPair.FindAllStringSubmatch(labels, -1) {
		got[m[1]] = m[2]
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func TestSum(t *testing.T) {
	t.Parallel()
	body := "# HELP x a counter\n# TYPE x counter\n" +
		`x{op="freeze",status="200"} 2` + "\n" +
		`x{op="freeze",status="502"} 1` + "\n" +
		`x{op="consume",status="200"} 5` + "\n" +
		"y 7\n"
	tests := []struct {
		name      string
		metric    string
		labels    map[string]string
		want      float64
		wantFound bool
	}{
		{"all series", "x", nil, 8, true},
		{"one label", "x", map[string]string{"op": "freeze"}, 3, true},
		{"two labels", "x", map[string]string{"op": "freeze", "status": "502"}, 1, true},
		{"no labels", "y", nil, 7, true},
		{"no match", "x", map[string]string{"op": "release"}, 0, false},
		{"other metric", "z", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, found := sum(t, body, tt.metric, tt.labels)
			require.Equal(t, tt.wantFound, found)
			require.Equal(t, tt.want, got)
		})
	}
}
