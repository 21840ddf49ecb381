package parse

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParsePlan parses one fixture of each shape; the figure that
// matters is that a plan reads in microseconds next to the EXPLAIN round
// trip it follows.
func BenchmarkParsePlan(b *testing.B) {
	for _, name := range []string{
		"mariadb-10.11-join-three-tables.analyze.json",
		"mariadb-10.11-large-in-list.analyze.json",
		"mysql-8.0-derived-hash-join.explain.json",
		"mysql-9.5-country-range.analyze-v2.json",
		"mysql-8.0-lateral-derived.tree.txt",
		"mysql-8.0-derived-hash-join.tabular.tsv",
	} {
		data, err := os.ReadFile(filepath.Join(planDir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ReadPlan(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDiffPlans(b *testing.B) {
	load := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(planDir, name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	before, err := ReadPlan(load("mariadb-10.11-diff-before.analyze.json"))
	if err != nil {
		b.Fatal(err)
	}
	after, err := ReadPlan(load("mariadb-10.11-diff-after.analyze.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		DiffPlans(before, after)
	}
}
