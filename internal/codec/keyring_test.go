package codec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t), newTestKey(t)

	tests := []struct {
		name      string
		file      string
		wantWrite string
		wantIDs   []string
		wantErr   string
	}{
		{
			name:      "first key writes, comments and blanks skipped",
			file:      fmt.Sprintf("# keys\n\n2026-11=%s\n  2026-05 = %s  \n", k2.encoded, k1.encoded),
			wantWrite: "2026-11",
			wantIDs:   []string{"2026-05", "2026-11"},
		},
		{name: "single key", file: "k1=" + k1.encoded, wantWrite: "k1", wantIDs: []string{"k1"}},
		{name: "empty", file: "# nothing\n\n", wantErr: "no keys (want lines id=base64key)"},
		{name: "key without ID", file: "# c\nno-padding-or-equals\n", wantErr: "line 2: want id=base64key"},
		{name: "key without ID, its padding taken for =", file: "# c\n" + k1.encoded + "\n", wantErr: "line 2: want id=base64key, found no key after ="},
		{name: "key without ID, inner = taken for =", file: "k1=" + k1.encoded + "\n" + k2.encoded[:30] + "=" + k2.encoded[30:], wantErr: "line 2: "},
		{name: "bad base64", file: "k1=" + k1.encoded[:10] + "!!" + k1.encoded[12:], wantErr: "line 1: key is not valid standard base64"},
		{name: "wrong length", file: "k1=" + k1.encoded + "\nk2=QUJD", wantErr: "line 2: key is 3 bytes, want 32 (AES-256)"},
		{name: "bad id", file: "bad id=" + k1.encoded, wantErr: "line 1: key ID must be 1-64 of A-Z a-z 0-9 . _ -"},
		{name: "empty id", file: "=" + k1.encoded, wantErr: "line 1: key ID must be 1-64 of A-Z a-z 0-9 . _ -"},
		{name: "duplicate id", file: "k1=" + k1.encoded + "\nk1=" + k2.encoded, wantErr: "line 2: key ID appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := parseKeyring([]byte(tt.file))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.True(t, strings.HasPrefix(err.Error(), tt.wantErr), err.Error())
				requireNoSecret(t, err.Error(), k1, k2)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantWrite, k.WriteKeyID())
			require.Equal(t, tt.wantIDs, k.KeyIDs())
		})
	}
}

func TestLoadKeyring(t *testing.T) {
	t.Parallel()
	k1 := newTestKey(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "keys")
	require.NoError(t, os.WriteFile(good, []byte("k1="+k1.encoded+"\n"), 0o600))
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.WriteFile(bad, []byte("k1="+k1.encoded[:40]+"\n"), 0o600))

	k, err := LoadKeyring(good)
	require.NoError(t, err)
	require.Equal(t, "k1", k.WriteKeyID())

	_, err = LoadKeyring(bad)
	require.EqualError(t, err, "payload key file "+bad+": line 1: key is 30 bytes, want 32 (AES-256)")
	requireNoSecret(t, err.Error(), k1)

	_, err = LoadKeyring(filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorContains(t, err, "payload key file: ")

	open := filepath.Join(dir, "world-readable")
	require.NoError(t, os.WriteFile(open, []byte("k1="+k1.encoded+"\n"), 0o600))
	require.NoError(t, os.Chmod(open, 0o644))
	_, err = LoadKeyring(open)
	require.EqualError(t, err, `payload key file "`+open+`" is open to its group or other users (mode 0644): run chmod 600 `+open)
	requireNoSecret(t, err.Error(), k1)
}

func TestNewKeyringNeedsWriteKey(t *testing.T) {
	t.Parallel()
	_, err := NewKeyring("k2", map[string][]byte{"k1": newTestKey(t).raw})
	require.EqualError(t, err, `payload keys: write key ID "k2" is not among the keys`)
	_, err = NewKeyring("k1", map[string][]byte{"k1": []byte("short")})
	require.EqualError(t, err, `payload keys: key "k1": key is 5 bytes, want 32 (AES-256)`)
}

func TestKeyringPrintsNoKey(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t), newTestKey(t)
	k := keyring(t, "new", map[string]testKey{"old": k1, "new": k2})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, k)
		require.Equal(t, "Keyring(write=new, keys=new,old)", out, verb)
		requireNoSecret(t, out, k1, k2)
	}
}
