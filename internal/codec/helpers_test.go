package codec

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKey is a random 32-byte key with its base64 form, for key files.
type testKey struct {
	raw     []byte
	encoded string
}

func newTestKey(t *testing.T) testKey {
	t.Helper()
	raw := make([]byte, KeySize)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return testKey{raw: raw, encoded: base64.StdEncoding.EncodeToString(raw)}
}

// keyring builds a keyring writing with the first id of ids.
func keyring(t *testing.T, writeID string, keys map[string]testKey) *Keyring {
	t.Helper()
	raw := map[string][]byte{}
	for id, k := range keys {
		raw[id] = k.raw
	}
	k, err := NewKeyring(writeID, raw)
	require.NoError(t, err)
	return k
}

// requireNoSecret fails when msg holds any form of any key.
func requireNoSecret(t *testing.T, msg string, keys ...testKey) {
	t.Helper()
	for _, k := range keys {
		require.NotContains(t, msg, k.encoded)
		require.False(t, bytes.Contains([]byte(msg), k.raw), "raw key bytes in %q", msg)
		require.NotContains(t, msg, base64.RawStdEncoding.EncodeToString(k.raw))
		require.NotContains(t, msg, base64.StdEncoding.EncodeToString(k.raw)[:8])
	}
}
