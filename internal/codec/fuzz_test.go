package codec

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
)

// FuzzParseKeyring feeds arbitrary key files: the parser never panics, and
// no error ever repeats a key line's value.
func FuzzParseKeyring(f *testing.F) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, KeySize))
	f.Add("k1=" + key + "\n")
	f.Add("# comment\n\nk2=" + key + "\nk1=" + key + "\n")
	f.Add(key)
	f.Add("k1=" + key[:20])
	f.Add("a b=" + key)
	f.Add("k1=" + key + "\nk1=" + key)
	f.Fuzz(func(t *testing.T, file string) {
		k, err := parseKeyring([]byte(file))
		if err != nil {
			for _, line := range strings.Split(file, "\n") {
				_, secret, ok := strings.Cut(strings.TrimSpace(line), "=")
				if ok && len(secret) >= 16 && strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q repeats key material", err)
				}
			}
			return
		}
		if k.WriteKeyID() == "" {
			t.Fatal("a parsed keyring has no write key")
		}
	})
}

// FuzzDecode feeds arbitrary payloads, as a history or a codec-server client
// could: Decode never panics, passes unencrypted payloads through, and
// rejects every encrypted one it did not seal.
func FuzzDecode(f *testing.F) {
	k, err := NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{1}, KeySize)})
	if err != nil {
		f.Fatal(err)
	}
	c := NewCodec(k)
	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"memberId":"m-1"}`)}
	enc, err := c.Encode([]*commonpb.Payload{plain})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(EncodingEncrypted), []byte("k1"), enc[0].Data)
	f.Add([]byte("json/plain"), []byte(nil), []byte(`{"a":1}`))
	f.Add([]byte(EncodingEncrypted), []byte("k9"), enc[0].Data)
	f.Add([]byte(EncodingEncrypted), []byte("k1"), []byte{})
	f.Fuzz(func(t *testing.T, encoding, keyID, data []byte) {
		p := &commonpb.Payload{Metadata: map[string][]byte{"encoding": encoding}, Data: data}
		if keyID != nil {
			p.Metadata[MetadataKeyID] = keyID
		}
		out, err := c.Decode([]*commonpb.Payload{p})
		if string(encoding) != EncodingEncrypted {
			if err != nil || len(out) != 1 || !bytes.Equal(out[0].Data, data) {
				t.Fatalf("unencrypted payload not passed through: %v", err)
			}
			return
		}
		// Only what this key sealed can authenticate, and all it sealed is plain
		// (the nonce is random, so each fuzz process seals its own bytes).
		if err == nil && (len(out) != 1 || !bytes.Equal(out[0].Data, plain.Data)) {
			t.Fatalf("an altered encrypted payload decoded (key %q, %d bytes)", keyID, len(data))
		}
		if err != nil && !errors.Is(err, ErrAuthentication) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unclassified decode error: %v", err)
		}
	})
}
