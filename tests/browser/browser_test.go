// Package browser checks, in a real headless Chromium, that the dev stack's
// Temporal Web UI shows the demo redemption as users will see it.
package browser

import (
	"bytes"
	"context"
	"image/png"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"

	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// pageTimeout bounds the wait for the Svelte app to render the run.
const pageTimeout = 60 * time.Second

// screenshotFile is where KYLIN_UPDATE_SCREENSHOT=1 writes the screenshot,
// relative to the module root.
const screenshotFile = "docs/demo-run.png"

// TestDemoRunInWebUI runs the dev stack's demo and opens the run's history
// page in Chromium: it must show the workflow ID, the summary the starter
// set and the status Completed. The screenshot goes to docs/demo-run.png
// with KYLIN_UPDATE_SCREENSHOT=1, else to a temporary directory. A
// redemption left FROZEN is then found in the list filtered by state, and
// its User Metadata tab shows what it waits for.
func TestDemoRunInWebUI(t *testing.T) {
	execPath := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	stack := testenv.StartDevStack(ctx, t, devstack.Options{})
	var demo bytes.Buffer
	st, err := stack.RunDemo(ctx, &demo)
	require.NoError(t, err, demo.String())
	require.Equal(t, workflows.StateConsumed, st.State)

	desc, err := stack.Client().DescribeWorkflowExecution(ctx, st.WorkflowID, "")
	require.NoError(t, err)
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	var summary string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(
		desc.GetExecutionConfig().GetUserMetadata().GetSummary(), &summary))
	require.Equal(t, workflows.RedemptionSummary(workflows.RedemptionRequest{
		MemberID: devstack.DemoMember, Points: devstack.DemoPoints, Description: devstack.DemoDescription,
	}), summary)

	tab := newBrowser(ctx, t, execPath)
	url := stack.RunURL(st.WorkflowID, runID)
	navCtx, cancelNav := context.WithTimeout(tab, pageTimeout)
	defer cancelNav()
	require.NoError(t, chromedp.Do(navCtx, chromedp.Navigate(url)), url)
	text, err := waitForText(tab, pageTimeout, st.WorkflowID, summary, line("Completed"))
	require.NoError(t, err, "%s shows:\n%s", url, text)

	shotCtx, cancelShot := context.WithTimeout(tab, 30*time.Second)
	defer cancelShot()
	shot, err := wholePage(shotCtx)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err, "the screenshot must be a PNG")
	require.Positive(t, img.Bounds().Dx())

	path := filepath.Join(t.TempDir(), filepath.Base(screenshotFile))
	if os.Getenv("KYLIN_UPDATE_SCREENSHOT") == "1" {
		path = filepath.Join(testenv.ModuleRoot(t), screenshotFile)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	}
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot of %s written to %s", url, path)

	t.Run("the list filtered by state, and what a run waits for", func(t *testing.T) {
		// One redemption left FROZEN beside the CONSUMED demo: the UI's
		// list, filtered on the search attribute KylinState, shows the one.
		held := "redeem-browser-held"
		frozen, _, err := workflows.Redeem(ctx, stack.Client(), held, devstack.TaskQueue, workflows.RedemptionRequest{
			MemberID: "demo-member-2", Points: 2, Description: "held for the browser", HoldSeconds: 3600})
		require.NoError(t, err)
		require.Equal(t, workflows.StateFrozen, frozen.State)
		list := stack.UIURL() + "/namespaces/" + devstack.Namespace + "/workflows?query=" + neturl.QueryEscape(`KylinState="FROZEN"`)
		text, err := waitForListed(tab, list, held)
		require.NoError(t, err, "%s shows:\n%s", list, text)
		require.NotContains(t, text, st.WorkflowID, "the CONSUMED demo is filtered out")

		// What the run waits for, its current details: the run's User
		// Metadata tab asks the worker (the SDK's metadata query) and renders
		// the text in a frame of its own.
		desc, err := stack.Client().DescribeWorkflowExecution(ctx, held, "")
		require.NoError(t, err)
		page := stack.RunURL(held, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId())
		page = strings.TrimSuffix(page, "/history") + "/user-metadata"
		navCtx, cancelNav := context.WithTimeout(tab, pageTimeout)
		defer cancelNav()
		require.NoError(t, chromedp.Do(navCtx, chromedp.Navigate(page)), page)
		frames, err := waitForFrameText(tab, pageTimeout, "FROZEN: 2 points of member demo-member-2 held for confirm/cancel until ")
		require.NoError(t, err, "%s shows in its frames:\n%s", page, frames)

		_, _, err = workflows.Decide(ctx, stack.Client(), held, workflows.UpdateCancel, 0)
		require.NoError(t, err)
	})
}

// waitForListed opens the list page until it shows id: visibility catches
// up with a new run within moments, and the list does not refresh itself.
func waitForListed(tab context.Context, url, id string) (string, error) {
	deadline := time.Now().Add(pageTimeout)
	for {
		navCtx, cancel := context.WithTimeout(tab, pageTimeout)
		err := chromedp.Do(navCtx, chromedp.Navigate(url))
		cancel()
		if err != nil {
			return "", err
		}
		text, err := waitForText(tab, 10*time.Second, id)
		if err == nil || time.Now().After(deadline) {
			return text, err
		}
	}
}
