// Package codec encrypts Temporal payloads with AES-256-GCM, so that the
// Temporal server and its history hold no member ID or description in
// plaintext, and serves the standard /encode and /decode endpoints that let
// the Temporal UI and CLI show them to people who hold the key.
//
// Key file format (KYLIN_PAYLOAD_KEY_FILE): one key per line, "id=base64key",
// the key being 32 random bytes in standard base64 (head -c 32 /dev/urandom |
// base64). The first key encrypts; every key listed decrypts. Blank lines and
// lines starting with # are ignored. To rotate, put the new key on the first
// line and keep the old ones below it for as long as histories written with
// them must be read.
//
// An encrypted payload has metadata encoding "binary/encrypted" and
// "encryption-key-id", and data nonce||ciphertext of the proto-marshalled
// original payload; the key ID is authenticated as additional data.
package codec

import (
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Payload metadata of an encrypted payload.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// Decode errors, to test with errors.Is. They name no key ID: whoever sends
// a payload learns nothing of the keys a process holds.
var (
	ErrAuthentication = errors.New("payload authentication failed (wrong key or tampered)")
	ErrUnknownKey     = errors.New("payload encrypted with an unknown key")
	ErrMalformed      = errors.New("malformed encrypted payload")
)

// Codec is a converter.PayloadCodec that encrypts with a Keyring.
type Codec struct {
	keys *Keyring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// NewCodec returns a codec that encrypts with k's write key and decrypts
// with any of its keys.
func NewCodec(k *Keyring) *Codec { return &Codec{keys: k} }

// DataConverter is the SDK's default converter with payloads encrypted by k.
// Give it to every client: worker, starter and dev alike.
func DataConverter(k *Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), NewCodec(k))
}

// Encode encrypts each payload with the write key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.writeID
	aead := c.keys.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encrypt payload: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode decrypts each encrypted payload; others pass through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		plain, err := c.open(p)
		if err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{}
		if err := proto.Unmarshal(plain, out[i]); err != nil {
			return nil, fmt.Errorf("%w: decrypted data is not a payload", ErrMalformed)
		}
	}
	return out, nil
}

func (c *Codec) open(p *commonpb.Payload) ([]byte, error) {
	id := string(p.GetMetadata()[MetadataKeyID])
	if id == "" {
		return nil, fmt.Errorf("%w: no %s metadata", ErrMalformed, MetadataKeyID)
	}
	aead, ok := c.keys.aeads[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	data := p.GetData()
	if len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(data))
	}
	nonce, sealed := data[:aead.NonceSize()], data[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, sealed, []byte(id))
	if err != nil {
		return nil, ErrAuthentication
	}
	return plain, nil
}
