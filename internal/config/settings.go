package config

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kylinpoints/kylin-points/crm"
)

// Setting is one configuration value: its environment variable, the flag of
// the same meaning, its default and a line of help.
type Setting struct {
	// Env is the variable, e.g. KYLIN_TASK_QUEUE.
	Env string
	// Flag is the flag name without dashes; empty when there is no flag.
	Flag string
	// Default is used when neither the flag nor the variable is set.
	Default string
	// Arg names the flag's value in --help, e.g. URL.
	Arg string
	// Help says what the value means.
	Help string
	// Switch makes the flag work bare, as a boolean flag does: --flag means
	// true, --flag=false false.
	Switch bool
}

// Name is how problems refer to the setting: "KYLIN_CRM_TIMEOUT (--crm-timeout)".
func (s Setting) Name() string {
	if s.Flag == "" {
		return s.Env
	}
	return s.Env + " (--" + s.Flag + ")"
}

// DefaultCRMMaxQPS is KYLIN_CRM_MAX_QPS when unset: CRM calls per second
// across all workers of the task queue.
const DefaultCRMMaxQPS = "50"

// The configuration contract (docs/design.md). Variable names, flags and defaults
// are relied on by users' scripts: do not rename them.
var (
	TemporalAddress = Setting{Env: "TEMPORAL_ADDRESS", Flag: "address", Arg: "HOST:PORT",
		Help: "Temporal frontend; default from TEMPORAL_ADDRESS or the TEMPORAL_PROFILE profile, else localhost:7233"}
	TemporalNamespace = Setting{Env: "TEMPORAL_NAMESPACE", Flag: "namespace", Arg: "NAME",
		Help: "Temporal namespace; default from TEMPORAL_NAMESPACE or the profile, else default"}
	TaskQueue = Setting{Env: "KYLIN_TASK_QUEUE", Flag: "task-queue", Default: "kylin-points", Arg: "NAME",
		Help: "task queue of worker and starter"}
	CRMBaseURL = Setting{Env: "KYLIN_CRM_BASE_URL", Flag: "crm-base-url", Arg: "URL",
		Help: "CRM scheme and host, e.g. https://kylinapi.example.com (required)"}
	CRMServiceName = Setting{Env: "KYLIN_CRM_SERVICE_NAME", Flag: "crm-service-name", Arg: "NAME",
		Help: "gateway serviceName"}
	CRMServiceSecret = Setting{Env: "KYLIN_CRM_SERVICE_SECRET",
		Help: "gateway secret; environment only, never a flag (argv is visible in ps)"}
	CRMServiceSecretFile = Setting{Env: "KYLIN_CRM_SERVICE_SECRET_FILE", Flag: "crm-service-secret-file", Arg: "PATH",
		Help: "file holding the gateway secret (one trailing newline ignored); there is no flag taking the secret itself, as argv is visible in ps"}
	CRMTimeout = Setting{Env: "KYLIN_CRM_TIMEOUT", Flag: "crm-timeout", Default: "10s", Arg: "DURATION",
		Help: "bound on one HTTP attempt"}
	CRMMemberType = Setting{Env: "KYLIN_CRM_MEMBER_TYPE", Flag: "crm-member-type", Default: "aupres", Arg: "TYPE",
		Help: "memberType sent to the CRM"}
	CRMChannelType = Setting{Env: "KYLIN_CRM_CHANNEL_TYPE", Flag: "crm-channel-type", Default: "WECHAT", Arg: "TYPE",
		Help: "channelType sent to the CRM"}
	CRMAllowedMemberTypes = Setting{Env: "KYLIN_CRM_ALLOWED_MEMBER_TYPES", Flag: "crm-allowed-member-types", Arg: "LIST",
		Help: "memberType values a request may name, comma-separated; others are refused before any CRM call; default: KYLIN_CRM_MEMBER_TYPE's value only"}
	CRMAllowedChannelTypes = Setting{Env: "KYLIN_CRM_ALLOWED_CHANNEL_TYPES", Flag: "crm-allowed-channel-types", Arg: "LIST",
		Help: "channelType values a request may name, comma-separated; others are refused before any CRM call; default: KYLIN_CRM_CHANNEL_TYPE's value only"}
	CRMAllowedPointBizTypes = Setting{Env: "KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES", Flag: "crm-allowed-point-biz-types", Default: crm.DefaultPointBizType, Arg: "LIST",
		Help: "pointBizType values a request may name, comma-separated; others are refused before any CRM call"}
	CRMFreezePath = Setting{Env: "KYLIN_CRM_FREEZE_PATH", Flag: "crm-freeze-path", Default: "/openapi/v2/member/freezePoint", Arg: "PATH",
		Help: "freeze endpoint, /{contextPath}/{version}/{requestPath}"}
	CRMReleasePath = Setting{Env: "KYLIN_CRM_RELEASE_PATH", Flag: "crm-release-path", Default: "/openapi/v2/member/unfreezePoint", Arg: "PATH",
		Help: "release endpoint"}
	CRMConsumePath = Setting{Env: "KYLIN_CRM_CONSUME_PATH", Flag: "crm-consume-path", Default: "/openapi/v2/member/freezeDeductPoint", Arg: "PATH",
		Help: "consume endpoint"}
	CRMCodesFile = Setting{Env: "KYLIN_CRM_CODES_FILE", Flag: "crm-codes-file", Arg: "PATH",
		Help: "the CRM's business codes and how an answer without success is read, JSON (*.json) or TOML (*.toml), e.g. written by starter crm-check; unset = the defaults (docs/crm.md)"}
	CRMMaxQPS = Setting{Env: "KYLIN_CRM_MAX_QPS", Flag: "crm-max-qps", Default: DefaultCRMMaxQPS, Arg: "N",
		Help: "cap on CRM calls per second across all workers (task-queue rate limit)"}
	CRMAllowInterceptableHTTP = Setting{Env: "KYLIN_CRM_ALLOW_INTERCEPTABLE_HTTP", Flag: "crm-allow-interceptable-http", Default: "false", Arg: "BOOL", Switch: true,
		Help: "accept an http:// KYLIN_CRM_BASE_URL on a host that is not loopback: anyone on the path reads member IDs and can replay the signed headers with another body"}
	LogMemberData = Setting{Env: "KYLIN_LOG_MEMBER_DATA", Flag: "log-member-data", Default: "false", Arg: "BOOL", Switch: true,
		Help: "debugging only: let worker logs carry member IDs and the CRM's free-text messages (otherwise codes and statuses only)"}
	PayloadAllowPlaintext = Setting{Env: "KYLIN_PAYLOAD_ALLOW_PLAINTEXT", Flag: "payload-allow-plaintext", Default: "false", Arg: "BOOL", Switch: true,
		Help: "with KYLIN_PAYLOAD_KEY_FILE, still accept workflow and activity input in plaintext (from clients without the key); otherwise it is refused, not retried"}
	ReconcileEvery = Setting{Env: "KYLIN_RECONCILE_EVERY", Flag: "reconcile-every", Arg: "DURATION",
		Help: "make sure, at start, that the Schedule kylin-points-reconcile counts held points this often (at least 1m), as starter schedule create does; unset = leave it to the starter"}
	LogLevel = Setting{Env: "KYLIN_LOG_LEVEL", Flag: "log-level", Default: "info", Arg: "LEVEL",
		Help: "debug, info, warn or error"}
	UIURL = Setting{Env: "KYLIN_UI_URL", Flag: "ui-url", Default: "http://localhost:8233", Arg: "URL",
		Help: "Temporal Web UI base URL, for the links the starter prints"}
	MetricsAddr = Setting{Env: "KYLIN_METRICS_ADDR", Flag: "metrics-addr", Arg: "HOST:PORT",
		Help: "serve Prometheus /metrics, /healthz and /readyz here, e.g. 127.0.0.1:9090; unset = off"}
	PayloadKeyFile = Setting{Env: "KYLIN_PAYLOAD_KEY_FILE", Flag: "payload-key-file", Arg: "PATH",
		Help: "AES-256-GCM payload keys, one id=base64key a line, the first encrypts; unset = payloads in plaintext"}
	SearchAttributes = Setting{Env: "KYLIN_SEARCH_ATTRIBUTES", Flag: "search-attributes", Default: "true", Arg: "BOOL",
		Help: "upsert the KylinState, KylinPoints, KylinMember and KylinHoldUntil search attributes (the namespace must have them)"}
	CreateSearchAttributes = Setting{Env: "KYLIN_CREATE_SEARCH_ATTRIBUTES", Flag: "create-search-attributes", Default: "auto", Arg: "MODE", Switch: true,
		Help: "create the search attributes the namespace lacks through the operator API: auto (only on a local development server: a loopback address, data in SQLite), true (anywhere) or false (never); never silently"}
	MemberSearch = Setting{Env: "KYLIN_MEMBER_SEARCH", Flag: "member-search", Arg: "MODE",
		Help: "how KylinMember holds the member: hash (keyed, with KYLIN_MEMBER_HASH_KEY_FILE), raw (the ID itself, opt-in) or none; default hash when the key file is set, else none"}
	MemberHashKeyFile = Setting{Env: "KYLIN_MEMBER_HASH_KEY_FILE", Flag: "member-hash-key-file", Arg: "PATH",
		Help: "file holding the key of the member hash (at least 16 characters); give worker and starter the same"}
)

