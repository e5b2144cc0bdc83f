package config

import (
	"net"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/internal/codec"
)

// Payload is the opt-in payload encryption (KYLIN_PAYLOAD_KEY_FILE).
type Payload struct {
	// KeyFile is the key file read; "" when encryption is off.
	KeyFile string
	// Keys are the keys read from KeyFile, nil when encryption is off. A
	// Keyring prints its key IDs only, never the keys.
	Keys *codec.Keyring
	// AllowPlaintext lets the worker accept plaintext input while Keys are
	// set (KYLIN_PAYLOAD_ALLOW_PLAINTEXT); otherwise WorkerDataConverter
	// refuses it.
	AllowPlaintext bool
}

// Enabled reports whether payloads are encrypted.
func (p Payload) Enabled() bool { return p.Keys != nil }

// DataConverter is the converter every client must use: the SDK's default
// with payloads encrypted by Keys, or nil (the SDK's default) when off.
func (p Payload) DataConverter() converter.DataConverter {
	if p.Keys == nil {
		return nil
	}
	return codec.DataConverter(p.Keys)
}

// FailureConverter is the failure converter every client must use with
// DataConverter: failure details go through the codec, and failure messages
// and stack traces (a CRM's refusal names the member) are encoded too. Nil
// (the SDK's default) when off.
func (p Payload) FailureConverter() converter.FailureConverter {
	if p.Keys == nil {
		return nil
	}
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          p.DataConverter(),
		EncodeCommonAttributes: true,
	})
}

// WorkerDataConverter is the worker's converter: DataConverter, refusing
// plaintext input unless AllowPlaintext.
func (p Payload) WorkerDataConverter() converter.DataConverter {
	if p.Keys == nil || p.AllowPlaintext {
		return p.DataConverter()
	}
	return codec.StrictDataConverter(p.Keys)
}

// WorkerFailureConverter goes with WorkerDataConverter: input refused as
// plaintext fails the workflow or activity for good (codec.ErrPlaintextType).
func (p Payload) WorkerFailureConverter() converter.FailureConverter {
	if p.Keys == nil {
		return nil
	}
	return codec.RefusePlaintext(temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          p.WorkerDataConverter(),
		EncodeCommonAttributes: true,
	}))
}

// String names the key file and key IDs, never the keys.
func (p Payload) String() string {
	if p.Keys == nil {
		return "Payload{off}"
	}
	if p.AllowPlaintext {
		return sprintf("Payload{KeyFile:%s %s AllowPlaintext}", p.KeyFile, p.Keys)
	}
	return sprintf("Payload{KeyFile:%s %s}", p.KeyFile, p.Keys)
}

// payload reads the key file, if one is set. The keyring's errors name the
// file and line, never a key.
func (b *binder) payload(p *Problems) Payload {
	file := b.value(PayloadKeyFile)
	if file == "" {
		return Payload{}
	}
	keys, err := codec.LoadKeyring(file)
	if err != nil {
		p.add(PayloadKeyFile, "%v", err)
		return Payload{KeyFile: file}
	}
	return Payload{KeyFile: file, Keys: keys}
}

// metricsAddr checks the metrics listen address; "" is off.
func (b *binder) metricsAddr(p *Problems) string {
	v := b.value(MetricsAddr)
	if v == "" {
		return ""
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		p.add(MetricsAddr, "%q must be host:port, e.g. 127.0.0.1:9090", v)
	}
	return v
}
