package crm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormatPoints(t *testing.T) {
	t.Parallel()
	for points, want := range map[float64]string{
		5:                       "5",
		5.5:                     "5.5",
		0.25:                    "0.25",
		1.005:                   "1.005",         // not rounded to two decimals: a validator shows what it refuses
		MaxPoints:               "1000000000000", // no exponent, however large
		PointsFromHundredths(1): "0.01",
	} {
		require.Equal(t, want, FormatPoints(points))
	}
}