// WorkerSettings are the worker's settings, in --help order.
var WorkerSettings = []Setting{
	TemporalAddress, TemporalNamespace, TaskQueue,
	CRMBaseURL, CRMServiceName, CRMServiceSecret, CRMServiceSecretFile, CRMTimeout,
	CRMMemberType, CRMChannelType, CRMAllowedMemberTypes, CRMAllowedChannelTypes, CRMAllowedPointBizTypes, CRMFreezePath, CRMReleasePath, CRMConsumePath, CRMCodesFile, CRMMaxQPS,
	CRMAllowInterceptableHTTP, ReconcileEvery, LogLevel, LogMemberData, MetricsAddr, PayloadKeyFile, PayloadAllowPlaintext, SearchAttributes, CreateSearchAttributes, MemberSearch, MemberHashKeyFile, WorkerDeploymentName, WorkerBuildID,
}

// StarterSettings are the settings every starter command takes, in --help order.
var StarterSettings = []Setting{TemporalAddress, TemporalNamespace, TaskQueue, UIURL, LogLevel, PayloadKeyFile, MemberSearch, MemberHashKeyFile}

// WriteUsage prints one line per setting: flag, variable, help and default.
func WriteUsage(w io.Writer, settings []Setting) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range settings {
		flag := "(environment only)"
		switch {
		case s.Switch:
			flag = "--" + s.Flag + "[=" + s.Arg + "]"
		case s.Flag != "":
			flag = "--" + s.Flag + " " + s.Arg
		}
		line := "  " + flag + "\t" + s.Env + "\t" + s.Help
		if s.Default != "" {
			line += " (default " + s.Default + ")"
		}
		fmt.Fprintln(tw, line)
	}
	_ = tw.Flush()
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
