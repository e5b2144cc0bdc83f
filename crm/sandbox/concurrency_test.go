package sandbox

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestConcurrentSameTokenHasOneEffect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	const n = 50
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		mu       sync.Mutex
		replayed int
		datas    = map[string]int{}
	)
	for range n {
		wg.Go(func() {
			<-start
			res, err := h.call(crm.OpFreeze, "tok-same", request("m1", 7, ""))
			if !assertNoError(t, err) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			datas[string(res.Data)]++
			if res.Replayed {
				replayed++
			}
		})
	}
	close(start)
	wg.Wait()
	require.Equal(t, n-1, replayed, "one applied, every other one replayed")
	require.Len(t, datas, 1, "every caller got the same answer")
	require.Len(t, h.entries("tok-same"), 1)
	require.Equal(t, 93.0, h.balance("m1").Available)
	h.checkInvariants()
}

func TestConcurrentFreezesNeverOverdraw(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 1000)
	const n = 100
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		mu       sync.Mutex
		ok, poor int
	)
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := h.call(crm.OpFreeze, fmt.Sprintf("tok-%d", i), request("m1", 30, ""))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			if e, isCRM := err.(*crm.Error); isCRM && e.Code == CodePointNotEnough {
				poor++
				return
			}
			t.Errorf("freeze %d: %v", i, err)
		})
	}
	close(start)
	wg.Wait()
	require.Equal(t, 33, ok)
	require.Equal(t, n-33, poor)
	require.Equal(t, Balance{MemberID: "m1", MemberType: crm.DefaultMemberType, Available: 10, Frozen: 990, Granted: 1000}, h.balance("m1"))
	h.checkInvariants()
}

// assertNoError reports err from a goroutine other than the test's.
func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
