package sandbox

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

// rawAnswer is one answer's status, whether it had `success`, and its code.
type rawAnswer struct {
	status     int
	hasSuccess bool
	code       string
}

// send posts an operation's body, signed, and reads the raw answer.
func (h *harness) send(op, token string, points float64, freezeToken string) rawAnswer {
	h.t.Helper()
	path := map[string]string{crm.OpFreeze: crm.DefaultFreezePath, crm.OpRelease: crm.DefaultReleasePath, crm.OpConsume: crm.DefaultConsumePath}[op]
	status, _, v := h.post(path, token, mustJSON(h.t, validBody("m-1", points, freezeToken)))
	var fields map[string]json.RawMessage
	require.NoError(h.t, json.Unmarshal(v.raw, &fields))
	_, has := fields["success"]
	return rawAnswer{status, has, v.Code}
}

// Each profile differs where it says and nowhere else: a freeze, its
// release, a consume of the released freeze, a release of a freeze never
// made, and a freeze refused for want of points, as each profile answers.
func TestProfilesAnswerAsTheySay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		profile string
		// answers to: freeze, release, consume of the released, release of none, freeze of too much
		want [5]rawAnswer
	}{
		{ProfileDefault, [5]rawAnswer{
			{200, true, CodeSuccess}, {200, true, CodeSuccess}, {200, true, CodeFreezeNotEnough}, {200, true, CodeFreezeNotFound}, {200, true, CodePointNotEnough}}},
		{ProfileOtherCodes, [5]rawAnswer{{200, true, "0"}, {200, true, "0"}, {200, true, "40009"}, {200, true, "40004"}, {200, true, "40001"}}},
		{ProfileNoSuccess, [5]rawAnswer{
			{200, false, CodeSuccess}, {200, false, CodeSuccess}, {200, false, CodeFreezeNotEnough}, {200, false, CodeFreezeNotFound}, {200, false, CodePointNotEnough}}},
		{ProfileSettledNotFound, [5]rawAnswer{
			{200, true, CodeSuccess}, {200, true, CodeSuccess}, {200, true, CodeFreezeNotFound}, {200, true, CodeFreezeNotFound}, {200, true, CodePointNotEnough}}},
		{ProfileShortMemory, [5]rawAnswer{
			{200, true, CodeSuccess}, {200, true, CodeSuccess}, {200, true, CodeFreezeNotEnough}, {200, true, CodeFreezeNotFound}, {200, true, CodePointNotEnough}}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			p, err := ProfileNamed(tt.profile)
			require.NoError(t, err)
			h := newHarness(t, func(c *Config) { c.Profile = p })
			h.grant("m-1", 10)
			got := [5]rawAnswer{
				h.send(crm.OpFreeze, "f1", 2, ""),
				h.send(crm.OpRelease, "r1", 2, "f1"),
				h.send(crm.OpConsume, "c1", 2, "f1"),
				h.send(crm.OpRelease, "r2", 2, "never"),
				h.send(crm.OpFreeze, "f2", 11, ""),
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, Balance{MemberID: "m-1", MemberType: crm.DefaultMemberType, Available: 10, Granted: 10}, h.balance("m-1"))
			h.checkInvariants()
			stats := h.srv.Stats()
			require.NotZero(t, stats.Calls[crm.OpRelease]["rejected:"+CodeFreezeNotFound], "stats keep the sandbox's own codes: %+v", stats)
		})
	}
}

// A profile with a short memory takes a token it forgot for a new request
// and applies it again, as such a CRM would: the ledger then shows two
// effects under one token, which CheckInvariants reports. Within its memory,
// it replays.
func TestShortMemoryAppliesAForgottenTokenAgain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		profile Profile
		forget  func(h *harness, now *time.Time)
	}{
		{"after N tokens", Profile{Name: "n", TokenMemory: 2}, func(h *harness, _ *time.Time) {
			h.send(crm.OpRelease, "other-1", 1, "never")
			h.send(crm.OpRelease, "other-2", 1, "never")
		}},
		{"after a time", Profile{Name: "ttl", TokenTTL: time.Minute}, func(_ *harness, now *time.Time) { *now = now.Add(2 * time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := time.Now()
			h := newHarness(t, func(c *Config) {
				c.Profile = tc.profile
				c.Now = func() time.Time { return now }
				c.MaxSkew = time.Hour
			})
			h.grant("m-1", 10)
			require.Equal(t, CodeSuccess, h.send(crm.OpFreeze, "f1", 2, "").code)
			_, headers, _ := h.post(crm.DefaultFreezePath, "f1", mustJSON(t, validBody("m-1", 2, "")))
			require.Equal(t, "true", headers.Get(crm.HeaderReplayed), "within its memory, a replay")
			require.Len(t, h.entries("f1"), 1)

			tc.forget(h, &now)
			_, headers, _ = h.post(crm.DefaultFreezePath, "f1", mustJSON(t, validBody("m-1", 2, "")))
			require.Empty(t, headers.Get(crm.HeaderReplayed), "forgotten: applied as new")
			require.Len(t, h.entries("f1"), 2, "two effects under one token")
			require.ErrorContains(t, h.srv.CheckInvariants(context.Background()), "token f1: 2 effects")

			// Both freezes are released by the freeze token, one at a time.
			require.Equal(t, CodeSuccess, h.send(crm.OpRelease, "r1", 2, "f1").code)
			require.Equal(t, CodeSuccess, h.send(crm.OpRelease, "r2", 2, "f1").code)
			require.Zero(t, h.balance("m-1").Frozen)
		})
	}
}

func TestProfileNamed(t *testing.T) {
	t.Parallel()
	for _, p := range Profiles() {
		got, err := ProfileNamed(p.Name)
		require.NoError(t, err)
		require.Equal(t, p, got)
		require.NoError(t, got.validate())
	}
	def, err := ProfileNamed("")
	require.NoError(t, err)
	require.Equal(t, ProfileDefault, def.Name)
	_, err = ProfileNamed("chatty")
	require.EqualError(t, err, `no sandbox profile "chatty" (one of default, other-codes, no-success, settled-not-found, short-memory)`)
	require.Equal(t, "other-codes (FREEZE_NOT_ENOUGH→40009, FREEZE_NOT_FOUND→40004, POINT_NOT_ENOUGH→40001, SUCCESS→0)",
		Profile{Name: ProfileOtherCodes, Codes: OtherCodes}.String())

	_, err = New(Config{Profile: Profile{Name: "bad", TokenMemory: -1}})
	require.ErrorContains(t, err, "must not be negative")
	_, err = New(Config{Profile: Profile{Name: "bad", Codes: map[string]string{CodeSuccess: "X", CodeFreezeNotFound: "X"}}})
	require.ErrorContains(t, err, "taken by another code")
}
