package codec

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/kylinpoints/kylin-points/internal/secretfile"
)

// KeySize is the only key length accepted: AES-256.
const KeySize = 32

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Keyring holds the AES-256-GCM keys by ID: every key decrypts, one encrypts.
// It never prints its keys (String shows IDs only).
type Keyring struct {
	writeID string
	ids     []string
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a keyring from raw 32-byte keys; writeID names the key
// that encrypts and must be among keys.
func NewKeyring(writeID string, keys map[string][]byte) (*Keyring, error) {
	k := &Keyring{writeID: writeID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if err := k.add(id, key); err != nil {
			return nil, fmt.Errorf("payload keys: key %q: %w", id, err)
		}
	}
	if _, ok := k.aeads[writeID]; !ok {
		return nil, fmt.Errorf("payload keys: write key ID %q is not among the keys", writeID)
	}
	slices.Sort(k.ids)
	return k, nil
}

// add checks and adds one key. Its errors never quote the ID: in a key file
// a mistyped line could put key material where the ID belongs.
func (k *Keyring) add(id string, key []byte) error {
	if !keyIDPattern.MatchString(id) {
		return errors.New("key ID must be 1-64 of A-Z a-z 0-9 . _ -")
	}
	if _, dup := k.aeads[id]; dup {
		return errors.New("key ID appears twice")
	}
	if len(key) != KeySize {
		return fmt.Errorf("key is %d bytes, want %d (AES-256)", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return errors.New("cannot make an AES cipher")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return errors.New("cannot make AES-GCM")
	}
	k.aeads[id] = aead
	k.ids = append(k.ids, id)
	return nil
}

// LoadKeyring reads a key file (see the package doc for its format), which
// only its owner may read (secretfile.CheckPrivate). Errors name the file
// and line, never the key.
func LoadKeyring(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("payload key file: %w", err)
	}
	if err := secretfile.CheckPrivate(path); err != nil {
		return nil, fmt.Errorf("payload key file %w", err)
	}
	k, err := parseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("payload key file %s: %w", path, err)
	}
	return k, nil
}

// parseKeyring parses key file contents: lines "id=base64key", the first
// key line being the write key; blank lines and lines starting with # are
// skipped.
func parseKeyring(data []byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, encoded, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want id=base64key", n)
		}
		id, encoded = strings.TrimSpace(id), strings.TrimSpace(encoded)
		if encoded == "" {
			return nil, fmt.Errorf("line %d: want id=base64key, found no key after =", n)
		}
		key, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return nil, fmt.Errorf("line %d: key is not valid standard base64", n)
		}
		if err := k.add(id, key); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if k.writeID == "" {
			k.writeID = id
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if k.writeID == "" {
		return nil, errors.New("no keys (want lines id=base64key)")
	}
	slices.Sort(k.ids)
	return k, nil
}

// WriteKeyID is the ID of the key that encrypts.
func (k *Keyring) WriteKeyID() string { return k.writeID }

// KeyIDs lists, sorted, the IDs of every key that decrypts.
func (k *Keyring) KeyIDs() []string { return slices.Clone(k.ids) }

// String shows the key IDs, never the keys.
func (k *Keyring) String() string {
	return fmt.Sprintf("Keyring(write=%s, keys=%s)", k.writeID, strings.Join(k.ids, ","))
}

// GoString is String, so %#v does not print the keys either.
func (k *Keyring) GoString() string { return k.String() }
