package codec

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

type member struct {
	MemberID    string `json:"memberId"`
	Description string `json:"description"`
}

var secret = member{MemberID: "member-SECRET-123", Description: "积分兑换：麒麟会员专享礼盒"}

func TestDataConverterRoundTrip(t *testing.T) {
	t.Parallel()
	k1 := newTestKey(t)
	dc := DataConverter(keyring(t, "k1", map[string]testKey{"k1": k1}))

	p, err := dc.ToPayload(secret)
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	requireNoPlaintext(t, p)

	var got member
	require.NoError(t, dc.FromPayload(p, &got))
	require.Equal(t, secret, got)
}

func TestEncodeUsesFreshNonces(t *testing.T) {
	t.Parallel()
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": newTestKey(t)}))
	plain := jsonPayload(t)
	out, err := c.Encode([]*commonpb.Payload{plain, plain})
	require.NoError(t, err)
	require.Len(t, out, 2)
	require.NotEqual(t, out[0].Data, out[1].Data, "same plaintext, same key: ciphertexts must differ")
}

func TestRotationReadsOldPayloads(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t), newTestKey(t)
	before := NewCodec(keyring(t, "k1", map[string]testKey{"k1": k1}))
	after := NewCodec(keyring(t, "k2", map[string]testKey{"k1": k1, "k2": k2}))
	onlyNew := NewCodec(keyring(t, "k2", map[string]testKey{"k2": k2}))

	old, err := before.Encode([]*commonpb.Payload{jsonPayload(t)})
	require.NoError(t, err)
	decoded, err := after.Decode(old)
	require.NoError(t, err)
	requireSamePayload(t, jsonPayload(t), decoded[0])

	fresh, err := after.Encode([]*commonpb.Payload{jsonPayload(t)})
	require.NoError(t, err)
	require.Equal(t, "k2", string(fresh[0].Metadata[MetadataKeyID]), "the new key writes")

	_, err = onlyNew.Decode(old)
	require.ErrorIs(t, err, ErrUnknownKey)
	require.EqualError(t, err, `payload encrypted with an unknown key`)
	requireNoSecret(t, err.Error(), k1, k2)
}

func TestDecodeFailsClearly(t *testing.T) {
	t.Parallel()
	k1, other, k2 := newTestKey(t), newTestKey(t), newTestKey(t)
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": k1, "k2": k2}))
	wrongKey := NewCodec(keyring(t, "k1", map[string]testKey{"k1": other, "k2": k2}))
	enc, err := c.Encode([]*commonpb.Payload{jsonPayload(t)})
	require.NoError(t, err)

	tests := []struct {
		name    string
		codec   *Codec
		mutate  func(p *commonpb.Payload)
		wantIs  error
		wantMsg string
	}{
		{"wrong key, same ID", wrongKey, func(*commonpb.Payload) {}, ErrAuthentication,
			`payload authentication failed (wrong key or tampered)`},
		{"nonce byte flipped", c, func(p *commonpb.Payload) { p.Data[0] ^= 1 }, ErrAuthentication, ""},
		{"ciphertext byte flipped", c, func(p *commonpb.Payload) { p.Data[15] ^= 0x80 }, ErrAuthentication, ""},
		{"tag byte flipped", c, func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 }, ErrAuthentication, ""},
		{"byte appended", c, func(p *commonpb.Payload) { p.Data = append(p.Data, 0) }, ErrAuthentication, ""},
		{"key ID swapped to another known key", c, func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k2") }, ErrAuthentication, ""},
		{"key ID unknown", c, func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k9") }, ErrUnknownKey,
			`payload encrypted with an unknown key`},
		{"key ID missing", c, func(p *commonpb.Payload) { delete(p.Metadata, MetadataKeyID) }, ErrMalformed,
			"malformed encrypted payload: no encryption-key-id metadata"},
		{"truncated", c, func(p *commonpb.Payload) { p.Data = p.Data[:20] }, ErrMalformed,
			"malformed encrypted payload: 20 bytes is too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := clonePayload(enc[0])
			tt.mutate(p)
			out, err := tt.codec.Decode([]*commonpb.Payload{jsonPayload(t), p})
			require.Nil(t, out)
			require.ErrorIs(t, err, tt.wantIs)
			if tt.wantMsg != "" {
				require.EqualError(t, err, tt.wantMsg)
			}
			requireNoSecret(t, err.Error(), k1, other, k2)
			require.NotRegexp(t, `k[129]`, err.Error(), "no key ID: the sender learns nothing of the keyring")
		})
	}
}

