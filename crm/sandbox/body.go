package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kylinpoints/kylin-points/crm"
)

// maxBodyBytes caps a request body.
const maxBodyBytes = 64 << 10

// Field length caps, beyond the W9 page's description limit: the client's (docs/crm.md, Request).
const (
	maxMemberIDChars = crm.MaxMemberIDChars
	maxCodeChars     = crm.MaxCodeFieldChars
	maxShopCodeChars = crm.MaxShopCodeChars
)

// readBody reads a request body of at most maxBodyBytes. On failure it
// returns the status to answer (400 or 413) and why.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is larger than %d bytes", maxBodyBytes)
	case err != nil:
		return nil, http.StatusBadRequest, "reading body: " + err.Error()
	}
	return raw, 0, ""
}

// decodeJSON decodes one JSON object into v, ignoring unknown fields, and
// names the field at fault.
func decodeJSON(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return errors.New("body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field == "" {
				return errors.New("body must be a JSON object")
			}
			return fmt.Errorf("%s must be a JSON %s, got %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return fmt.Errorf("body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("body has data after the JSON object")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case goKind == "string":
		return "string"
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "float"):
		return "number"
	}
	return goKind
}

// decodeOpBody parses and checks a freeze, release or consume body.
func decodeOpBody(op string, raw []byte) (crm.Body, error) {
	var b crm.Body
	if err := decodeJSON(raw, &b); err != nil {
		return crm.Body{}, err
	}
	if err := requireText("memberId", b.MemberID, maxMemberIDChars); err != nil {
		return crm.Body{}, err
	}
	if err := crm.ValidateDescription(b.Description); err != nil {
		return crm.Body{}, err
	}
	for _, f := range []struct{ name, value string }{
		{"channelType", b.ChannelType}, {"memberType", b.MemberType}, {"pointBizType", b.PointBizType},
	} {
		if err := requireText(f.name, f.value, maxCodeChars); err != nil {
			return crm.Body{}, err
		}
	}
	if n := utf8.RuneCountInString(b.ShopCode); n > maxShopCodeChars {
		return crm.Body{}, fmt.Errorf("shopCode is %d characters long, at most %d allowed", n, maxShopCodeChars)
	}
	if b.IdempotentMode != 1 {
		return crm.Body{}, fmt.Errorf("idempotentMode must be 1, got %d", b.IdempotentMode)
	}
	if err := crm.ValidatePoints(b.Point); err != nil {
		return crm.Body{}, err
	}
	if op != crm.OpFreeze {
		if b.FreezeToken == "" {
			return crm.Body{}, fmt.Errorf("freezeToken is required to %s", op)
		}
		if err := crm.ValidateToken(b.FreezeToken); err != nil {
			return crm.Body{}, fmt.Errorf("freezeToken: %w", err)
		}
	}
	return b, nil
}

// requireText checks a required string field: not blank, at most max characters.
func requireText(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is required", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Errorf("%s is %d characters long, at most %d allowed", field, n, max)
	}
	return nil
}

// bodyHash is the SHA-256 of the body re-marshalled, so key order and
// whitespace do not change it.
func bodyHash(b crm.Body) string {
	canonical, err := json.Marshal(b)
	if err != nil {
		panic("sandbox: marshal body: " + err.Error())
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// balanceQuery is the body of the signed balance query.
type balanceQuery struct {
	MemberID   string `json:"memberId"`
	MemberType string `json:"memberType"`
}

func decodeBalanceQuery(raw []byte) (balanceQuery, error) {
	var q balanceQuery
	if err := decodeJSON(raw, &q); err != nil {
		return balanceQuery{}, err
	}
	if err := requireText("memberId", q.MemberID, maxMemberIDChars); err != nil {
		return balanceQuery{}, err
	}
	if err := requireText("memberType", q.MemberType, maxCodeChars); err != nil {
		return balanceQuery{}, err
	}
	return q, nil
}
