package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFingerprintCLI(t *testing.T) {
	c := newCLI(t)
	// 1FE1...20A2 is what pt-query-digest 3.x prints for "select ?".
	const selectID = "1FE1379FE2A31B8D16219655761820A2"
	if got, want := c.ok("", "fingerprint", "SELECT 1", "select  2;"), selectID+"\tselect ?\n"+selectID+"\tselect ?\n"; got != want {
		t.Errorf("arguments:\n%q\nwant\n%q", got, want)
	}

	stdin := "SELECT 1;\n\n   \nSELECT * FROM `t` WHERE a IN (1, 2, 3) -- x\n"
	lines := strings.Split(strings.TrimSuffix(c.ok(stdin, "fingerprint"), "\n"), "\n")
	if len(lines) != 2 || lines[0] != selectID+"\tselect ?" || !strings.HasSuffix(lines[1], "\tselect * from `t` where a in(?+)") {
		t.Errorf("stdin: blank lines skipped, one line per statement:\n%q", lines)
	}
	id, _, _ := strings.Cut(lines[1], "\t")
	if len(id) != 32 || strings.ToUpper(id) != id {
		t.Errorf("ID %q: want 32 upper-case hex digits", id)
	}

	var obj fingerprintJSON
	js := c.ok("", "fingerprint", "-o", "json", "SELECT 1")
	if err := json.Unmarshal([]byte(js), &obj); err != nil {
		t.Fatalf("json output %q: %v", js, err)
	}
	if obj != (fingerprintJSON{ID: selectID, Fingerprint: "select ?", Statement: "SELECT 1"}) {
		t.Errorf("json: %+v", obj)
	}

	if got, want := c.ok("", "fingerprint", "-o", "csv", "SELECT 1"), "id,fingerprint\n"+selectID+",select ?\n"; got != want {
		t.Errorf("csv:\n%q\nwant\n%q", got, want)
	}
}
