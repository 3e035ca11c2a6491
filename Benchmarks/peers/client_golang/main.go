// Command client_golang_peer measures Go's client_golang on the benchmark workload of
// Benchmarks/Sources/BulwarkBenchmarks (25 providers x 100 models x 4 statuses): rendering the text
// exposition (Gather + expfmt text encoding) per line, and updating a counter and a histogram by label
// values. It prints one JSON object. Built offline from Debian's Go packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o client_golang_peer .
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

var statuses = []struct{ code, errorType string }{
	{"200", "none"}, {"429", "rate_limited"}, {"500", "server_error"}, {"529", "overloaded"},
}

var buckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 120, 300}

type families struct {
	registry *prometheus.Registry
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	tokens   *prometheus.CounterVec
	retries  *prometheus.CounterVec
	cost     *prometheus.CounterVec
}

func newFamilies() families {
	f := families{
		registry: prometheus.NewRegistry(),
		calls:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_api_calls_total", Help: "calls"}, []string{"provider", "model", "status_code", "error_type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "llm_api_call_duration_seconds", Help: "latency", Buckets: buckets}, []string{"provider", "model"}),
		tokens:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_api_tokens_total", Help: "tokens"}, []string{"provider", "model", "direction"}),
		retries:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_api_retries_total", Help: "retries"}, []string{"provider", "model"}),
		cost:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_api_cost_usd_total", Help: "cost"}, []string{"provider", "model"}),
	}
	f.registry.MustRegister(f.calls, f.duration, f.tokens, f.retries, f.cost)
	return f
}

type event struct {
	provider, model, status, errorType string
	latency, cost                      float64
	input, output                      float64
	retry                              bool
}

// events mirrors Workload.events in the Swift benchmarks.
func events(providers, models, count int) []event {
	out := make([]event, count)
	for i := range out {
		s := statuses[i%len(statuses)]
		retry := 0.0
		if i%10 == 0 {
			retry = 1
		}
		out[i] = event{
			provider: fmt.Sprintf("provider-%d", i/len(statuses)%providers),
			model:    fmt.Sprintf("model-%d", i/(len(statuses)*providers)%models),
			status:   s.code, errorType: s.errorType,
			latency: float64(50+(i*37)%20000) / 1000, input: float64(100 + i%900), output: float64(i % 400),
			retry: retry == 1, cost: 0.0001,
		}
	}
	return out
}

// cpuSeconds is the CPU time of the whole process (every goroutine and the GC), in seconds.
func cpuSeconds() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return float64(usage.Utime.Sec+usage.Stime.Sec) + float64(usage.Utime.Usec+usage.Stime.Usec)/1e6
}

func median(samples []float64) float64 {
	sort.Float64s(samples)
	return samples[len(samples)/2]
}

func main() {
	const providers, models = 25, 100
	f := newFamilies()
	all := events(providers, models, providers*models*len(statuses))
	for _, e := range all {
		f.calls.WithLabelValues(e.provider, e.model, e.status, e.errorType).Inc()
		f.duration.WithLabelValues(e.provider, e.model).Observe(e.latency)
		f.tokens.WithLabelValues(e.provider, e.model, "input").Add(e.input)
		f.tokens.WithLabelValues(e.provider, e.model, "output").Add(e.output)
		r := 0.0
		if e.retry {
			r = 1
		}
		f.retries.WithLabelValues(e.provider, e.model).Add(r)
		f.cost.WithLabelValues(e.provider, e.model).Add(e.cost)
	}

	render := func() []byte {
		var buffer bytes.Buffer
		buffer.Grow(8 << 20)
		gathered, err := f.registry.Gather()
		if err != nil {
			panic(err)
		}
		encoder := expfmt.NewEncoder(&buffer, expfmt.FmtText)
		for _, family := range gathered {
			if err := encoder.Encode(family); err != nil {
				panic(err)
			}
		}
		return buffer.Bytes()
	}
	output := render()
	lines := bytes.Count(output, []byte{'\n'})
	var renders, cpuRenders []float64
	for i := 0; i < 30; i++ {
		start, cpuStart := time.Now(), cpuSeconds()
		render()
		renders = append(renders, time.Since(start).Seconds())
		cpuRenders = append(cpuRenders, cpuSeconds()-cpuStart)
	}
	renderSeconds := median(renders)

	// Label-value update of a counter and a histogram, the same 1,024 events the Swift record benchmark cycles.
	small := events(8, 8, 1024)
	g := newFamilies()
	cursor := 0
	var updates []float64
	const operations = 1000
	for batch := 0; batch < 303; batch++ {
		start := time.Now()
		for i := 0; i < operations; i++ {
			e := small[cursor&1023]
			g.calls.WithLabelValues(e.provider, e.model, e.status, e.errorType).Inc()
			g.duration.WithLabelValues(e.provider, e.model).Observe(e.latency)
			cursor++
		}
		if batch >= 3 {
			updates = append(updates, time.Since(start).Seconds()/operations)
		}
	}

	result := map[string]float64{
		"render_seconds":     renderSeconds,
		"render_cpu_seconds": median(cpuRenders),
		"render_lines":       float64(lines),
		"render_bytes":       float64(len(output)),
		"render_ns_per_line": renderSeconds / float64(lines) * 1e9,
		"record_seconds":     median(updates),
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		panic(err)
	}
}
