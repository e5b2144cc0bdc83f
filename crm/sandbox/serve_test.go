package sandbox

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestServeSeedsServesAndStops(t *testing.T) {
	t.Parallel()
	for _, demo := range []bool{true, false} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		s, err := Serve(context.Background(), l, Config{Callers: map[string]Caller{testService: {Secret: testSecret}}}, demo)
		require.NoError(t, err)

		resp, err := http.Get("http://" + l.Addr().String() + adminPrefix + "members/demo-member-1")
		require.NoError(t, err)
		if demo {
			var b Balance
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
			require.Equal(t, Balance{MemberID: "demo-member-1", MemberType: crm.DefaultMemberType, Available: 1000, Granted: 1000}, b)
		} else {
			require.Equal(t, http.StatusNotFound, resp.StatusCode, "no demo members unless asked")
		}
		require.NoError(t, resp.Body.Close())

		select {
		case <-s.Stopped():
			t.Fatal("stopped before Stop")
		default:
		}
		require.NoError(t, s.Stop(time.Second))
		<-s.Stopped()
		require.NoError(t, s.Err(), "stopped by Stop, not by a failure")
		_, err = net.DialTimeout("tcp", l.Addr().String(), time.Second)
		require.Error(t, err, "the listener is closed")
		_, err = s.Balance(context.Background(), "demo-member-1")
		require.Error(t, err, "the ledger is closed")
	}
}

func TestServeReportsAListenerThatFails(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s, err := Serve(context.Background(), l, Config{Callers: map[string]Caller{testService: {Secret: testSecret}}}, false)
	require.NoError(t, err)
	require.NoError(t, l.Close())
	select {
	case <-s.Stopped():
	case <-time.After(5 * time.Second):
		t.Fatal("serving did not stop when its listener closed")
	}
	require.Error(t, s.Err())
	require.ErrorIs(t, s.Stop(time.Second), s.Err(), "Stop says why serving had stopped")
}
