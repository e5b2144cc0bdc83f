package observability

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/codec"
)

// newKey returns a fresh AES-256 key in the key file's base64 form, as
// `head -c 32 /dev/urandom | base64` makes one.
func newKey(t *testing.T) string {
	t.Helper()
	key := make([]byte, codec.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(key)
}

// writeKeyFile writes lines to a key file in the test's directory.
func writeKeyFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return path
}

// loadKeys reads a key file.
func loadKeys(t *testing.T, path string) *codec.Keyring {
	t.Helper()
	k, err := codec.LoadKeyring(path)
	require.NoError(t, err)
	return k
}
