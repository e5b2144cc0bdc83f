package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Profile is how the sandbox answers where a real CRM may differ from the
// one docs/crm.md assumes: other code names, no `success` field, FREEZE_NOT_FOUND
// for a freeze already settled, a short memory of tokens. `starter
// crm-check` tells them apart, and the tests run it against each. The zero
// value is the default profile: the CRM docs/crm.md describes.
type Profile struct {
	// Name names the profile in logs.
	Name string `json:"name"`
	// Codes renames codes in answers: the key is the sandbox's code
	// (CodeSuccess, CodePointNotEnough, ...), the value the code sent.
	Codes map[string]string `json:"codes,omitempty"`
	// NoSuccessField leaves `success` out of every answer of the ledger.
	NoSuccessField bool `json:"noSuccessField,omitempty"`
	// SettledNotFound answers a release or consume of a freeze settled in
	// full (consumed or released) with CodeFreezeNotFound, as if the CRM
	// deleted a freeze once settled, instead of CodeFreezeNotEnough.
	SettledNotFound bool `json:"settledNotFound,omitempty"`
	// TokenTTL forgets a token this long after its first answer; 0 never.
	TokenTTL time.Duration `json:"tokenTTL,omitempty"`
	// TokenMemory remembers only the last N tokens stored; 0 all. A
	// forgotten token is a new request: its effect is applied again.
	TokenMemory int `json:"tokenMemory,omitempty"`
}

// Names of the built-in profiles (ProfileNamed).
const (
	ProfileDefault         = "default"
	ProfileOtherCodes      = "other-codes"
	ProfileNoSuccess       = "no-success"
	ProfileSettledNotFound = "settled-not-found"
	ProfileShortMemory     = "short-memory"
)

// OtherCodes are the codes of the other-codes profile, keyed by the
// sandbox's own: numbers as text, as many gateways answer.
var OtherCodes = map[string]string{
	CodeSuccess:         "0",
	CodePointNotEnough:  "40001",
	CodeFreezeNotFound:  "40004",
	CodeFreezeNotEnough: "40009",
}

// ShortMemoryTokens is how many tokens the short-memory profile remembers.
const ShortMemoryTokens = 5

// Profiles are the built-in profiles, the default first.
func Profiles() []Profile {
	return []Profile{
		{Name: ProfileDefault},
		{Name: ProfileOtherCodes, Codes: OtherCodes},
		{Name: ProfileNoSuccess, NoSuccessField: true},
		{Name: ProfileSettledNotFound, SettledNotFound: true},
		{Name: ProfileShortMemory, TokenMemory: ShortMemoryTokens},
	}
}

// ProfileNamed is the built-in profile called name; "" is the default.
func ProfileNamed(name string) (Profile, error) {
	if name == "" {
		name = ProfileDefault
	}
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("no sandbox profile %q (one of %s)", name, strings.Join(names, ", "))
}

// validate checks the profile's numbers and renamed codes.
func (p Profile) validate() error {
	if p.TokenTTL < 0 || p.TokenMemory < 0 {
		return fmt.Errorf("profile %s: tokenTTL and tokenMemory must not be negative", p.Name)
	}
	seen := map[string]bool{}
	for from, to := range p.Codes {
		if to == "" || seen[to] {
			return fmt.Errorf("profile %s: %s is renamed to %q, empty or taken by another code", p.Name, from, to)
		}
		seen[to] = true
	}
	return nil
}

// String names the profile and what sets it apart, on one line.
func (p Profile) String() string {
	var parts []string
	if len(p.Codes) > 0 {
		keys := make([]string, 0, len(p.Codes))
		for k := range p.Codes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			parts = append(parts, k+"→"+p.Codes[k])
		}
	}
	if p.NoSuccessField {
		parts = append(parts, "no success field")
	}
	if p.SettledNotFound {
		parts = append(parts, CodeFreezeNotFound+" for a settled freeze")
	}
	if p.TokenTTL > 0 {
		parts = append(parts, fmt.Sprintf("tokens forgotten after %s", p.TokenTTL))
	}
	if p.TokenMemory > 0 {
		parts = append(parts, fmt.Sprintf("only the last %d tokens remembered", p.TokenMemory))
	}
	name := p.Name
	if name == "" {
		name = ProfileDefault
	}
	if len(parts) == 0 {
		return name
	}
	return name + " (" + strings.Join(parts, ", ") + ")"
}

// render turns an answer of the ledger, stored in the sandbox's own terms,
// into the profile's: codes renamed, `success` left out.
func (p Profile) render(body []byte) []byte {
	if !p.NoSuccessField && len(p.Codes) == 0 {
		return body
	}
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		return body
	}
	if p.NoSuccessField {
		delete(env, "success")
	}
	var code string
	if json.Unmarshal(env["code"], &code) == nil {
		if renamed, ok := p.Codes[code]; ok {
			env["code"], _ = json.Marshal(renamed)
		}
	}
	out, err := json.Marshal(env)
	if err != nil {
		return body
	}
	return out
}

// forgets reports whether the profile's memory has let rec go by at: too
// old, or too many tokens stored since.
func (p Profile) forgets(ctx context.Context, q dbtx, rec tokenRow, at time.Time) (bool, error) {
	if p.TokenTTL > 0 && at.Sub(time.Unix(0, rec.createdAt)) > p.TokenTTL {
		return true, nil
	}
	if p.TokenMemory <= 0 {
		return false, nil
	}
	var newer int64
	err := q.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM tokens WHERE rowid > (SELECT rowid FROM tokens WHERE token = ?)`, rec.token).Scan(&newer)
	return newer >= int64(p.TokenMemory), err
}

// deleteToken forgets a token's stored answer; its effects stay in the ledger.
func deleteToken(ctx context.Context, q dbtx, token string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM tokens WHERE token = ?`, token)
	return err
}
