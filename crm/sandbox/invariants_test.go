package sandbox

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

// corrupt writes to the ledger behind the server's back.
func corrupt(t *testing.T, s *Server, query string, args ...any) {
	t.Helper()
	_, err := s.db.ExecContext(t.Context(), query, args...)
	require.NoError(t, err)
}

func TestCheckInvariantsCatchesCorruption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{"available raised", `UPDATE members SET available = available + 1 WHERE member_id = 'm1'`, "!= granted"},
		{"points moved without an entry", `UPDATE members SET available = available - 100, frozen = frozen + 100 WHERE member_id = 'm1'`, "differ from its entries"},
		{"negative frozen", `UPDATE members SET frozen = -500, available = available + 2500 WHERE member_id = 'm1'`, "negative"},
		{"a second effect for a token", `INSERT INTO entries (token, op, member_id, amount, freeze_token, created_at)
			SELECT token, op, member_id, amount, freeze_token, created_at FROM entries WHERE token = 'tok-c'`, "token tok-c: 2 effects"},
		{"freeze settled beyond its amount", `UPDATE freezes SET released = 2500 WHERE token = 'tok-f'`, "within the amount"},
		{"effect under a rejected token", `INSERT INTO entries (token, op, member_id, amount, created_at) VALUES ('tok-rejected', 'freeze', 'm1', 1, 0)`, "no applied freeze record"},
		{"applied record without its entry", `DELETE FROM entries WHERE token = 'tok-c'`, "has no entry"},
		{"entry of an unknown member", `UPDATE entries SET member_id = 'ghost' WHERE token = 'tok-c'`, "unknown member"},
		{"settling a freeze the member does not hold", `UPDATE entries SET freeze_token = 'tok-nothing' WHERE token = 'tok-c'`, "does not hold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			h.grant("m1", 100)
			_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 30, ""))
			require.NoError(t, err)
			_, err = h.call(crm.OpConsume, "tok-c", request("m1", 10, "tok-f"))
			require.NoError(t, err)
			_, err = h.call(crm.OpFreeze, "tok-rejected", request("m1", 500, ""))
			require.Error(t, err)
			h.checkInvariants()

			corrupt(t, h.srv, tc.query)
			err = h.srv.CheckInvariants(t.Context())
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}
