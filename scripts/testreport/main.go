// Command testreport reads `go test -json` on stdin and prints a short
// report: failures with their output, skipped tests with their reason, and
// how many tests ran against a real server (tests that called a dbtest
// server helper log a "dbtest: server" line). It exits non-zero when a test
// failed, when a build failed, or — with MYDBA_TEST_REQUIRE=1 — when any
// test was skipped: CI must never pass by skipping.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type result struct {
	output []string
	server bool
	action string
}

func main() {
	os.Exit(report(os.Stdin, os.Stdout, os.Getenv("MYDBA_TEST_REQUIRE") == "1", os.Getenv("TESTREPORT_VERBOSE") != ""))
}

func report(in io.Reader, out io.Writer, require, verbose bool) int {
	tests := map[string]*result{}
	pkgs := map[string]*result{}
	var order []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	nonJSON := 0
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Build errors arrive as plain text.
			fmt.Fprintln(out, string(line))
			nonJSON++
			continue
		}
		if verbose && e.Output != "" {
			fmt.Fprint(out, e.Output)
		}
		if e.Test == "" {
			p := pkgs[e.Package]
			if p == nil {
				p = &result{}
				pkgs[e.Package] = p
			}
			if e.Output != "" {
				p.output = append(p.output, e.Output)
			}
			switch e.Action {
			case "pass", "fail", "skip":
				p.action = e.Action
				if !verbose {
					fmt.Fprintf(out, "%-4s %s (%.1fs)\n", strings.ToUpper(e.Action), e.Package, e.Elapsed)
				}
			}
			continue
		}
		key := e.Package + "." + e.Test
		r := tests[key]
		if r == nil {
			r = &result{}
			tests[key] = r
			order = append(order, key)
		}
		switch e.Action {
		case "output":
			r.output = append(r.output, e.Output)
			if strings.Contains(e.Output, "dbtest: server ") {
				r.server = true
			}
		case "pass", "fail", "skip":
			r.action = e.Action
		}
	}
	var passed, failed, skipped, server int
	var failedNames, skippedNames []string
	for _, k := range order {
		r := tests[k]
		switch r.action {
		case "pass":
			passed++
		case "fail":
			failed++
			failedNames = append(failedNames, k)
		case "skip":
			skipped++
			skippedNames = append(skippedNames, k)
		}
		// Count top-level tests that reached a server (subtests inherit).
		if r.server && r.action != "skip" && !strings.Contains(k[strings.LastIndex(k, ".")+1:], "/") {
			server++
		}
	}
	sort.Strings(skippedNames)
	for _, k := range failedNames {
		fmt.Fprintf(out, "\n--- FAIL %s\n%s", k, strings.Join(tests[k].output, ""))
	}
	for p, r := range pkgs {
		if r.action == "fail" && !hasFailedTest(p, failedNames) {
			failed++
			fmt.Fprintf(out, "\n--- FAIL package %s\n%s", p, strings.Join(r.output, ""))
		}
	}
	for _, k := range skippedNames {
		reason := ""
		for _, o := range tests[k].output {
			if strings.Contains(o, "no server") || strings.Contains(o, "SKIP") || strings.Contains(o, ".go:") {
				reason = strings.TrimSpace(o)
			}
		}
		fmt.Fprintf(out, "SKIP %s %s\n", k, reason)
	}
	fmt.Fprintf(out, "\n%s tests: %d passed, %d failed, %d skipped; %d top-level tests ran against a real server\n",
		time.Now().Format(time.TimeOnly), passed, failed, skipped, server)
	switch {
	case failed > 0 || nonJSON > 0:
		return 1
	case require && skipped > 0:
		fmt.Fprintln(out, "MYDBA_TEST_REQUIRE=1: skipped tests are failures")
		return 1
	case len(order) == 0:
		fmt.Fprintln(out, "no tests ran")
		return 1
	}
	return 0
}

func hasFailedTest(pkg string, failed []string) bool {
	for _, f := range failed {
		if strings.HasPrefix(f, pkg+".") {
			return true
		}
	}
	return false
}
