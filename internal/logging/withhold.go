package logging

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/crm"
)

// Withheld replaces a value a line may not carry.
const Withheld = "[withheld: KYLIN_LOG_MEMBER_DATA]"

// memberKeys are the log keys whose values may hold a member ID, a
// description or a CRM message (compared without case).
var memberKeys = map[string]bool{
	"member": true, "memberid": true, "description": true, "summary": true,
	"step": true, "why": true, "reason": true, "message": true,
}

// withholdMemberData returns keyvals with member data replaced.
func withholdMemberData(keyvals []any) []any {
	out := make([]any, len(keyvals))
	copy(out, keyvals)
	for i := 0; i+1 < len(out); i += 2 {
		key := strings.ToLower(fmt.Sprint(out[i]))
		switch v := out[i+1].(type) {
		case error:
			out[i+1] = RedactError(v)
		case string:
			if memberKeys[key] {
				out[i+1] = Withheld
			} else {
				out[i+1] = crm.RedactText(v)
			}
		case fmt.Stringer:
			if memberKeys[key] {
				out[i+1] = Withheld
			}
		}
	}
	return out
}

// RedactError is err's text without member data: a CRM error keeps its
// operation, class, status and code (crm.Error.Redacted), an application
// error its type and the same of its message, an activity error the
// activity's type.
func RedactError(err error) string {
	if ce, ok := errors.AsType[*crm.Error](err); ok {
		return ce.Redacted()
	}
	prefix := ""
	if ae, ok := errors.AsType[*temporal.ActivityError](err); ok {
		prefix = "activity " + ae.ActivityType().GetName() + ": "
	}
	if app, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		return prefix + app.Type() + ": " + crm.RedactText(app.Message())
	}
	return prefix + crm.RedactText(err.Error())
}
