package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kylinpoints/kylin-points/crm"
)

// BenchmarkFreeze measures freezes through the real client, 16 callers per
// CPU, each a new token (one ledger effect each), in memory and on a file.
func BenchmarkFreeze(b *testing.B) {
	for _, mode := range []string{"memory", "file"} {
		b.Run(mode, func(b *testing.B) {
			cfg := Config{Callers: map[string]Caller{testService: {Secret: testSecret}}}
			if mode == "file" {
				cfg.Path = filepath.Join(b.TempDir(), "ledger.db")
			}
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Grant(context.Background(), "m1", "", crm.MaxPoints); err != nil {
				b.Fatal(err)
			}
			hs := httptest.NewServer(s)
			defer hs.Close()
			client := &crm.Client{BaseURL: hs.URL, ServiceName: testService, Secret: testSecret, HTTPClient: &http.Client{Transport: crm.NewTransport()}}
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					token := fmt.Sprintf("bench-%d", n.Add(1))
					if _, err := client.Freeze(context.Background(), token, request("m1", 1, "")); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if err := s.CheckInvariants(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
