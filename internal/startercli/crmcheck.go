package startercli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/crmcheck"
)

// crm-check's name, usage line and amount when --points is not given.
const (
	crmCheckName       = "crm-check"
	crmCheckUsage      = "starter crm-check --member ID --yes [--points 0.01] [--balance-path PATH] [--write-codes FILE] [--json]"
	defaultCheckPoints = "0.01"
)

// crmCheck is `starter crm-check`: it talks to the CRM, never to Temporal.
var crmCheck = &command{
	name:    crmCheckName,
	usage:   crmCheckUsage,
	summary: "check how the CRM answers, on a test member and a tiny amount (no Temporal)",
	direct:  runCRMCheck,
	help:    writeCRMCheckHelp,
}

// crmCheckFlags are crm-check's own flags, for parsing and --help.
type crmCheckFlags struct {
	member, points, balancePath, writeCodes string
	yes, json                               bool
}

func (f *crmCheckFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.member, "member", "", "")
	fs.BoolVar(&f.yes, "yes", false, "")
	fs.StringVar(&f.points, "points", defaultCheckPoints, "")
	fs.StringVar(&f.balancePath, "balance-path", "", "")
	fs.StringVar(&f.writeCodes, "write-codes", "", "")
	fs.BoolVar(&f.json, "json", false, "")
}

var crmCheckFlagHelp = [][2]string{
	{"--member ID", "the test member whose points the check freezes, releases and consumes (required)"},
	{"--yes", "say that it may: the check moves real points of the member (required)"},
	{"--points N", "the amount, " + defaultCheckPoints + " by default, at most KYLIN_CRM_CHECK_MAX_POINTS; the check freezes at most\n" +
		"twice that at a time and consumes it once; the member needs twice that available"},
	{"--balance-path PATH", "the CRM's signed balance query, POST {memberId, memberType}, e.g. the sandbox's\n" +
		"/openapi/v2/member/loyalty/point: read before and after, and around every repeated freeze"},
	{"--write-codes FILE", "write the codes mapping the CRM showed, as FILE.toml or FILE.json, for KYLIN_CRM_CODES_FILE"},
	{"--json", "print one JSON object at the end instead of a line per step"},
}

// runCRMCheck runs `starter crm-check` with args (after the command name).
func runCRMCheck(ctx context.Context, args []string, stdout, stderr io.Writer, env config.Env) int {
	var f crmCheckFlags
	fs := flag.NewFlagSet("starter crm-check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	readSettings := config.BindCRMCheck(fs, env)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeCRMCheckHelp(stdout)
			return ExitOK
		}
		return usageError(stderr, crmCheckName, err.Error())
	}
	if fs.NArg() > 0 {
		return usageError(stderr, crmCheckName, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	settings, settingProblems := readSettings()
	points, problems := f.check(settings.MaxPoints)
	if problems = append(problems, settingProblems...); len(problems) > 0 {
		return usageError(stderr, crmCheckName, strings.Join(problems, "; "))
	}

	check := &crmcheck.Check{
		Client: settings.CRM.Client(), Codes: settings.CRM.CodesInUse(),
		MemberID: f.member, Points: points, BalancePath: f.balancePath, RunID: crmcheck.NewRunID(time.Now()),
	}
	if !f.json {
		crmcheck.WriteHeader(stdout, crmcheck.Report{RunID: check.RunID, BaseURL: settings.CRM.BaseURL, MemberID: f.member,
			Points: points, Codes: check.Codes.String()})
		check.OnStep = func(s crmcheck.StepResult) { crmcheck.WriteStep(stdout, s) }
	}
	rep := check.Run(ctx)
	failure := checkFailure(rep)
	if f.writeCodes != "" {
		if why := writeCheckCodes(f.writeCodes, rep, check.Codes); why != "" {
			failure = firstOf(failure, why)
		} else {
			rep.CodesFile = f.writeCodes
		}
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rep)
	} else {
		crmcheck.WriteSummary(stdout, rep)
	}
	if failure != "" {
		return fail(stderr, ExitFailed, "crm-check: "+failure)
	}
	return ExitOK
}

