package pointsnexus

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxKeyLength bounds a business key, so that the workflow ID it becomes
// stays well inside Temporal's limits.
const MaxKeyLength = 200

// Prefixes of the workflow IDs the service starts: the kind of request, then
// the caller's key. The same key may name one freeze, one redemption and one
// settlement; each runs once.
const (
	prefixFreeze = "freeze-"
	prefixRedeem = "redeem-"
	prefixSettle = "settle-"
)

// FreezeWorkflowID is the ID of the FreezePointsWorkflow OpFreeze starts for key.
func FreezeWorkflowID(key string) (string, error) { return workflowID(prefixFreeze, key) }

// RedemptionWorkflowID is the ID of the RedemptionWorkflow OpRedeem starts
// for key: "redeem-<key>", the form docs/starter.md recommends to every starter.
func RedemptionWorkflowID(key string) (string, error) { return workflowID(prefixRedeem, key) }

// SettleWorkflowID is the ID of the release or consume of the freeze of key.
func SettleWorkflowID(key string) (string, error) { return workflowID(prefixSettle, key) }

// workflowID is prefix+key after checking the key: not empty, at most
// MaxKeyLength bytes of valid UTF-8, no spaces or control characters (a key
// is an identifier that people copy into commands and URLs).
func workflowID(prefix, key string) (string, error) {
	switch {
	case key == "":
		return "", fmt.Errorf("key is required: a business key such as an order ID")
	case len(key) > MaxKeyLength:
		return "", fmt.Errorf("key is %d bytes long, at most %d are allowed", len(key), MaxKeyLength)
	case !utf8.ValidString(key):
		return "", fmt.Errorf("key %q is not valid UTF-8", key)
	}
	for _, r := range key {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", fmt.Errorf("key %q must not hold spaces or control characters", key)
		}
	}
	return prefix + key, nil
}
