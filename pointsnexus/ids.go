package pointsnexus

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kylinpoints/kylin-points/internal/safetext"
	"github.com/kylinpoints/kylin-points/workflows"
)

// MaxKeyLength bounds a business key, so that the workflow ID it becomes
// (with the caller's namespace, maxCallerLength) stays well inside
// Temporal's limits.
const MaxKeyLength = 200

// IDPrefix starts the ID of every freeze and redemption the service starts,
// and of no other run: the service acts only on runs in this ID space, and
// the starter refuses an --id in it. The caller's namespace follows, then
// the kind of request and the caller's key: "nexus/orders/redeem-1001". A
// namespace name holds no "/" once path-escaped, so the caller part ends at
// the first "/", and no two callers share an ID: a caller reaches only the
// runs it started. The same key may name one freeze and one redemption per
// caller namespace; each runs once. A freeze's settlement runs as
// workflows.SettlementID of the freeze's ID, as every settlement does.
const IDPrefix = "nexus/"

// Kinds of request, after the caller's namespace in a workflow ID.
const (
	kindFreeze = "freeze-"
	kindRedeem = "redeem-"
)

// IsServiceID reports whether workflow ID id is in the service's ID space:
// a run started through Nexus (or its settlement's freeze).
func IsServiceID(id string) bool { return strings.HasPrefix(id, IDPrefix) }

// FreezeWorkflowID is the ID of the FreezePointsWorkflow OpFreeze starts for
// key on behalf of caller namespace caller: "nexus/<caller>/freeze-<key>".
func FreezeWorkflowID(caller, key string) (string, error) { return workflowID(caller, kindFreeze, key) }

// RedemptionWorkflowID is the ID of the RedemptionWorkflow OpRedeem starts
// for key on behalf of caller namespace caller: "nexus/<caller>/redeem-<key>".
// A starter's "redeem-<orderId>" is never in this space.
func RedemptionWorkflowID(caller, key string) (string, error) {
	return workflowID(caller, kindRedeem, key)
}

// SettleWorkflowID is the ID of the release or consume of the freeze of key
// by caller: the freeze's one settlement, workflows.SettlementID of
// FreezeWorkflowID, as for every freeze.
func SettleWorkflowID(caller, key string) (string, error) {
	id, err := FreezeWorkflowID(caller, key)
	if err != nil {
		return "", err
	}
	return workflows.SettlementID(id), nil
}

// workflowID is IDPrefix, the path-escaped caller namespace, "/", kind and
// key, after checking the key.
func workflowID(caller, kind, key string) (string, error) {
	if caller == "" {
		return "", fmt.Errorf("the caller's namespace is required")
	}
	if err := checkKey(key); err != nil {
		return "", err
	}
	return IDPrefix + url.PathEscape(caller) + "/" + kind + key, nil
}

// checkKey checks a key: not empty, at most MaxKeyLength bytes of valid
// UTF-8, no spaces, control, invisible or bidi characters (a key is an
// identifier that people copy into commands and URLs, and compare by eye).
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("key is required: a business key such as an order ID")
	case len(key) > MaxKeyLength:
		return fmt.Errorf("key is %d bytes long, at most %d are allowed", len(key), MaxKeyLength)
	case !utf8.ValidString(key):
		return fmt.Errorf("key %q is not valid UTF-8", key)
	}
	for _, r := range key {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("key %q must not hold spaces or control characters", key)
		}
	}
	if safetext.HasInvisible(key) {
		return fmt.Errorf("key %q must not hold invisible or direction-changing characters (zero-width, bidi controls)", key)
	}
	return nil
}

// callerOf is the caller namespace of workflow ID id of the service's ID
// space, or false.
func callerOf(id string) (string, bool) {
	escaped, _, found := strings.Cut(strings.TrimPrefix(id, IDPrefix), "/")
	if !IsServiceID(id) || !found || escaped == "" {
		return "", false
	}
	caller, err := url.PathUnescape(escaped)
	return caller, err == nil
}