func TestDecodePassesPlainPayloadsThrough(t *testing.T) {
	t.Parallel()
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": newTestKey(t)}))
	plain := jsonPayload(t)
	raw := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/plain")}, Data: []byte{1, 2}}
	noMeta := &commonpb.Payload{Data: []byte("x")}
	out, err := c.Decode([]*commonpb.Payload{plain, raw, noMeta})
	require.NoError(t, err)
	require.Same(t, plain, out[0])
	require.Same(t, raw, out[1])
	require.Same(t, noMeta, out[2])
}

func TestCodecWithOtherCodecs(t *testing.T) {
	t.Parallel()
	// Encryption after compression, as the data converter chains them.
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(),
		NewCodec(keyring(t, "k1", map[string]testKey{"k1": newTestKey(t)})),
		converter.NewZlibCodec(converter.ZlibCodecOptions{AlwaysEncode: true}))
	p, err := dc.ToPayload(secret)
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	var got member
	require.NoError(t, dc.FromPayload(p, &got))
	require.Equal(t, secret, got)
}

func jsonPayload(t *testing.T) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(secret)
	require.NoError(t, err)
	return p
}

func clonePayload(p *commonpb.Payload) *commonpb.Payload {
	meta := map[string][]byte{}
	for k, v := range p.Metadata {
		meta[k] = bytes.Clone(v)
	}
	return &commonpb.Payload{Metadata: meta, Data: bytes.Clone(p.Data)}
}

func requireSamePayload(t *testing.T, want, got *commonpb.Payload) {
	t.Helper()
	require.Equal(t, want.Metadata, got.Metadata)
	require.Equal(t, want.Data, got.Data)
}

// requireNoPlaintext fails when the payload's bytes hold the member ID or
// the description.
func requireNoPlaintext(t *testing.T, p *commonpb.Payload) {
	t.Helper()
	for _, s := range []string{secret.MemberID, secret.Description, "SECRET", "麒麟"} {
		require.False(t, bytes.Contains(p.Data, []byte(s)), "payload data holds %q", s)
		for k, v := range p.Metadata {
			require.False(t, bytes.Contains(v, []byte(s)), "metadata %s holds %q", k, s)
		}
	}
}

// TestStrictDecodeRefusesPlaintext: a worker with a key refuses what a
// client without it wrote, and says so for good, whatever wraps the error.
func TestStrictDecodeRefusesPlaintext(t *testing.T) {
	t.Parallel()
	keys := keyring(t, "k1", map[string]testKey{"k1": newTestKey(t)})
	encrypted, err := NewCodec(keys).Encode([]*commonpb.Payload{jsonPayload(t)})
	require.NoError(t, err)
	strict := strictCodec{NewCodec(keys)}
	tests := []struct {
		name     string
		payloads []*commonpb.Payload
		wantErr  error
	}{
		{"json in clear", []*commonpb.Payload{jsonPayload(t)}, ErrPlaintext},
		{"no metadata", []*commonpb.Payload{{Data: []byte(`"m-1"`)}}, ErrPlaintext},
		{"one encrypted, one in clear", []*commonpb.Payload{encrypted[0], jsonPayload(t)}, ErrPlaintext},
		{"encrypted", encrypted, nil},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := strict.Decode(tt.payloads)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}

	dc := StrictDataConverter(keys)
	var got member
	err = dc.FromPayloads(&commonpb.Payloads{Payloads: []*commonpb.Payload{jsonPayload(t)}}, &got)
	require.ErrorIs(t, err, ErrPlaintext, "the worker's converter refuses it")

	fc := RefusePlaintext(temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true}))
	f := fc.ErrorToFailure(fmt.Errorf("unable to decode the activity function input payload with error: %w", err))
	require.Equal(t, ErrPlaintextType, f.GetApplicationFailureInfo().GetType())
	require.True(t, f.GetApplicationFailureInfo().GetNonRetryable())
	require.Contains(t, f.GetMessage(), "KYLIN_PAYLOAD_ALLOW_PLAINTEXT=true", "in clear, for the client without the key")
	require.Nil(t, f.GetEncodedAttributes())
	other := fc.ErrorToFailure(errors.New("boom"))
	require.False(t, other.GetApplicationFailureInfo().GetNonRetryable(), "other errors as before")
}
