package sandbox

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestRestartOnTheSameFileLosesNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	first := newHarness(t, func(c *Config) { c.Path = path })
	var mode string
	require.NoError(t, first.srv.db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode))
	require.Equal(t, "wal", mode)
	var syncMode int
	require.NoError(t, first.srv.db.QueryRowContext(t.Context(), `PRAGMA synchronous`).Scan(&syncMode))
	require.Equal(t, 2, syncMode, "synchronous=FULL")

	first.grant("m1", 100)
	frozen, err := first.call(crm.OpFreeze, "tok-f", request("m1", 30, ""))
	require.NoError(t, err)
	_, err = first.call(crm.OpConsume, "tok-c", request("m1", 10, "tok-f"))
	require.NoError(t, err)
	_, err = first.call(crm.OpFreeze, "tok-rejected", request("m1", 500, ""))
	require.Error(t, err)
	before := first.balance("m1")
	recBefore, err := first.srv.Record(t.Context(), "tok-f")
	require.NoError(t, err)
	first.http.Close()
	require.NoError(t, first.srv.Close())

	second := newHarness(t, func(c *Config) { c.Path = path })
	require.Equal(t, before, second.balance("m1"))
	recAfter, err := second.srv.Record(t.Context(), "tok-f")
	require.NoError(t, err)
	require.Equal(t, recBefore, recAfter)
	again, err := second.call(crm.OpFreeze, "tok-f", request("m1", 30, ""))
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, string(frozen.Data), string(again.Data))
	_, err = second.call(crm.OpFreeze, "tok-rejected", request("m1", 500, ""))
	require.Equal(t, CodePointNotEnough, crmError(t, err).Code, "the stored rejection survives too")
	_, err = second.call(crm.OpRelease, "tok-r", request("m1", 20, "tok-f"))
	require.NoError(t, err, "the freeze survives and can be settled")
	require.Equal(t, Balance{MemberID: "m1", MemberType: crm.DefaultMemberType, Available: 90, Consumed: 10, Granted: 100}, second.balance("m1"))
	second.checkInvariants()
}

func TestCloseIsIdempotentAndRefusesLaterWork(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Callers: map[string]Caller{testService: {Secret: testSecret}}})
	require.NoError(t, err)
	_, err = s.Grant(t.Context(), "m1", "", 1)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err = s.Grant(t.Context(), "m1", "", 1)
	require.ErrorIs(t, err, errClosed)

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, crm.DefaultFreezePath, nil)
	s.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code, "checks before the ledger still answer")

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, crm.DefaultFreezePath, bytes.NewReader(mustJSON(t, validBody("m1", 1, ""))))
	signRequest(req, testService, testSecret, time.Now())
	req.Header.Set(crm.HeaderBusinessToken, "tok-late")
	s.ServeHTTP(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, "the ledger is closed: retry elsewhere")
}
