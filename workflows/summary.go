package workflows

import (
	"fmt"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// RedemptionSummary is the Web UI's one-line summary of a redemption, for
// client.StartWorkflowOptions.StaticSummary: "redeem 5 points for member m-1: <description>".
func RedemptionSummary(req RedemptionRequest) string {
	return fmt.Sprintf("redeem %s points for member %s: %s", crm.FormatPoints(req.Points), req.MemberID, safetext.Line(req.Description, 0))
}

// FreezeSummary is the Web UI's one-line summary of a FreezePointsWorkflow run,
// for client.StartWorkflowOptions.StaticSummary: "freeze 5 points of member m-1: <description>".
func FreezeSummary(req FreezeRequest) string {
	return fmt.Sprintf("freeze %s points of member %s: %s", crm.FormatPoints(req.Points), req.MemberID, safetext.Line(req.Description, 0))
}

// SettleSummary is the Web UI's one-line summary of a settlement workflow
// (ReleasePointsWorkflowName or ConsumePointsWorkflowName) of req.
func SettleSummary(name string, req SettleRequest) string {
	verb := "release"
	if name == ConsumePointsWorkflowName {
		verb = "consume " + describeAmount(req.Points) + " of"
	}
	return fmt.Sprintf("%s freeze %s: %s points of member %s", verb, req.Freeze.FreezeToken, crm.FormatPoints(req.Freeze.Points), req.Freeze.MemberID)
}

// activitySummary names what one activity does, e.g. "consume 5 points of member m-1".
func activitySummary(verb string, points float64, memberID string) string {
	return fmt.Sprintf("%s %s points of member %s", verb, crm.FormatPoints(points), memberID)
}
