package config

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary values to every worker variable: Load never
// panics, reports each problem on one line, and never repeats the secret.
func FuzzLoad(f *testing.F) {
	f.Add("https://kylinapi.example.com", "10s", "/openapi/v2/member/freezePoint", "5", "info", "--crm-timeout=3s")
	f.Add("kylinapi.example.com", "abc", "freezePoint", "-1", "loud", "--nope")
	f.Add("http://[::1", "0s", "/a/b", "NaN", "", "")
	f.Add("", "1h", "//", "1e400", "debug", "-h")
	f.Fuzz(func(t *testing.T, baseURL, timeout, path, qps, level, arg string) {
		const secret = "fuzz-secret-value-9f3"
		env := map[string]string{
			CRMBaseURL.Env: baseURL, CRMTimeout.Env: timeout, CRMFreezePath.Env: path,
			CRMMaxQPS.Env: qps, LogLevel.Env: level,
			CRMServiceName.Env: "svc", CRMServiceSecret.Env: secret,
		}
		var args []string
		if arg != "" {
			args = []string{arg}
		}
		_, err := Load(args, func(k string) string { return env[k] })
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return
		}
		var p Problems
		if !errors.As(err, &p) {
			t.Fatalf("error %T is not Problems: %v", err, err)
		}
		for _, line := range p {
			if line == "" || strings.Contains(line, "\n") {
				t.Fatalf("problem is not one line: %q", line)
			}
			if strings.Contains(line, secret) {
				t.Fatalf("problem repeats the secret: %q", line)
			}
		}
	})
}
