package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's chromium on PATH. Without it the test fails in
// CI (CI=true), where the browser check is required, and is skipped on a
// developer's machine.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	msg := "chromium not found on PATH (" + err.Error() + "); install Debian's chromium package to run the browser check"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless chromium with a fresh profile, closed when t
// ends, and returns a context of one tab in it. The browser lives until
// parent ends; bound each step with a context derived from the tab's.
func newBrowser(parent context.Context, t *testing.T, execPath string) context.Context {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first action starts the browser; it must not carry a step's timeout.
	require.NoError(t, chromedp.Do(tabCtx), "starting chromium")
	return tabCtx
}

// waitForText polls the page's visible text until it holds every one of
// want, or timeout passes; it returns the last text seen. A want written
// as a line, "\n"+word+"\n", must be a line of its own (case aside, as
// the page may upper-case it with CSS): a badge, not part of a sentence.
func waitForText(tabCtx context.Context, timeout time.Duration, want ...string) (string, error) {
	ctx, cancel := context.WithTimeout(tabCtx, timeout)
	defer cancel()
	var text string
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil {
			text = got
			if missing := missingFrom(text, want); len(missing) == 0 {
				return text, nil
			}
		}
		select {
		case <-ctx.Done():
			return text, fmt.Errorf("page still lacks %q after %s (last error %v)", missingFrom(text, want), timeout, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitForFrameText polls the text of the page's frames (the UI renders
// summaries and details in same-origin frames of their own) until one holds
// want, or timeout passes; it returns the last texts seen.
func waitForFrameText(tabCtx context.Context, timeout time.Duration, want string) (string, error) {
	ctx, cancel := context.WithTimeout(tabCtx, timeout)
	defer cancel()
	const frameTexts = `Array.from(document.querySelectorAll("iframe"))
		.map(f => f.contentDocument && f.contentDocument.body ? f.contentDocument.body.innerText.trim() : "")
		.join("\n")`
	var text string
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](frameTexts))
		if err == nil {
			if text = got; strings.Contains(text, want) {
				return text, nil
			}
		}
		select {
		case <-ctx.Done():
			return text, fmt.Errorf("no frame shows %q after %s (last error %v)", want, timeout, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// line makes a want of waitForText that must be a line of its own.
func line(word string) string { return "\n" + word + "\n" }

func missingFrom(text string, want []string) []string {
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[strings.ToLower(strings.TrimSpace(l))] = true
	}
	var missing []string
	for _, w := range want {
		found := strings.Contains(text, w)
		if word, ok := strings.CutPrefix(w, "\n"); ok {
			found = lines[strings.ToLower(strings.TrimSuffix(word, "\n"))]
		}
		if !found {
			missing = append(missing, strings.TrimSpace(w))
		}
	}
	return missing
}

// screenshotWidth and maxScreenshotHeight bound the screenshot, in CSS
// pixels: wide enough for the event details, tall enough for a short history.
const (
	screenshotWidth     = 1920
	maxScreenshotHeight = 3000
)

// contentBottom is the lowest edge of what the Web UI's main pane shows:
// of its visible leaf elements, as its panes and closed menus stretch further.
const contentBottom = `Math.ceil(Math.max(0, ...Array.from(document.querySelectorAll("main *"))
	.filter(e => e.childElementCount === 0 && e.getBoundingClientRect().height > 0 &&
		e.checkVisibility({opacityProperty: true, visibilityProperty: true}))
	.map(e => e.getBoundingClientRect().bottom)))`

// wholePage takes a PNG screenshot of the whole page. The Web UI scrolls
// inside its own panes, so the viewport is made tall (bounded), and then
// shrunk to the bottom of the main pane's content before the capture.
func wholePage(ctx context.Context) ([]byte, error) {
	if err := resize(ctx, maxScreenshotHeight); err != nil {
		return nil, err
	}
	bottom, err := chromedp.Run(ctx, chromedp.Evaluate[int64](contentBottom))
	if err != nil {
		return nil, err
	}
	if err := resize(ctx, min(max(bottom+24, 600), maxScreenshotHeight)); err != nil {
		return nil, err
	}
	return chromedp.Run(ctx, chromedp.CaptureScreenshot())
}

// resize sets the viewport and gives the app a moment to lay itself out.
func resize(ctx context.Context, height int64) error {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(screenshotWidth, height)); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Second):
		return nil
	}
}
