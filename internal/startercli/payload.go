package startercli

import (
	"strings"

	"go.temporal.io/sdk/converter"

	"github.com/kylinpoints/kylin-points/internal/codec"
)

// payloadHint says what to do when the starter met an encrypted payload
// without a key: the SDK's own words name only the encoding.
func payloadHint(problem string) string {
	if strings.Contains(problem, codec.EncodingEncrypted) && strings.Contains(problem, converter.ErrEncodingIsNotSupported.Error()) {
		return problem + " (the payloads are encrypted: give their key file with KYLIN_PAYLOAD_KEY_FILE or --payload-key-file)"
	}
	return problem
}
