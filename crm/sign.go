package crm

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Gateway header names (docs/crm.md, Request and Signing).
const (
	HeaderBusinessToken = "X-Business-Token"
	HeaderCallerService = "X-Caller-Service"
	HeaderCallerTime    = "X-Caller-Timestamp"
	HeaderCallerSign    = "X-Caller-Sign"
	// HeaderReplayed is set by the sandbox when an answer comes from its
	// idempotency record rather than a new effect. Real gateways may omit it.
	HeaderReplayed = "X-Idempotent-Replayed"
)

// TimestampLayout is the gateway's timestamp format, always in GMT+8.
const TimestampLayout = "2006-01-02 15:04:05"

// gmt8 is the gateway's fixed zone; a fixed offset avoids depending on tzdata.
var gmt8 = time.FixedZone("GMT+8", 8*60*60)

// FormatTimestamp renders t as the gateway expects in X-Caller-Timestamp.
func FormatTimestamp(t time.Time) string {
	return t.In(gmt8).Format(TimestampLayout)
}

// ParseTimestamp reads an X-Caller-Timestamp value.
func ParseTimestamp(s string) (time.Time, error) {
	return time.ParseInLocation(TimestampLayout, s, gmt8)
}

// GatewayPath is a request URL path split the way the gateway signs it:
// /{contextPath}/{version}{requestPath}.
type GatewayPath struct {
	ContextPath string
	Version     string
	RequestPath string
}

// SplitPath splits "/openapi/v2/member/freezePoint" into its signed parts.
func SplitPath(path string) (GatewayPath, error) {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return GatewayPath{}, fmt.Errorf("path %q is not /{contextPath}/{version}/{requestPath}", path)
	}
	return GatewayPath{ContextPath: parts[0], Version: parts[1], RequestPath: "/" + parts[2]}, nil
}

// Sign computes X-Caller-Sign: the uppercase hex MD5 of
// secret + "callerService" + service + "contextPath" + ctx + "requestPath" + path
// + "timestamp" + ts + "v" + version + secret. Each requestPath segment is URL-encoded.
func Sign(serviceName, secret, timestamp string, p GatewayPath) string {
	var b strings.Builder
	b.WriteString(secret)
	b.WriteString("callerService")
	b.WriteString(serviceName)
	b.WriteString("contextPath")
	b.WriteString(p.ContextPath)
	b.WriteString("requestPath")
	b.WriteString(escapeSegments(p.RequestPath))
	b.WriteString("timestamp")
	b.WriteString(timestamp)
	b.WriteString("v")
	b.WriteString(p.Version)
	b.WriteString(secret)
	sum := md5.Sum([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func escapeSegments(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
