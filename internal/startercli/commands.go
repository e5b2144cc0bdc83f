package startercli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/workflows"
)

// command is one starter command: its flags, its help and what it does.
type command struct {
	name    string
	usage   string
	summary string
	// details is the paragraph of --help below the usage line.
	details string
	// flags registers the command's own flags on fs, writing into in.
	flags []flagSpec
	// check turns the parsed input into a request, or says what is wrong.
	check func(in input) (request, []string)
	run   func(a *App, ctx context.Context, req request) outcome
	// direct, when set, runs the whole command from its arguments, without
	// Temporal (crm-check); help then prints its --help.
	direct func(ctx context.Context, args []string, stdout, stderr io.Writer, env config.Env) int
	help   func(w io.Writer)
}

// flagSpec is one command flag, for registration and --help.
type flagSpec struct {
	name, arg, help string
	field           func(in *input) *string
}

// input is the raw flag values of one invocation.
type input struct {
	id, member, points, description, shop, hold string
	state, olderThan, typ, limit                string
	note, by, every                             string
}

var (
	flagMember      = flagSpec{"member", "ID", "member ID (required)", func(in *input) *string { return &in.member }}
	flagPoints      = flagSpec{"points", "N", "points, > 0, at most 2 decimals (required)", func(in *input) *string { return &in.points }}
	flagDescription = flagSpec{"description", "TEXT", "remark sent to the CRM, at most 255 characters (required)", func(in *input) *string { return &in.description }}
	flagShop        = flagSpec{"shop", "CODE", "shop code", func(in *input) *string { return &in.shop }}
	flagStartID     = flagSpec{"id", "WORKFLOW_ID", "workflow ID, the business key (default redeem-<uuid> or freeze-<uuid>)", func(in *input) *string { return &in.id }}
	flagHold        = flagSpec{"hold", "DURATION", "how long points stay frozen awaiting confirm or cancel (default 15m)", func(in *input) *string { return &in.hold }}
	flagID          = flagSpec{"id", "WORKFLOW_ID", "workflow ID of the redemption (required)", func(in *input) *string { return &in.id }}
	flagConfirmPts  = flagSpec{"points", "N", "points to consume, at most those frozen; the rest are released (default all)", func(in *input) *string { return &in.points }}
	flagFreezeID    = flagSpec{"id", "WORKFLOW_ID", "workflow ID of the freeze (required)", func(in *input) *string { return &in.id }}
	flagState       = flagSpec{"state", "STATE", "only runs in this state: FREEZING, FROZEN, CONSUMING, CONSUMED, RELEASING, RELEASED, FAILED, ATTENTION or RESOLVED", func(in *input) *string { return &in.state }}
	flagListMember  = flagSpec{"member", "ID", "only this member's runs (written as the workers write it: see KYLIN_MEMBER_SEARCH)", func(in *input) *string { return &in.member }}
	flagOlderThan   = flagSpec{"older-than", "DURATION", "only runs started longer ago than this, e.g. 1h", func(in *input) *string { return &in.olderThan }}
	flagType        = flagSpec{"type", "KIND", "redemption (default), freeze or all", func(in *input) *string { return &in.typ }}
	flagLimit       = flagSpec{"limit", "N", "at most N runs, newest first (default 100)", func(in *input) *string { return &in.limit }}
)

