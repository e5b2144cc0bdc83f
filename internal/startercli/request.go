package startercli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/safetext"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/workflows"
)

// maxWorkflowIDBytes is Temporal's default limit on a workflow ID.
const maxWorkflowIDBytes = 1000

// request is a checked invocation, ready to send.
type request struct {
	id          string
	member      string
	points      float64
	description string
	shop        string
	// hold is 0 when --hold was not given: the workflow's default applies.
	hold time.Duration
	// list's filters.
	state     string
	olderThan time.Duration
	types     []string
	limit     int
	// resolve's note and who.
	note, by string
	// every is how often schedule create's Schedule runs.
	every time.Duration
}

// checkRedeem checks the flags of redeem: those of freeze, and --hold.
func checkRedeem(in input) (request, []string) {
	req, problems := checkFreeze(in)
	if in.hold != "" {
		d, err := time.ParseDuration(strings.TrimSpace(in.hold))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("--hold %q is not a duration (e.g. 15m, 1h)", in.hold))
		case d < time.Second:
			problems = append(problems, fmt.Sprintf("--hold %q must be at least 1s", in.hold))
		case d%time.Second != 0:
			problems = append(problems, fmt.Sprintf("--hold %q must be whole seconds", in.hold))
		case d > workflows.MaxHold:
			problems = append(problems, fmt.Sprintf("--hold %q must be at most %s", in.hold, workflows.MaxHold))
		default:
			req.hold = d
		}
	}
	return req, problems
}

// checkFreeze checks the member, the amount, the description, the shop and
// an optional workflow ID, with the CRM client's own rules.
func checkFreeze(in input) (request, []string) {
	var problems []string
	req := request{
		member:      strings.TrimSpace(in.member),
		description: in.description,
		shop:        strings.TrimSpace(in.shop),
	}
	if req.member == "" {
		problems = append(problems, "--member is required")
	} else if problem := validateMember(req.member); problem != "" {
		problems = append(problems, problem)
	}
	if err := crm.ValidateShopCode(req.shop); err != nil {
		problems = append(problems, "--shop: "+err.Error())
	}
	switch p := strings.TrimSpace(in.points); {
	case p == "":
		problems = append(problems, "--points is required")
	default:
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--points %q is not a number", in.points))
			break
		}
		if err := crm.ValidatePoints(v); err != nil {
			problems = append(problems, "--points: "+err.Error())
			break
		}
		req.points = v
	}
	if in.description == "" {
		problems = append(problems, "--description is required")
	} else if err := crm.ValidateDescription(in.description); err != nil {
		problems = append(problems, "--description: "+err.Error())
	}
	if in.id != "" {
		id, problem := checkWorkflowID(in.id)
		if problem == "" && pointsnexus.IsServiceID(id) {
			// The Nexus service acts only on the runs it started: a run
			// started here with such an ID could be decided by a caller.
			problem = fmt.Sprintf("--id %q is in the Nexus service's ID space (%s…): choose an ID that does not start with it", id, pointsnexus.IDPrefix)
		}
		if problem != "" {
			problems = append(problems, problem)
		}
		req.id = id
	}
	return req, problems
}

// validateMember checks a --member with the CRM client's rules.
func validateMember(member string) string {
	if err := crm.ValidateMemberID(member); err != nil {
		return "--member: " + err.Error()
	}
	return ""
}

// checkConfirm checks the flags of confirm and consume: --id, and --points
// when given.
func checkConfirm(in input) (request, []string) {
	req, problems := checkID(in)
	if p := strings.TrimSpace(in.points); p != "" {
		v, err := strconv.ParseFloat(p, 64)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("--points %q is not a number", in.points))
		default:
			if err := crm.ValidatePoints(v); err != nil {
				problems = append(problems, "--points: "+err.Error())
			}
			req.points = v
		}
	}
	return req, problems
}

// checkID checks the --id of confirm, cancel and status.
func checkID(in input) (request, []string) {
	if strings.TrimSpace(in.id) == "" {
		return request{}, []string{"--id is required"}
	}
	id, problem := checkWorkflowID(in.id)
	if problem != "" {
		return request{}, []string{problem}
	}
	return request{id: id}, nil
}

func checkWorkflowID(raw string) (string, string) {
	id := strings.TrimSpace(raw)
	switch {
	case id == "":
		return "", "--id must not be blank"
	case !utf8.ValidString(id):
		return "", "--id is not valid UTF-8"
	case len(id) > maxWorkflowIDBytes:
		return "", fmt.Sprintf("--id is %d bytes long, at most %d allowed", len(id), maxWorkflowIDBytes)
	case safetext.HasInvisible(id):
		return "", "--id must not contain control characters, nor invisible or direction-changing ones"
	}
	return id, ""
}

// checkText checks free text a person gives (--note, --by): valid UTF-8,
// no control characters, at most max characters.
func checkText(name, v string, max int) string {
	switch {
	case !utf8.ValidString(v):
		return name + " is not valid UTF-8"
	case safetext.HasControl(v):
		return name + " must not contain control characters"
	case utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("%s is %d characters long, at most %d allowed", name, utf8.RuneCountInString(v), max)
	}
	return ""
}
