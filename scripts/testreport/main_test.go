package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	ev := func(action, test, output string) string {
		return `{"Action":"` + action + `","Package":"p","Test":"` + test + `","Output":` + quote(output) + `}` + "\n"
	}
	pass := ev("run", "TestA", "") + ev("output", "TestA", "    a_test.go:1: dbtest: server 127.0.0.1:13306 (X)\n") + ev("pass", "TestA", "")
	skip := ev("run", "TestB", "") + ev("output", "TestB", "    b_test.go:9: no server: MYDBA_TEST_MYSQL_DSN is not set\n") + ev("skip", "TestB", "")
	fail := ev("run", "TestC", "") + ev("output", "TestC", "    c_test.go:3: boom\n") + ev("fail", "TestC", "")
	tests := []struct {
		name    string
		in      string
		require bool
		code    int
		want    []string
	}{
		{"all pass", pass, true, 0, []string{"1 passed, 0 failed, 0 skipped; 1 top-level tests ran against a real server"}},
		{"skip allowed without require", pass + skip, false, 0, []string{"SKIP p.TestB", "1 skipped"}},
		{"skip fails under require", pass + skip, true, 1, []string{"skipped tests are failures"}},
		{"failure", pass + fail, false, 1, []string{"--- FAIL p.TestC", "boom"}},
		{"build error", "# p\n./x.go:1: syntax error\n", false, 1, []string{"syntax error"}},
		{"nothing ran", "", false, 1, []string{"no tests ran"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := report(strings.NewReader(tt.in), &out, tt.require, false); code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
