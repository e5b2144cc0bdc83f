// Command vulngate reads govulncheck's JSON output (-format json) on stdin
// and decides what CI does with it: a vulnerability the production binaries
// call in a module we can upgrade fails the run; one in the Go standard
// library is reported with the Go release that fixes it, and fails the run
// only with -stdlib, since the project pins its Go toolchain (go.mod) and a
// toolchain upgrade is a change of its own.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// message is one object of govulncheck's JSON stream; only the parts read
// here are declared.
type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
			Receiver string `json:"receiver"`
		} `json:"trace"`
	} `json:"finding"`
}

// called is one vulnerability the binaries call.
type called struct {
	id, module, version, fixed, symbol, summary string
}

func main() {
	stdlib := flag.Bool("stdlib", false, "fail on called vulnerabilities of the Go standard library too")
	flag.Parse()
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr, *stdlib))
}

// run reads the stream from r, prints a line per called vulnerability to
// w, and returns the exit status: 0 none that fails, 1 some, 2 bad input.
func run(r io.Reader, w, errw io.Writer, stdlib bool) int {
	found, err := read(r)
	if err != nil {
		fmt.Fprintln(errw, "vulngate:", err)
		return 2
	}
	failed := false
	for _, c := range found {
		fatal := c.module != "stdlib" || stdlib
		verdict := "FAIL"
		if !fatal {
			verdict = "note"
		}
		failed = failed || fatal
		fix := "no fixed version yet"
		if c.fixed != "" {
			fix = "fixed in " + c.fixed
		}
		what := "upgrade the module"
		if c.module == "stdlib" {
			what = "upgrade Go (go.mod pins the toolchain; not failed without -stdlib)"
		}
		fmt.Fprintf(w, "%s %s: the binaries call %s of %s %s, %s: %s (%s)\n", verdict, c.id, c.symbol, c.module, c.version, fix, what, c.summary)
	}
	if len(found) == 0 {
		fmt.Fprintln(w, "vulngate: the binaries call no known vulnerability")
	}
	if failed {
		return 1
	}
	return 0
}

// read collects the called vulnerabilities of the stream: findings whose
// trace reaches a function (govulncheck's symbol level), once per
// vulnerability and module.
func read(r io.Reader) ([]called, error) {
	dec := json.NewDecoder(r)
	summaries := map[string]string{}
	seen := map[string]called{}
	config := false
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not govulncheck's JSON output: %w", err)
		}
		config = true
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue
		}
		t := f.Trace[0]
		sym := t.Package + "." + t.Function
		if t.Receiver != "" {
			sym = t.Package + "." + strings.TrimPrefix(t.Receiver, "*") + "." + t.Function
		}
		key := f.OSV + " " + t.Module
		if _, ok := seen[key]; !ok {
			seen[key] = called{id: f.OSV, module: t.Module, version: t.Version, fixed: f.FixedVersion, symbol: sym}
		}
	}
	if !config {
		return nil, errors.New("empty input: did govulncheck run?")
	}
	out := make([]called, 0, len(seen))
	for _, c := range seen {
		c.summary = summaries[c.id]
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].module != out[j].module {
			return out[i].module < out[j].module
		}
		return out[i].id < out[j].id
	})
	return out, nil
}