// check reads crm-check's own flags, the amount capped at maxPoints.
func (f *crmCheckFlags) check(maxPoints float64) (float64, []string) {
	var problems []string
	f.member = strings.TrimSpace(f.member)
	switch {
	case f.member == "":
		problems = append(problems, "--member is required: name a test member whose points the check may move")
	default:
		if p := validateMember(f.member); p != "" {
			problems = append(problems, p)
		}
	}
	if !f.yes {
		problems = append(problems, "--yes is required: the check freezes, releases and consumes real points of the member")
	}
	points, err := strconv.ParseFloat(strings.TrimSpace(f.points), 64)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("--points %q is not a number", f.points))
	case crm.ValidatePoints(points) != nil:
		problems = append(problems, "--points: "+crm.ValidatePoints(points).Error())
	case maxPoints > 0 && points > maxPoints:
		problems = append(problems, fmt.Sprintf("--points %s is more than %s, the most %s allows", crm.FormatPoints(points),
			crm.FormatPoints(maxPoints), config.CRMCheckMaxPoints.Env))
	}
	if f.balancePath != "" {
		if _, err := crm.SplitPath(f.balancePath); err != nil || !strings.HasPrefix(f.balancePath, "/") {
			problems = append(problems, fmt.Sprintf("--balance-path %q is not /{contextPath}/{version}/{requestPath}", f.balancePath))
		}
	}
	if f.writeCodes != "" {
		ext := strings.ToLower(filepath.Ext(f.writeCodes))
		info, err := os.Stat(filepath.Dir(f.writeCodes))
		switch {
		case ext != ".toml" && ext != ".json":
			problems = append(problems, fmt.Sprintf("--write-codes %q must end in .toml or .json, to say its format", f.writeCodes))
		case err != nil || !info.IsDir():
			problems = append(problems, fmt.Sprintf("--write-codes %q: its directory does not exist", f.writeCodes))
		}
	}
	return points, problems
}

// checkFailure is why the check exits 1, "" when it ran and nothing stays frozen.
func checkFailure(rep crmcheck.Report) string {
	switch {
	case len(rep.LeftFrozen) > 0:
		var held []string
		for _, h := range rep.LeftFrozen {
			token := h.FreezeToken
			if token == "" {
				token = "(tokens the check cannot name)"
			}
			held = append(held, crm.FormatPoints(h.Points)+" under "+token)
		}
		return "points stay (or may stay) frozen, settle them in the CRM: " + strings.Join(held, ", ")
	case rep.Unreachable != "":
		return rep.Unreachable
	case rep.Interrupted:
		return "interrupted before the end of the sequence; nothing the check froze stays frozen"
	}
	return ""
}

// writeCheckCodes writes the codes file rep shows, or says why it did not.
func writeCheckCodes(path string, rep crmcheck.Report, current crm.Codes) string {
	if rep.Unreachable != "" || rep.Interrupted {
		return "codes file not written: the check did not run to its end"
	}
	codes, comments := crmcheck.DeriveCodes(rep, current)
	if err := config.WriteCodesFile(path, codes, comments); err != nil {
		return "codes file not written: " + err.Error()
	}
	return ""
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeCRMCheckHelp prints `starter crm-check --help`.
func writeCRMCheckHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n", crmCheckUsage)
	fmt.Fprint(w, "Runs a scripted conformance sequence against the CRM with the worker's CRM settings (no Temporal),\n"+
		"on a test member and a tiny amount, and prints one line per step: HTTP status, success, code,\n"+
		"message, latency, and what kylin-points concludes under the current codes mapping\n"+
		"(KYLIN_CRM_CODES_FILE), flagged WRONG or UNKNOWN where that would be wrong or unknown. Every token\n"+
		"starts with the run ID it prints. Before it exits (also on Ctrl-C, SIGTERM or an error) it releases\n"+
		"every freeze it made; what it could not settle it prints with its token. docs/crm.md, \"Checking\n"+
		"your CRM\", says how to read the report.\n\nSteps:\n")
	for _, s := range crmcheck.Steps() {
		fmt.Fprintf(w, "  %s\n", s)
	}
	fmt.Fprint(w, "\nFlags:\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, f := range crmCheckFlagHelp {
		lines := strings.Split(f[1], "\n")
		fmt.Fprintf(tw, "  %s\t%s\n", f[0], lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(tw, "  \t%s\n", l)
		}
	}
	_ = tw.Flush()
	fmt.Fprint(w, "\nThe CRM (the worker's settings; a flag wins over its variable):\n")
	config.WriteUsage(w, append(append([]config.Setting{}, config.CRMSettings...), config.CRMCheckMaxPoints))
	fmt.Fprint(w, "\nExit status: 0 the check ran and nothing it froze stays frozen (its lines may still flag\n"+
		"WRONG or UNKNOWN); 1 something stays (or may stay) frozen, the CRM could not be reached or refused the\n"+
		"credentials, the check was interrupted, or the codes file could not be written; 2 bad usage, nothing sent.\n")
}
