package activities

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/kylinpoints/kylin-points/internal/safetext"

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

// Refuse says why a request with body fields b may not be sent, or "" when
// it may: a value the worker does not list. An empty field is allowed (the
// worker's own configuration fills it).
func (a AllowedBody) Refuse(b BodyFields) string {
	for _, f := range []struct {
		field, value, setting string
		allowed               []string
	}{
		{"memberType", b.MemberType, settingMemberTypes, a.MemberTypes},
		{"channelType", b.ChannelType, settingChannelTypes, a.ChannelTypes},
		{"pointBizType", b.PointBizType, settingPointBizTypes, a.PointBizTypes},
	} {
		if f.value == "" {
			continue
		}
		// A malformed value is named as such, before the list: the caller
		// learns what to fix, and no control character reaches the error.
		switch {
		case !utf8.ValidString(f.value):
			return f.field + " is not valid UTF-8"
		case safetext.HasControl(f.value):
			return f.field + " must not contain control characters"
		}
		if f.allowed == nil || slices.Contains(f.allowed, f.value) {
			continue
		}
		return fmt.Sprintf("%s %q is not one this worker acts on (%s)", f.field, quoted(f.value), f.setting)
	}
	return ""
}

// listsAny reports whether a lists values for any field.
func (a AllowedBody) listsAny() bool {
	return a.MemberTypes != nil || a.ChannelTypes != nil || a.PointBizTypes != nil
}

// check refuses, before any CRM call, a request whose body carries a value
// the worker does not allow. It runs in every CRM activity, so it holds
// whoever scheduled it: a redemption, a FreezePoints in another team's
// workflow, a settlement.
//
// A freeze is refused for good before it is ever scheduled, by the workflow
// (FreezePoints reads the list through the local activity Prepare, recorded
// in its history). Here, the activity cannot know whether an earlier request
// under its token reached the CRM: no attempt count says so (an operator's
// activity reset starts it again at 1), and the list may have been narrowed
// since. So a refusal here is always ErrBodyNotAllowed, retried until an
// operator lists the value again; the freeze's budget bounds it, and the
// workflow then undoes the freeze as one whose outcome is unknown.
func (a AllowedBody) check(_ context.Context, in Input) error {
	if msg := a.Refuse(BodyFields{MemberType: in.MemberType, ChannelType: in.ChannelType, PointBizType: in.PointBizType}); msg != "" {
		return temporal.NewApplicationError(msg+": the token may have reached the CRM before, so the step is retried until the value is allowed again",
			ErrBodyNotAllowed)
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
