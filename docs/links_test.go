// Package docs holds no code: its test checks that the documentation's
// relative links and #anchors lead somewhere.
package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// pages are the documents whose links are checked, relative to the module root.
func pages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("*.md")
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	for i, d := range docs {
		docs[i] = filepath.Join("docs", d)
	}
	return append([]string{"README.md", "BENCHMARKS.md"}, docs...)
}

// TestLinks checks every relative link and #anchor of the README, the
// benchmarks page and docs/*.md: the file must exist, and an anchor must
// name a heading of the page it points to, as GitHub names them.
func TestLinks(t *testing.T) {
	t.Parallel()
	root := ".."
	var all []string
	for _, p := range pages(t) {
		problems, err := deadLinks(root, p)
		require.NoError(t, err)
		all = append(all, problems...)
	}
	require.Empty(t, all, "dead links:\n%s", strings.Join(all, "\n"))
}

// The checker finds what it must: a missing file, a missing heading, a
// missing heading in another page; it passes links into code blocks, links
// out of the repository and images that exist.
func TestDeadLinksFindsWhatIsDead(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "docs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "docs", "other.md"), []byte("# Other\n\n## The `points` service\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "docs", "pic.png"), []byte("png"), 0o644))
	page := strings.Join([]string{
		"# Title",
		"## Setup, and what it needs",
		"[ok](#setup-and-what-it-needs) [ok](other.md#the-points-service) [ok](../README.md) ![ok](pic.png)",
		"[ok](https://example.com/x.md#nowhere) [ok](mailto:a@example.com) [ok](#title)",
		"[dead](#setup) [dead](missing.md) [dead](other.md#nowhere) ![dead](gone.png)",
		"`[not a link](#in-code)`",
		"```",
		"[not a link](#in-a-block)",
		"```",
		"[ref]: other.md#nowhere-either",
	}, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(root, "docs", "page.md"), []byte(page), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "README.md"), []byte("# R\n"), 0o644))
	problems, err := deadLinks(root, filepath.Join("docs", "page.md"))
	require.NoError(t, err)
	require.Equal(t, []string{
		"docs/page.md:5: #setup: no such heading",
		"docs/page.md:5: missing.md: no such file",
		"docs/page.md:5: other.md#nowhere: no such heading in docs/other.md",
		"docs/page.md:5: gone.png: no such file",
		"docs/page.md:10: other.md#nowhere-either: no such heading in docs/other.md",
	}, problems)
}

func TestAnchor(t *testing.T) {
	t.Parallel()
	for heading, want := range map[string]string{
		"What happens on each CRM answer":                  "what-happens-on-each-crm-answer",
		"The Nexus service `points`":                       "the-nexus-service-points",
		"Nexus, from a workflow in another namespace":      "nexus-from-a-workflow-in-another-namespace",
		"Examples, the Web UI picture and the docs' links": "examples-the-web-ui-picture-and-the-docs-links",
		"Go: the steps as functions":                       "go-the-steps-as-functions",
		"**Bold** and [a link](x.md) — dashes":             "bold-and-a-link--dashes",
		"snake_case and 2 numbers":                         "snake_case-and-2-numbers",
		"积分 兑换":                                            "积分-兑换",
	} {
		require.Equal(t, want, anchor(heading), heading)
	}
	require.Equal(t, map[string]bool{"a": true, "a-1": true, "a-2": true, "b": true},
		anchors("# A\n## A\n```\n# not a heading\n```\n### A\n# B\n"), "repeated headings get -1, -2")
}

var (
	// inlineLink is [text](target) or ![alt](target); the target ends at
	// a space (a title follows) or the closing parenthesis.
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// refLink is a reference definition: [label]: target.
	refLink = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s+(\S+)`)
	// codeSpan is inline code, whose text is no link.
	codeSpan = regexp.MustCompile("`[^`]*`")
	heading  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	// htmlAnchor is an explicit anchor: <a id="x"> or <a name="x">.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
)

// deadLinks returns one line per dead relative link of page (relative to
// root): "page:line: target: why".
func deadLinks(root, page string) ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		return nil, err
	}
	own := anchors(string(raw))
	var problems []string
	for n, line := range proseLines(string(raw)) {
		if line == "" {
			continue
		}
		var targets []string
		for _, m := range inlineLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
			targets = append(targets, m[1])
		}
		if m := refLink.FindStringSubmatch(line); m != nil {
			targets = append(targets, m[1])
		}
		for _, target := range targets {
			if why := checkTarget(root, page, own, target); why != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", filepath.ToSlash(page), n+1, target, why))
			}
		}
	}
	return problems, nil
}

// checkTarget says why target, linked from page, leads nowhere ("" when it
// leads somewhere). Links with a scheme are not followed.
func checkTarget(root, page string, own map[string]bool, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	file, frag, _ := strings.Cut(target, "#")
	if file == "" {
		if !own[frag] {
			return "no such heading"
		}
		return ""
	}
	path := filepath.Join(filepath.Dir(filepath.Join(root, page)), filepath.FromSlash(file))
	if _, err := os.Stat(path); err != nil {
		return "no such file"
	}
	if frag == "" || !strings.HasSuffix(file, ".md") {
		return ""
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if !anchors(string(raw))[frag] {
		rel, _ := filepath.Rel(root, path)
		return "no such heading in " + filepath.ToSlash(rel)
	}
	return ""
}

// proseLines are the lines of a Markdown text, with the lines of fenced
// code blocks blanked, so that numbering stays.
func proseLines(text string) []string {
	lines := strings.Split(text, "\n")
	inFence := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			lines[i] = ""
			continue
		}
		if inFence {
			lines[i] = ""
		}
	}
	return lines
}

// anchors are the anchors GitHub gives a page's headings (a repeated one
// gets -1, -2, …), and its explicit HTML anchors.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range proseLines(text) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(l, -1) {
			out[m[1]] = true
		}
		m := heading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		a := anchor(m[1])
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// markup is what a heading's rendered text leaves out: emphasis and code
// marks, and a link's target (its text stays).
var markup = regexp.MustCompile("\\]\\([^)]*\\)|[*`\\[]")

// anchor is GitHub's anchor of a heading: its text in lower case, with
// every character that is not a letter, a number, a mark, an underscore, a
// hyphen or a space left out, and each space made a hyphen.
func anchor(headingText string) string {
	text := markup.ReplaceAllString(headingText, "")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
