package main

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/microframe/microframe/loadtest"
)

// series is one latency distribution in an HTML report.
type series struct {
	Name   string
	Result *loadtest.Result
}

// The plot's x axis is the percentile on the usual HDR scale: the distance
// from 0 is log10(1/(1-p)), so 90%, 99%, 99.9% ... are evenly spaced and
// the tail gets the room it deserves.
const (
	plotW, plotH   = 760.0, 360.0
	plotLeft       = 70.0
	plotBottom     = 40.0
	plotTop        = 20.0
	plotRight      = 45.0
	plotMaxNines   = 5.0 // 99.999%
	plotStepsNines = 40  // points per decade of nines
)

var plotColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"}

type svgLine struct {
	Name, Color, Dash, Points string
	LegendY                   float64
}

type svgTick struct {
	Pos   float64
	Label string
}

type reportRow struct {
	Name                          string
	Requests                      int64
	Throughput                    string
	P50, P90, P99, P999, Max, Err string
	// Open loop (-rate) only: the target rate, the send lag, and whether
	// the rate fell short (BelowRate).
	Target, Lag string
	BelowRate   bool
}

type reportData struct {
	Title, Generated string
	W, H             float64
	Left, Top        float64
	Right, Bottom    float64
	Lines            []svgLine
	XTicks, YTicks   []svgTick
	Rows             []reportRow
	OpenLoop         bool // some run had a target rate: latency from intended send times
}

// nines maps a percentile to the x position in decades of nines.
func nines(pct float64) float64 {
	if pct >= 100 {
		return plotMaxNines
	}
	return math.Min(math.Log10(100/(100-pct)), plotMaxNines)
}

func buildReport(title string, ss []series) reportData {
	d := reportData{Title: title, Generated: time.Now().Format(time.RFC1123),
		W: plotW, H: plotH, Left: plotLeft, Top: plotTop, Right: plotW - plotRight, Bottom: plotH - plotBottom}
	var maxUS int64 = 1
	for _, s := range ss {
		maxUS = max(maxUS, s.Result.Latency.Max())
	}
	yMax := niceCeil(float64(maxUS) * 1.05)
	x := func(n float64) float64 { return d.Left + (d.Right-d.Left)*n/plotMaxNines }
	y := func(us float64) float64 { return d.Bottom - (d.Bottom-d.Top)*us/yMax }
	for i, s := range ss {
		h := s.Result.Latency
		var pts strings.Builder
		if h.TotalCount() > 0 {
			for k := 0; k <= plotMaxNines*plotStepsNines; k++ {
				n := float64(k) / plotStepsNines
				pct := 100 * (1 - math.Pow(10, -n))
				if k == plotMaxNines*plotStepsNines {
					pct = 100
				}
				fmt.Fprintf(&pts, "%.1f,%.1f ", x(n), y(float64(h.ValueAtPercentile(pct))))
			}
		}
		dash := "" // after the palette runs out, repeat it dashed
		if i >= len(plotColors) {
			dash = "6 3"
		}
		d.Lines = append(d.Lines, svgLine{Name: s.Name, Color: plotColors[i%len(plotColors)], Dash: dash,
			Points: strings.TrimSpace(pts.String()), LegendY: d.Top + 14 + 16*float64(i)})
		sum := s.Result.Summary()
		l := sum.LatencyUS
		d.Rows = append(d.Rows, reportRow{Name: s.Name, Requests: sum.Requests,
			Throughput: fmt.Sprintf("%.0f", sum.Throughput),
			P50:        loadtest.FormatMicros(l.P50), P90: loadtest.FormatMicros(l.P90), P99: loadtest.FormatMicros(l.P99),
			P999: loadtest.FormatMicros(l.P999), Max: loadtest.FormatMicros(l.Max), Err: fmt.Sprint(sum.Errors.Total())})
		if sum.Rate > 0 {
			row := &d.Rows[len(d.Rows)-1]
			d.OpenLoop = true
			row.Target = fmt.Sprintf("%.0f", sum.Rate)
			row.Lag = "mean " + loadtest.FormatMicros(sum.SendLagUS.Mean) + ", max " + loadtest.FormatMicros(sum.SendLagUS.Max)
			row.BelowRate = sum.BelowRate
		}
	}
	for i, label := range []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"} {
		d.XTicks = append(d.XTicks, svgTick{Pos: x(float64(i)), Label: label})
	}
	for i := 0; i <= 4; i++ {
		us := yMax * float64(i) / 4
		d.YTicks = append(d.YTicks, svgTick{Pos: y(us), Label: loadtest.FormatMicros(int64(us))})
	}
	return d
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
	"div": func(a, b float64) float64 { return a / b },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.3em}
