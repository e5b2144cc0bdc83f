package activities

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
)

// AllowedBody lists the body values a request may carry, the worker's
// KYLIN_CRM_ALLOWED_MEMBER_TYPES, _CHANNEL_TYPES and _POINT_BIZ_TYPES: the
// CRM account may cover more member types, channels and kinds of points than
// the clients of this worker are meant to act on. A nil list leaves its field
// unchecked; the worker's configuration never leaves one nil (its default is
// the configured value alone).
type AllowedBody struct {
	MemberTypes   []string `json:"memberTypes,omitempty"`
	ChannelTypes  []string `json:"channelTypes,omitempty"`
	PointBizTypes []string `json:"pointBizTypes,omitempty"`
}

// Settings named in a refusal, so that an operator knows which to widen.
const (
	settingMemberTypes   = "KYLIN_CRM_ALLOWED_MEMBER_TYPES"
	settingChannelTypes  = "KYLIN_CRM_ALLOWED_CHANNEL_TYPES"
	settingPointBizTypes = "KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES"
)

// maxQuotedValue bounds a refused value quoted in the error.
const maxQuotedValue = 64

// ErrBodyNotAllowed is the type of the retryable ApplicationError of a step
// whose token may have reached the CRM before, now carrying a body value
// the worker does not allow (the list was narrowed since): its earlier
// request may have been applied, so a refusal here proves nothing and the
// step waits, retried, until an operator lists the value again.
const ErrBodyNotAllowed = "BodyNotAllowed"

// check refuses, before any CRM call, a request whose body carries a value
// the worker does not allow. It runs in every CRM activity, so it holds
// whoever scheduled it: a redemption, a FreezePoints in another team's
// workflow, a settlement. An empty field takes the worker's own
// configuration at the call, which is allowed.
//
// The first request of a token is refused for good (ErrInvalidInput:
// nothing was sent, so nothing was applied). A request whose token may have
// been sent before (a later attempt, a reset, a settlement from elsewhere, a
// recheck) is ErrBodyNotAllowed, retried: a refusal must not be read as
// "nothing applied" when an earlier request may have been.
func (a AllowedBody) check(ctx context.Context, in Input) error {
	for _, f := range []struct {
		field, value, setting string
		allowed               []string
	}{
		{"memberType", in.MemberType, settingMemberTypes, a.MemberTypes},
		{"channelType", in.ChannelType, settingChannelTypes, a.ChannelTypes},
		{"pointBizType", in.PointBizType, settingPointBizTypes, a.PointBizTypes},
	} {
		if f.value == "" || f.allowed == nil || slices.Contains(f.allowed, f.value) {
			continue
		}
		msg := fmt.Sprintf("%s %q is not one this worker acts on (%s)", f.field, quoted(f.value), f.setting)
		if in.MaybeSent || in.Recheck || attempt(ctx) > 1 {
			return temporal.NewApplicationError(msg+": the token may have reached the CRM before, so the step is retried until the value is allowed again",
				ErrBodyNotAllowed)
		}
		return temporal.NewNonRetryableApplicationError(msg+": refused before any CRM call", ErrInvalidInput, nil)
	}
	return nil
}

// quoted is v cut to maxQuotedValue bytes on a rune boundary, for %q.
func quoted(v string) string {
	if len(v) <= maxQuotedValue {
		return v
	}
	cut := maxQuotedValue
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}
