package devstack

import (
	"fmt"
	"io"
	"strings"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/pointsnexus"
)

// WriteReady writes the "ready" block: where each part listens, how to run
// the starter against the stack, and the environment of a worker run in its
// own process. The sandbox's secret is a public demo value, fine to print.
func (s *Stack) WriteReady(out io.Writer) {
	var b strings.Builder
	line := func(format string, args ...any) { _, _ = fmt.Fprintf(&b, format+"\n", args...) }
	where := "in memory"
	if !s.opts.Memory {
		where = "data in " + s.opts.DataDir + "/, logs in " + s.opts.dataFile(logFile)
	}
	line("")
	line("kylin-points dev stack ready")
	line("  Temporal     %s  (namespace %s, %s)", s.temporalAddr, Namespace, where)
	line("  Web UI       %s", s.part(!s.opts.NoUI, s.UIURL(), "not started (-ui=false)"))
	line("  CRM sandbox  %s", s.part(!s.opts.NoSandbox, s.SandboxURL()+"  (caller "+sandbox.DemoServiceName+")", "not started (-sandbox=false)"))
	line("  worker       %s", s.part(!s.opts.NoWorker, "task queue "+TaskQueue+", in this process", "not started (-worker=false)"))
	line("  Nexus        endpoint %s, service %s (for workflows of other namespaces)", NexusEndpoint, pointsnexus.ServiceName)
	line("  metrics      %s", s.part(s.MetricsURL() != "", s.MetricsURL()+"/metrics  (/healthz, /readyz)", "off (-metrics-addr=\"\")"))
	line("  payloads     %s", s.part(s.CodecURL() != "", "encrypted; codec server "+s.CodecURL()+" (the Web UI decodes through it)", "plaintext (no -payload-key-file)"))
	line("")
	env := s.starterEnv()
	line("Redeem from another terminal:")
	line("  %sgo run ./starter redeem --member demo-member-2 --points 10 --description \"积分商城兑换\"", env)
	line("  %sgo run ./starter confirm --id <workflow id>", env)
	// The stack's worker stores member IDs as they are (its members are
	// nobody): a starter must be told so to list by member.
	line("  %s%s=%s go run ./starter list --state FROZEN --member demo-member-2", env, config.MemberSearch.Env, search.MemberRaw)
	line("Run a worker in its own process (start the stack with -worker=false):")
	line("  %sKYLIN_CRM_BASE_URL=%s KYLIN_CRM_SERVICE_NAME=%s KYLIN_CRM_SERVICE_SECRET=%s go run ./worker",
		s.clientEnv(), s.SandboxURL(), sandbox.DemoServiceName, sandbox.DemoSecret)
	line("Ctrl-C stops everything.")
	_, _ = io.WriteString(out, b.String())
}

func (s *Stack) part(on bool, running, off string) string {
	if on {
		return running
	}
	return off
}

// temporalEnv is the TEMPORAL_ADDRESS setting a client needs when the
// frontend is not on the SDK's default address.
func (s *Stack) temporalEnv() string {
	if s.temporalAddr == DefaultTemporalAddr {
		return ""
	}
	return "TEMPORAL_ADDRESS=" + s.temporalAddr + " "
}

// clientEnv is temporalEnv plus the payload key file every client needs
// when payloads are encrypted.
func (s *Stack) clientEnv() string {
	env := s.temporalEnv()
	if s.opts.PayloadKeyFile != "" {
		env += "KYLIN_PAYLOAD_KEY_FILE=" + s.opts.PayloadKeyFile + " "
	}
	return env
}

// starterEnv adds the UI address the starter prints links to.
func (s *Stack) starterEnv() string {
	env := s.clientEnv()
	if s.uiAddr != DefaultUIAddr {
		env += "KYLIN_UI_URL=" + s.UIURL() + " "
	}
	return env
}