table{border-collapse:collapse;margin-top:1em}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}svg text{font-size:12px;fill:#333}
.note{color:#666;font-size:90%}
</style></head><body>
<h1>{{.Title}}</h1>
<p class="note">Generated {{.Generated}} by microbench. Latency at each percentile; the x axis spreads the tail (90%, 99%, 99.9% …) evenly.{{if .OpenLoop}}
Open loop: each request was due at a fixed time (the target rate), and its latency runs from that intended send time, so the time a request waited to be sent (the send lag) is included.{{end}}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="latency by percentile">
<rect x="{{.Left}}" y="{{.Top}}" width="{{printf "%.1f" (sub .Right .Left)}}" height="{{printf "%.1f" (sub .Bottom .Top)}}" fill="none" stroke="#999"/>
{{range .XTicks}}<line x1="{{printf "%.1f" .Pos}}" x2="{{printf "%.1f" .Pos}}" y1="{{$.Top}}" y2="{{$.Bottom}}" stroke="#eee"/><text x="{{printf "%.1f" .Pos}}" y="{{printf "%.1f" (add $.Bottom 18)}}" text-anchor="middle">{{.Label}}</text>
{{end}}{{range .YTicks}}<line x1="{{$.Left}}" x2="{{$.Right}}" y1="{{printf "%.1f" .Pos}}" y2="{{printf "%.1f" .Pos}}" stroke="#eee"/><text x="{{printf "%.1f" (sub $.Left 6)}}" y="{{printf "%.1f" (add .Pos 4)}}" text-anchor="end">{{.Label}}</text>
{{end}}{{range .Lines}}<polyline fill="none" stroke="{{.Color}}" stroke-width="2"{{if .Dash}} stroke-dasharray="{{.Dash}}"{{end}} points="{{.Points}}"/>
<line x1="{{printf "%.1f" (add $.Left 8)}}" x2="{{printf "%.1f" (add $.Left 22)}}" y1="{{printf "%.1f" (sub .LegendY 4)}}" y2="{{printf "%.1f" (sub .LegendY 4)}}" stroke="{{.Color}}" stroke-width="3"{{if .Dash}} stroke-dasharray="4 2"{{end}}/><text x="{{printf "%.1f" (add $.Left 26)}}" y="{{printf "%.1f" .LegendY}}">{{.Name}}</text>
{{end}}<text x="{{printf "%.1f" (div (add .Left .Right) 2)}}" y="{{printf "%.1f" (sub .H 4)}}" text-anchor="middle">percentile</text>
</svg>
<table><tr><th>run</th><th>requests</th><th>req/s</th>{{if .OpenLoop}}<th>target req/s</th><th>send lag</th>{{end}}<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td>{{.Requests}}</td><td>{{.Throughput}}{{if .BelowRate}} (under 95% of the target){{end}}</td>{{if $.OpenLoop}}<td>{{or .Target "closed loop"}}</td><td>{{.Lag}}</td>{{end}}<td>{{.P50}}</td><td>{{.P90}}</td><td>{{.P99}}</td><td>{{.P999}}</td><td>{{.Max}}</td><td>{{.Err}}</td></tr>
{{end}}</table>
</body></html>
`))

// writeHTML renders a self-contained report (inline SVG, no scripts) of
// the given runs to w.
func writeHTML(w io.Writer, title string, ss []series) error {
	return reportTmpl.Execute(w, buildReport(title, ss))
}

func writeHTMLFile(path, title string, ss []series) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeHTML(f, title, ss); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
