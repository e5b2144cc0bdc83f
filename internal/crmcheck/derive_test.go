package crmcheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestDeriveCodes(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	applied := func(name, code string, success *bool) StepResult {
		return StepResult{Step: name, Status: 200, Success: success, Code: code, Verdict: VerdictOK, kind: kindFresh,
			bare: success == nil && code == ""}
	}
	refused := func(name string, k kind, code string, success *bool) StepResult {
		return StepResult{Step: name, Status: 200, Success: success, Code: code, Verdict: VerdictUnknown, kind: k}
	}
	tests := []struct {
		name    string
		steps   []StepResult
		want    crm.Codes
		comment string
	}{
		{"nothing seen keeps the mapping, read by code", nil,
			crm.Codes{PointNotEnough: []string{"POINT_NOT_ENOUGH"}, FreezeNotFound: []string{"FREEZE_NOT_FOUND"},
				FreezeNotEnough: []string{"FREEZE_NOT_ENOUGH"}, Success: []string{"SUCCESS"}, WithoutSuccess: crm.WithoutSuccessReadCode},
			"pointNotEnough: the check cannot see it"},
		{"a CRM that reuses a default code for another meaning",
			[]StepResult{applied("freeze", "POINT_NOT_ENOUGH", &yes), refused("release-never-frozen", kindNever, "E1", &no)},
			crm.Codes{PointNotEnough: []string{}, FreezeNotFound: []string{"E1"}, FreezeNotEnough: []string{"FREEZE_NOT_ENOUGH"},
				Success: []string{"POINT_NOT_ENOUGH"}, WithoutSuccess: crm.WithoutSuccessReadCode},
			"success: seen in freeze"},
		{"a settled freeze answered like one never made",
			[]StepResult{refused("release-never-frozen", kindNever, "NF", &no), refused("consume-settled", kindSettled, "NF", &no)},
			crm.Codes{PointNotEnough: []string{"POINT_NOT_ENOUGH"}, FreezeNotFound: []string{"NF"}, FreezeNotEnough: []string{"FREEZE_NOT_ENOUGH"},
				Success: []string{"SUCCESS"}, WithoutSuccess: crm.WithoutSuccessReadCode},
			"freezeNotEnough: not seen"},
		{"an applied answer with neither success nor code",
			[]StepResult{applied("freeze", "", nil), refused("consume-never-frozen", kindNever, "NF", nil)},
			crm.Codes{PointNotEnough: []string{"POINT_NOT_ENOUGH"}, FreezeNotFound: []string{"NF"}, FreezeNotEnough: []string{"FREEZE_NOT_ENOUGH"},
				Success: []string{"SUCCESS"}, WithoutSuccess: crm.WithoutSuccessApplied},
			"withoutSuccess: applied"},
		{"an applied answer without success but with a code",
			[]StepResult{applied("freeze", "OK", nil), refused("consume-settled", kindSettled, "LOW", nil)},
			crm.Codes{PointNotEnough: []string{"POINT_NOT_ENOUGH"}, FreezeNotFound: []string{"FREEZE_NOT_FOUND"}, FreezeNotEnough: []string{"LOW"},
				Success: []string{"OK"}, WithoutSuccess: crm.WithoutSuccessReadCode},
			"freezeNotEnough: seen in consume-settled"},
		{"skipped and non-2xx steps say nothing",
			[]StepResult{{Step: "release-never-frozen", Status: 404, Code: "X", kind: kindNever}, {Step: "freeze", Status: 200, Code: "Y", Verdict: VerdictSkipped, kind: kindFresh}},
			crm.Codes{PointNotEnough: []string{"POINT_NOT_ENOUGH"}, FreezeNotFound: []string{"FREEZE_NOT_FOUND"},
				FreezeNotEnough: []string{"FREEZE_NOT_ENOUGH"}, Success: []string{"SUCCESS"}, WithoutSuccess: crm.WithoutSuccessReadCode}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, comments := DeriveCodes(Report{RunID: "run-1", BaseURL: "https://crm.example", Steps: tt.steps}, crm.DefaultCodes())
			require.Equal(t, tt.want, got)
			require.Empty(t, got.Problems())
			require.True(t, strings.HasPrefix(comments[0], "written by starter crm-check, run run-1 against https://crm.example"))
			require.Contains(t, strings.Join(comments, "\n"), tt.comment)
		})
	}
}
