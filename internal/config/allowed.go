package config

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// AllowedBody is the allow-list the activities enforce: c.Allowed, each list
// left empty (a Config built in code, e.g. by the dev stack) being the value
// the worker sends when a request names none. So every worker built from a
// Config refuses the values it was not configured for.
func (c Config) AllowedBody() activities.AllowedBody {
	a := c.Allowed
	if a.MemberTypes == nil {
		a.MemberTypes = []string{cmp.Or(c.CRM.MemberType, crm.DefaultMemberType)}
	}
	if a.ChannelTypes == nil {
		a.ChannelTypes = []string{cmp.Or(c.CRM.ChannelType, crm.DefaultChannelType)}
	}
	if a.PointBizTypes == nil {
		a.PointBizTypes = []string{crm.DefaultPointBizType}
	}
	return a
}

// allowedBody reads the three allow-lists, recording every problem in p.
// Each defaults to the value the worker sends when a request names none,
// and must hold it.
func (b *binder) allowedBody(p *Problems, c CRM) activities.AllowedBody {
	return activities.AllowedBody{
		MemberTypes:   b.allowList(p, CRMAllowedMemberTypes, c.MemberType, CRMMemberType.Name()),
		ChannelTypes:  b.allowList(p, CRMAllowedChannelTypes, c.ChannelType, CRMChannelType.Name()),
		PointBizTypes: b.allowList(p, CRMAllowedPointBizTypes, crm.DefaultPointBizType, "the CRM client's default"),
	}
}

// allowList reads a comma-separated list of body values; unset, it is own
// alone. Entries are trimmed; an empty entry, or one the CRM client would
// refuse, is a problem, and so is a list without own (from ownName), the
// value every request that names none is sent with.
func (b *binder) allowList(p *Problems, s Setting, own, ownName string) []string {
	v := b.value(s)
	if v == "" {
		if own == "" {
			return nil
		}
		return []string{own}
	}
	var list []string
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if why := checkBodyValue(item); why != "" {
			p.add(s, "%q: %s", v, why)
			return nil
		}
		if !slices.Contains(list, item) {
			list = append(list, item)
		}
	}
	if own != "" && !slices.Contains(list, own) {
		p.add(s, "%q must include %q, which %s sends when a request names none", v, own, ownName)
	}
	return list
}

// checkBodyValue says why v cannot be a body value, or "".
func checkBodyValue(v string) string {
	switch {
	case v == "":
		return "has an empty entry (a comma too many?)"
	case !utf8.ValidString(v):
		return "has an entry that is not valid UTF-8"
	case safetext.HasControl(v):
		return "has an entry with control characters"
	case utf8.RuneCountInString(v) > crm.MaxCodeFieldChars:
		return sprintf("has an entry longer than %d characters", crm.MaxCodeFieldChars)
	}
	return ""
}
