package bench

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // descending: percentile must sort
	}
	tests := []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p50 of an odd count", ms(3, 1, 2), 50, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, percentile(tt.ds, tt.p))
		})
	}
}

func TestSummarise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xs   []float64
		want summary
		ok   bool
	}{
		{"empty", nil, summary{}, false},
		{"odd", []float64{5, 1, 3}, summary{median: 3, min: 1, max: 5, n: 3}, true},
		{"even", []float64{4, 1, 2, 10}, summary{median: 3, min: 1, max: 10, n: 4}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := summarise(tt.xs)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestTargetVerdict(t *testing.T) {
	t.Parallel()
	c := newCollector()
	for _, v := range []float64{90, 100, 95} {
		c.add("A", "x/s", v)
	}
	for _, v := range []float64{100, 100, 120} {
		c.add("B", "x/s", v)
	}
	tests := []struct {
		name    string
		t       target
		value   float64
		verdict string
	}{
		{"ratio met", target{of: figureKey{"A", "x/s"}, over: figureKey{"B", "x/s"}, atLeast: 0.9, atMost: noBound}, 0.95, "met"},
		{"ratio missed", target{of: figureKey{"A", "x/s"}, over: figureKey{"B", "x/s"}, atLeast: 0.99, atMost: noBound}, 0.95, "MISSED"},
		{"ceiling missed", target{of: figureKey{"B", "x/s"}, atLeast: noBound, atMost: 90}, 100, "MISSED"},
		{"info", target{of: figureKey{"A", "x/s"}, atLeast: noBound, atMost: noBound}, 95, "info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, ok := tt.t.value(c)
			require.True(t, ok)
			require.InDelta(t, tt.value, v, 1e-9)
			require.Equal(t, tt.verdict, tt.t.verdict(v))
		})
	}
	_, ok := target{of: figureKey{"missing", "x/s"}}.value(c)
	require.False(t, ok, "a figure not measured has no value")
}

func TestStatusFieldMB(t *testing.T) {
	t.Parallel()
	const status = "Name:\tworker\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t9\n"
	tests := []struct {
		field   string
		want    float64
		wantErr bool
	}{
		{"VmRSS", 10, false},
		{"VmHWM", 20, false},
		{"VmSwap", 0, true},
		{"Threads", 0.0087890625, false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			got, err := statusFieldMB(bufio.NewScanner(strings.NewReader(status)), tt.field)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.InDelta(t, tt.want, got, 1e-9)
		})
	}
}

func TestForEach(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		n, conc int
		failAt  int // -1: never
		wantErr error
	}{
		{"all run", 100, 7, -1, nil},
		{"more workers than work", 3, 50, -1, nil},
		{"first error returned", 100, 4, 10, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls, inFlight, most atomic.Int64
			err := forEach(context.Background(), tt.n, tt.conc, func(ctx context.Context, i int) error {
				calls.Add(1)
				now := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					m := most.Load()
					if now <= m || most.CompareAndSwap(m, now) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				if i == tt.failAt {
					return boom
				}
				return nil
			})
			require.ErrorIs(t, err, tt.wantErr)
			require.LessOrEqual(t, most.Load(), int64(tt.conc))
			if tt.wantErr == nil {
				require.Equal(t, int64(tt.n), calls.Load())
			} else {
				require.Less(t, calls.Load(), int64(tt.n), "work after an error is skipped")
			}
		})
	}
}
