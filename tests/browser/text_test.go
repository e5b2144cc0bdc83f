package browser

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMissingFrom checks the page-text matching the browser check relies
// on: a badge must be a line of its own, not a word in an event's name.
func TestMissingFrom(t *testing.T) {
	t.Parallel()
	page := "Back to Workflows\nCOMPLETED\ndemo-1\nWorkflow Execution Completed\nredeem 5 points"
	tests := []struct {
		name    string
		page    string
		want    []string
		missing []string
	}{
		{"all present", page, []string{"demo-1", "redeem 5 points", line("Completed")}, nil},
		{"text missing", page, []string{"demo-2"}, []string{"demo-2"}},
		{"badge only in a sentence", "Running\nWorkflow Execution Completed", []string{line("Completed")}, []string{"Completed"}},
		{"badge in any case", "  completed \n", []string{line("Completed")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.missing, missingFrom(tt.page, tt.want))
		})
	}
}
