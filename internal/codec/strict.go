package codec

import (
	"errors"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// ErrPlaintext is a strict codec's answer to a payload that is not
// encrypted: a client without the key wrote it, member IDs in clear.
var ErrPlaintext = errors.New("payload is not encrypted")

// ErrPlaintextType is the failure type of input refused as plaintext, not
// retried: no retry encrypts it.
const ErrPlaintextType = "PlaintextPayload"

// strictCodec is a Codec that refuses plaintext payloads instead of
// passing them through.
type strictCodec struct{ *Codec }

// Decode refuses the payloads if any of them is not encrypted.
func (c strictCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	for _, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			return nil, ErrPlaintext
		}
	}
	return c.Codec.Decode(payloads)
}

// StrictDataConverter is DataConverter for a worker that accepts encrypted
// input only: decoding a plaintext payload fails with ErrPlaintext.
func StrictDataConverter(k *Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), strictCodec{NewCodec(k)})
}

// RefusePlaintext wraps a failure converter so that a workflow or activity
// failing because its input was in plaintext fails with a non-retryable
// application error of type ErrPlaintextType saying what to do.
func RefusePlaintext(fc converter.FailureConverter) converter.FailureConverter {
	return plaintextRefusal{fc}
}

type plaintextRefusal struct{ converter.FailureConverter }

const plaintextMessage = "input refused: a payload is not encrypted, and this worker accepts only payloads encrypted with its key " +
	"(KYLIN_PAYLOAD_KEY_FILE); send it from a client with the same key file, or set KYLIN_PAYLOAD_ALLOW_PLAINTEXT=true on the worker"

// ErrorToFailure converts err; the refusal of plaintext input keeps its
// message in clear (it names nothing), so that the client without the key
// that caused it can read it.
func (r plaintextRefusal) ErrorToFailure(err error) *failurepb.Failure {
	if !errors.Is(err, ErrPlaintext) {
		return r.FailureConverter.ErrorToFailure(err)
	}
	f := r.FailureConverter.ErrorToFailure(temporal.NewNonRetryableApplicationError(plaintextMessage, ErrPlaintextType, nil))
	f.Message, f.StackTrace, f.EncodedAttributes = plaintextMessage, "", nil
	return f
}