// commands in the order of the top-level --help.
var commands = []*command{
	{
		name:    "redeem",
		usage:   "starter redeem --member ID --points N --description TEXT [--shop CODE] [--id WORKFLOW_ID] [--hold 15m]",
		summary: "freeze points and hold them for confirm or cancel",
		details: "Starts a RedemptionWorkflow (a workflow ID is never reused) and returns once the freeze has\n" +
			"settled: FROZEN (exit 0) or FAILED (exit 1). Then run confirm or cancel; without either the\n" +
			"points are released when the hold ends. When no worker has polled the task queue lately, it says\n" +
			"so on stderr after a few seconds and keeps waiting.",
		flags: []flagSpec{flagMember, flagPoints, flagDescription, flagShop, flagStartID, flagHold},
		check: checkRedeem,
		run:   (*App).redeem,
	},
	{
		name:    "confirm",
		usage:   "starter confirm --id WORKFLOW_ID [--points N]",
		summary: "consume the frozen points of a redemption",
		details: "Sends the confirm Update and waits for the end: CONSUMED (exit 0), or RELEASED when the CRM\n" +
			"refused the consume (exit 1). With --points, consumes N of the frozen points and releases the rest.\n" +
			"Refused unless the redemption is FROZEN or was already confirmed (for the same amount).\n" +
			"The consume retries until the CRM answers; Ctrl-C stops waiting, not the redemption. When a\n" +
			"release cannot be carried out, says that the points stay (or may stay) frozen, exit 1.",
		flags: []flagSpec{flagID, flagConfirmPts},
		check: checkConfirm,
		run:   func(a *App, ctx context.Context, req request) outcome { return a.decide(ctx, decisionConfirm, req) },
	},
	{
		name:    "cancel",
		usage:   "starter cancel --id WORKFLOW_ID",
		summary: "release the frozen points of a redemption",
		details: "Sends the cancel Update and waits for the end: RELEASED (exit 0). Refused unless the\n" +
			"redemption is FROZEN or was already cancelled. When the release cannot be carried out, says\n" +
			"that the points stay (or may stay) frozen, exit 1.",
		flags: []flagSpec{flagID},
		check: checkID,
		run:   func(a *App, ctx context.Context, req request) outcome { return a.decide(ctx, decisionCancel, req) },
	},
	{
		name:    "status",
		usage:   "starter status --id WORKFLOW_ID",
		summary: "show where a redemption (or a freeze) stands",
		details: "Prints the state of a RedemptionWorkflow, a FreezePointsWorkflow (and its settlement) or a\n" +
			"settlement, and what the worker keeps retrying. Exit 0 whatever the state, 1 when the workflow\n" +
			"cannot be found or read, or when its points stay (or may stay) frozen for a person to settle.",
		flags: []flagSpec{flagID},
		check: checkID,
		run:   (*App).status,
	},
	{
		name:    "freeze",
		usage:   "starter freeze --member ID --points N --description TEXT [--shop CODE] [--id WORKFLOW_ID]",
		summary: "run the freeze step alone (FreezePointsWorkflow)",
		details: "Starts a FreezePointsWorkflow and waits for its result: FROZEN with the freeze token (exit 0) or\n" +
			"FAILED (exit 1). The frozen points are then the caller's to settle: starter consume or release.\n" +
			"When no worker has polled the task queue lately, it says so on stderr and keeps waiting.",
		flags: []flagSpec{flagMember, flagPoints, flagDescription, flagShop, flagStartID},
		check: checkFreeze,
		run:   (*App).freeze,
	},
	{
		name:    "list",
		usage:   "starter list [--state STATE] [--member ID] [--older-than DURATION] [--type KIND] [--limit N]",
		summary: "find redemptions by state, member and age",
		details: "Lists the runs the filters select, from their search attributes (no worker is asked): one line each\n" +
			"with its Web UI link, or with --json one JSON object a line. For example, what is still FROZEN for\n" +
			"a member: --state FROZEN --member ID; what has been RELEASING for an hour: --state RELEASING\n" +
			"--older-than 1h. The namespace must have the search attributes (docs/production.md).",
		flags: []flagSpec{flagState, flagListMember, flagOlderThan, flagType, flagLimit},
		check: checkList,
		run:   (*App).list,
	},
	{
		name:    "consume",
		usage:   "starter consume --id WORKFLOW_ID [--points N]",
		summary: "consume the points of a freeze (starter freeze), releasing any rest",
		details: "Starts a ConsumePointsWorkflow (ID settle-<WORKFLOW_ID>) for the freeze of FreezePointsWorkflow\n" +
			"WORKFLOW_ID and waits for its end: CONSUMED (exit 0), or RELEASED when the CRM refused the consume\n" +
			"(exit 1). With --points, consumes N and releases the rest. A freeze is settled once: a repeat\n" +
			"answers from the settlement, a release after a consume is refused.",
		flags: []flagSpec{flagFreezeID, flagConfirmPts},
		check: checkConfirm,
		run: func(a *App, ctx context.Context, req request) outcome {
			return a.settleFreeze(ctx, workflows.ConsumePointsWorkflowName, req)
		},
	},
	{
		name:    "release",
		usage:   "starter release --id WORKFLOW_ID",
		summary: "release the points of a freeze (starter freeze)",
		details: "Starts a ReleasePointsWorkflow (ID settle-<WORKFLOW_ID>) for the freeze of FreezePointsWorkflow\n" +
			"WORKFLOW_ID and waits for its end: RELEASED (exit 0). A freeze is settled once: a repeat answers\n" +
			"from the settlement, a consume after a release is refused.",
		flags: []flagSpec{flagFreezeID},
		check: checkID,
		run: func(a *App, ctx context.Context, req request) outcome {
			return a.settleFreeze(ctx, workflows.ReleasePointsWorkflowName, req)
		},
	},
	attentionCommand, retryCommand, resolveCommand, scheduleCreateCommand,
	crmCheck,
}

