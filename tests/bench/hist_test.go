package bench

import (
	"math"
	"time"
)

// histogram is an HDR-style latency histogram: log-spaced buckets, each
// histSubBuckets wide per power of two, so every recorded value is known
// within 1/histSubBuckets (about 3 %) of itself, in constant memory,
// whatever the count. Values from 1 µs to about 2^40 µs (12 days).
type histogram struct {
	counts   [histOctaves * histSubBuckets]int64
	n        int64
	max, min time.Duration
}

const (
	histSubBuckets = 32
	histOctaves    = 40
)

// bucket is the index of d's bucket: octave = floor(log2(µs)), then the
// sub-bucket of d within that octave.
func bucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	octave := math.Floor(math.Log2(us))
	sub := math.Floor((us/math.Exp2(octave) - 1) * histSubBuckets)
	i := int(octave)*histSubBuckets + int(sub)
	return min(i, histOctaves*histSubBuckets-1)
}

// upper is the highest value bucket i holds.
func upper(i int) time.Duration {
	octave, sub := i/histSubBuckets, i%histSubBuckets
	us := math.Exp2(float64(octave)) * (1 + float64(sub+1)/histSubBuckets)
	return time.Duration(us * float64(time.Microsecond))
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucket(d)]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.n++
}

// quantile is the p-th percentile (0 < p ≤ 100): the upper bound of the
// bucket holding that rank, never above the maximum recorded.
func (h *histogram) quantile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(float64(h.n) * p / 100))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= max(rank, 1) {
			return min(upper(i), h.max)
		}
	}
	return h.max
}
