package crmcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// The worker binary given a bad codes file stops before it contacts
// anything: exit 2, one stderr line per problem, each naming the variable,
// its flag and the file.
func TestWorkerRefusesABadCodesFile(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	codes := filepath.Join(t.TempDir(), "codes.json")
	require.NoError(t, os.WriteFile(codes, []byte(`{"freezeNotFound":["X","X"],"freezeNotEnough":["X"],"sucess":["OK"],"success":[""]}`), 0o600))
	temporalAddr, accepted := testenv.CountingListener(t)
	res := testenv.RunCommand(ctx, t, testenv.Binary(t, "./worker"), testenv.Env(
		"TEMPORAL_ADDRESS="+temporalAddr, "KYLIN_CRM_BASE_URL=http://127.0.0.1:1", "KYLIN_CRM_CODES_FILE="+codes))
	require.Equal(t, 2, res.Code, res.Stderr)
	prefix := "worker: KYLIN_CRM_CODES_FILE (--crm-codes-file) " + codes + ": "
	require.Equal(t, []string{
		prefix + `unknown key "sucess" (the keys are pointNotEnough, freezeNotFound, freezeNotEnough, success, withoutSuccess)`,
		prefix + `freezeNotFound: code "X" is listed twice`,
		prefix + `code "X" is under both freezeNotFound and freezeNotEnough: a code has one meaning (keys the file leaves out keep their defaults: pointNotEnough)`,
		prefix + "success: a code is empty",
	}, strings.Split(strings.TrimSuffix(res.Stderr, "\n"), "\n"))
	require.Empty(t, res.Stdout)
	require.Zero(t, accepted.Load(), "nothing was contacted")
}