// runDirect runs a command that needs no Temporal (crm-check), if args
// name one; ok is false otherwise.
func runDirect(ctx context.Context, args []string, stdout, stderr io.Writer, env config.Env) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	c := findCommand(args[0])
	if c == nil || c.direct == nil {
		return 0, false
	}
	return c.direct(ctx, args[1:], stdout, stderr, env), true
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// newFlagSet registers the command's flags, the common settings and --json.
func (c *command) newFlagSet(env config.Env) (*flag.FlagSet, *input, *bool, func() (config.Starter, config.Problems)) {
	fs := flag.NewFlagSet("starter "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in := &input{}
	for _, f := range c.flags {
		fs.StringVar(f.field(in), f.name, "", f.help)
	}
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	common := config.BindStarter(fs, env)
	return fs, in, asJSON, common
}

// writeHelp prints the command's --help.
func (c *command) writeHelp(w io.Writer) {
	if c.help != nil {
		c.help(w)
		return
	}
	fmt.Fprintf(w, "Usage: %s [--json]\n\n%s\n\nFlags:\n", c.usage, c.details)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, f := range c.flags {
		fmt.Fprintf(tw, "  --%s %s\t%s\n", f.name, f.arg, f.help)
	}
	fmt.Fprintf(tw, "  --json\tprint one JSON object on stdout: workflowId, runId, state, memberId, points,\n")
	fmt.Fprintf(tw, "  \tfreezeToken, decision, error, uiUrl\n")
	_ = tw.Flush()
	fmt.Fprintf(w, "\nConnection (a flag wins over its variable; TEMPORAL_API_KEY, TEMPORAL_TLS_* and\nTEMPORAL_PROFILE are read too):\n")
	config.WriteUsage(w, config.StarterSettings)
	fmt.Fprintf(w, "\nExit status: 0 success, 1 the CRM rejected, the points are not held as asked, or the command could\nnot be carried out, 2 bad usage.\n")
}

// writeTopHelp prints `starter --help`.
func writeTopHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: starter <command> [flags]\n\nStarts and settles kylin-points redemptions on Temporal.\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nRun \"starter <command> --help\" for a command's flags. Every command takes --json.\n"+
		"Exit status: 0 success, 1 the CRM rejected or the command could not be carried out, 2 bad usage.\n")
}

// commandNames lists the commands for error messages.
func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}
