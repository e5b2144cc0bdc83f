package bench

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h histogram
	require.Zero(t, h.quantile(50), "empty")
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{{50, 500 * time.Millisecond}, {99, 990 * time.Millisecond}, {99.9, 999 * time.Millisecond}, {100, time.Second}}
	for _, tt := range tests {
		got := h.quantile(tt.p)
		// Within a bucket's width (1/32) above the exact value, never below.
		require.GreaterOrEqual(t, got, tt.want, "p%v", tt.p)
		require.LessOrEqual(t, float64(got), float64(tt.want)*(1+1.0/histSubBuckets), "p%v", tt.p)
	}
	require.Equal(t, time.Second, h.max)
	require.Equal(t, time.Millisecond, h.min)
	require.EqualValues(t, 1000, h.n)
	var tiny histogram
	tiny.record(0)
	tiny.record(200 * time.Hour)
	require.Equal(t, 200*time.Hour, tiny.quantile(100), "the max is kept exactly")
}

func TestWriteSVG(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, writeSVG(&buf, "p99", "offered/s", "ms", []series{
		{name: "1 worker", x: []float64{2, 4, 8}, y: []float64{30, 35, 400}},
		{name: "2 workers", x: []float64{2, 4, 8, 16}, y: []float64{28, 30, 33, 900}},
	}))
	require.NoError(t, xml.Unmarshal(buf.Bytes(), new(any)), "well-formed XML")
	require.Contains(t, buf.String(), "2 workers")
	require.Equal(t, 7, bytes.Count(buf.Bytes(), []byte("<circle")))
	require.Error(t, writeSVG(&buf, "", "", "", nil))
}
