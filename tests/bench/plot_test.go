package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
)

// series is one line of a plot: points (x, y) in x order.
type series struct {
	name string
	x, y []float64
}

// plotColours tell the series apart.
var plotColours = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"}

// writeSVG draws the series as lines with dots on linear x and log y axes,
// titled, with a legend, as a self-contained SVG file.
func writeSVG(w io.Writer, title, xLabel, yLabel string, ss []series) error {
	const width, height, left, right, top, bottom = 720.0, 440.0, 70.0, 160.0, 40.0, 50.0
	var xs, ys []float64
	for _, s := range ss {
		xs, ys = append(xs, s.x...), append(ys, s.y...)
	}
	if len(xs) == 0 {
		return fmt.Errorf("nothing to plot")
	}
	xMax := slices.Max(xs) * 1.05
	yMin, yMax := math.Log10(max(slices.Min(ys), 1e-3)), math.Log10(max(slices.Max(ys), 1e-3))
	yMin, yMax = math.Floor(yMin), math.Ceil(yMax)
	if yMax == yMin {
		yMax++
	}
	px := func(x float64) float64 { return left + x/xMax*(width-left-right) }
	py := func(y float64) float64 {
		return height - bottom - (math.Log10(max(y, 1e-3))-yMin)/(yMax-yMin)*(height-top-bottom)
	}
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%.0f" y="22" font-size="15">%s</text>`+"\n", left, title)
	p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, height-bottom, width-right, height-bottom)
	p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, top, left, height-bottom)
	for e := yMin; e <= yMax; e++ {
		y := py(math.Pow(10, e))
		p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, width-right, y)
		p(`<text x="%.1f" y="%.1f" text-anchor="end">%g</text>`+"\n", left-6, y+4, math.Pow(10, e))
	}
	step := niceStep(xMax / 6)
	for x := 0.0; x <= xMax; x += step {
		p(`<text x="%.1f" y="%.1f" text-anchor="middle">%g</text>`+"\n", px(x), height-bottom+16, x)
	}
	p(`<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", (left+width-right)/2, height-12, xLabel)
	p(`<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", (top+height-bottom)/2, yLabel)
	for i, s := range ss {
		c := plotColours[i%len(plotColours)]
		var pts []string
		for k := range s.x {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.x[k]), py(s.y[k])))
			p(`<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(s.x[k]), py(s.y[k]), c)
		}
		p(`<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", c, joinSpace(pts))
		ly := top + 20 + float64(i)*18
		p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", width-right+12, ly, width-right+32, ly, c)
		p(`<text x="%.1f" y="%.1f">%s</text>`+"\n", width-right+38, ly+4, s.name)
	}
	p("</svg>\n")
	return nil
}

// niceStep rounds a tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*pow {
			return m * pow
		}
	}
	return 10 * pow
}

func joinSpace(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
