// Command digestcmp compares the classes of `pt-query-digest --output json`
// with those of `mydba digest -o json --top 0` on the same slow log, for
// bench/digest-compare.sh.
//
// Classes are matched first by query ID (the same fingerprint in both
// tools), then, for the rest, by digest.PTComparable, which erases the
// fingerprint differences docs/sql.md lists as deliberate. A key whose
// event counts differ is a real disagreement; they are printed and make the
// exit status 1.
//
// Usage: digestcmp PT.json MYDBA.json
package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/digest"
)

// ptReport is the part of pt-query-digest's JSON compared here; counts are
// strings in some versions and numbers in others.
type ptReport struct {
	Classes []struct {
		Checksum    string          `json:"checksum"`
		Fingerprint string          `json:"fingerprint"`
		QueryCount  json.RawMessage `json:"query_count"`
	} `json:"classes"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: digestcmp PT.json MYDBA.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "digestcmp:", err)
		os.Exit(1)
	}
}

type side struct {
	count int
	fps   []string
}

func run(ptPath, myPath string) error {
	var pt ptReport
	var my dba.SlowLogDigest
	if err := readJSON(ptPath, &pt); err != nil {
		return err
	}
	if err := readJSON(myPath, &my); err != nil {
		return err
	}
	if my.Top != 0 && len(my.Classes) < my.ClassCount {
		return fmt.Errorf("%s lists %d of %d classes: run mydba digest with --top 0", myPath, len(my.Classes), my.ClassCount)
	}
	ptByID := map[string]int{}
	ptEvents := 0
	keys := map[string]*[2]side{}
	cmpKey := digest.NewPTComparer()
	add := func(i int, fp string, n int) {
		k := cmpKey.Key(fp)
		if keys[k] == nil {
			keys[k] = &[2]side{}
		}
		keys[k][i].count += n
		keys[k][i].fps = append(keys[k][i].fps, fp)
	}
	for _, c := range pt.Classes {
		n, err := strconv.Atoi(string(trimQuotes(c.QueryCount)))
		if err != nil {
			return fmt.Errorf("pt class %s: query_count %s", c.Checksum, c.QueryCount)
		}
		ptByID[c.Checksum] = n
		ptEvents += n
		add(0, c.Fingerprint, n)
	}
	sameID, sameIDEvents := 0, 0
	for _, c := range my.Classes {
		if n, ok := ptByID[c.ID]; ok && n == int(c.Count) {
			sameID++
			sameIDEvents += n
		}
		add(1, c.Fingerprint, int(c.Count))
	}
	var bad []string
	for k, v := range keys {
		if v[0].count != v[1].count {
			bad = append(bad, k)
		}
	}
	slices.SortFunc(bad, func(a, b string) int {
		da, db := abs(keys[a][0].count-keys[a][1].count), abs(keys[b][0].count-keys[b][1].count)
		return cmp.Or(cmp.Compare(db, da), cmp.Compare(a, b))
	})
	fmt.Printf("events:            pt-query-digest %d, mydba %d (skipped lines %d, incomplete events %d)\n",
		ptEvents, my.Events, my.Skipped.Lines, my.Skipped.Incomplete)
	fmt.Printf("classes:           pt-query-digest %d, mydba %d\n", len(pt.Classes), my.ClassCount)
	fmt.Printf("same query ID:     %d classes, %d events (identical fingerprints)\n", sameID, sameIDEvents)
	fmt.Printf("comparable keys:   %d, of which %d agree on the event count\n", len(keys), len(keys)-len(bad))
	if len(bad) == 0 {
		fmt.Println("result:            same classes and counts (up to the deliberate fingerprint differences)")
		return nil
	}
	for i, k := range bad {
		if i == 20 {
			fmt.Printf("... and %d more\n", len(bad)-20)
			break
		}
		v := keys[k]
		fmt.Printf("DIFF pt %d, mydba %d: %s\n", v[0].count, v[1].count, clip(k, 160))
		for _, fp := range v[0].fps[:min(2, len(v[0].fps))] {
			fmt.Printf("    pt:    %s\n", clip(fp, 160))
		}
		for _, fp := range v[1].fps[:min(2, len(v[1].fps))] {
			fmt.Printf("    mydba: %s\n", clip(fp, 160))
		}
	}
	return fmt.Errorf("%d comparable keys differ", len(bad))
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
