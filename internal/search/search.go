// Package search holds the search attributes the workflows upsert, so that
// operators find redemptions in the Web UI and with `starter list`: what
// they are, how the member is written into them, whether a namespace has
// them, and the visibility queries that filter on them.
package search

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/crm"
)

// The search attributes of a redemption (and of a freeze run alone).
var (
	// State is the redemption's state: FREEZING, FROZEN, ... (Keyword).
	State = temporal.NewSearchAttributeKeyKeyword("KylinState")
	// Points is the amount frozen (Double).
	Points = temporal.NewSearchAttributeKeyFloat64("KylinPoints")
	// Member is the member, as MemberValue writes it (Keyword).
	Member = temporal.NewSearchAttributeKeyKeyword("KylinMember")
	// HoldUntil is when a FROZEN redemption's hold ends (Datetime).
	HoldUntil = temporal.NewSearchAttributeKeyTime("KylinHoldUntil")
)

// Attribute is one search attribute with its type, for registration.
type Attribute struct {
	Name string
	Type enumspb.IndexedValueType
}

// Attributes are the search attributes a namespace must have.
var Attributes = []Attribute{
	{State.GetName(), enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	{Points.GetName(), enumspb.INDEXED_VALUE_TYPE_DOUBLE},
	{Member.GetName(), enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	{HoldUntil.GetName(), enumspb.INDEXED_VALUE_TYPE_DATETIME},
}

// TypeName is the type as the temporal CLI names it: Keyword, Double, Datetime.
func (a Attribute) TypeName() string {
	name := strings.ToLower(strings.TrimPrefix(a.Type.String(), "INDEXED_VALUE_TYPE_"))
	return strings.ToUpper(name[:1]) + name[1:]
}

// CreateCommand is the temporal CLI command that adds a to namespace.
func (a Attribute) CreateCommand(namespace string) string {
	return fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s", namespace, a.Name, a.TypeName())
}

// How the member is written into the Member attribute.
const (
	// MemberHashed writes a keyed hash (HMAC-SHA256 under the operator's
	// key): a search can find a known member's redemptions, but the
	// visibility store, which the payload codec does not encrypt, never
	// holds the ID, and the hash cannot be reversed without the key.
	MemberHashed = "hash"
	// MemberRaw writes the member ID itself, when the operator opts in.
	MemberRaw = "raw"
	// MemberNone leaves the attribute out.
	MemberNone = "none"
)

// hashPrefix marks a hashed member value, with the scheme's version.
const hashPrefix = "h1:"

// MemberValue is the Member attribute of memberID under mode; key is the
// hash key of MemberHashed. It is "" when mode is MemberNone (or hashing
// has no key).
func MemberValue(mode string, key []byte, memberID string) string {
	switch {
	case mode == MemberRaw:
		return memberID
	case mode == MemberHashed && len(key) > 0:
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(memberID))
		return hashPrefix + hex.EncodeToString(mac.Sum(nil))[:32]
	}
	return ""
}

// ShownMember is the Member attribute a run shows for memberID under mode
// and key: MemberValue, except that a raw member ID the CRM would refuse
// (too long, control characters) is left out (""), since it could be too
// long for the visibility store, whose refusal would fail the workflow task
// for ever; the freeze refuses it as invalid input instead. The worker
// (activities.Prepare) and the clients that give it at a run's start share
// this rule.
func ShownMember(mode string, key []byte, memberID string) string {
	if mode == MemberRaw && crm.ValidateMemberID(memberID) != nil {
		return ""
	}
	return MemberValue(mode, key, memberID)
}

// Filter selects workflows in a visibility query; zero fields do not filter.
type Filter struct {
	// Types are workflow type names; none means the kylin-points workflows.
	Types []string
	// State is one of the states.
	State string
	// Member is the Member attribute's value (MemberValue).
	Member string
	// StartedBefore keeps runs started before it ("older than").
	StartedBefore time.Time
}

// Query is the visibility query of f.
func (f Filter) Query() string {
	var parts []string
	if len(f.Types) > 0 {
		quoted := make([]string, len(f.Types))
		for i, t := range f.Types {
			quoted[i] = quote(t)
		}
		parts = append(parts, "WorkflowType IN ("+strings.Join(quoted, ", ")+")")
	}
	if f.State != "" {
		parts = append(parts, State.GetName()+" = "+quote(f.State))
	}
	if f.Member != "" {
		parts = append(parts, Member.GetName()+" = "+quote(f.Member))
	}
	if !f.StartedBefore.IsZero() {
		parts = append(parts, "StartTime < "+quote(f.StartedBefore.UTC().Format(time.RFC3339)))
	}
	return strings.Join(parts, " AND ")
}

// quote writes s as a visibility query string literal.
func quote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
