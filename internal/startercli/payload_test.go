package startercli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPayloadHint(t *testing.T) {
	t.Parallel()
	const hint = " (the payloads are encrypted: give their key file with KYLIN_PAYLOAD_KEY_FILE or --payload-key-file)"
	tests := []struct {
		name, problem, want string
	}{
		{"encrypted, no key", "r-1: payload item 0: encoding binary/encrypted: payload encoding is not supported",
			"r-1: payload item 0: encoding binary/encrypted: payload encoding is not supported" + hint},
		{"another encoding", "r-1: encoding binary/snappy: payload encoding is not supported",
			"r-1: encoding binary/snappy: payload encoding is not supported"},
		{"wrong key", "r-1: key ID \"k1\": payload authentication failed (wrong key or tampered)",
			"r-1: key ID \"k1\": payload authentication failed (wrong key or tampered)"},
		{"no problem", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, payloadHint(tt.problem))
		})
	}
}
