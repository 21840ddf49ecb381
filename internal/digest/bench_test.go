package digest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mydba/mydba/internal/dbtest"
)

// BenchmarkRun digests 32 MiB of the MariaDB fixtures repeated, on every
// core, and reports throughput.
func BenchmarkRun(b *testing.B) {
	var log []byte
	for _, p := range []string{"mariadb-10.11-restart.log", "mariadb-10.11-session.log", "mariadb-10.11-verbosity-engine.log"} {
		data, err := os.ReadFile(fixtureDir + "/" + p)
		if err != nil {
			b.Fatal(err)
		}
		log = append(log, data...)
	}
	log = bytes.Repeat(log, (32<<20)/len(log))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Run(context.Background(), []Input{{Name: "bench", R: bytes.NewReader(log)}}, Options{})
		if err != nil || d.Events == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunSandboxSlowLog digests the last 64 MiB of the sandbox
// primary's own slow log (long_query_time=0: mydba's test traffic and the
// shop workload), read from disk each time.
func BenchmarkRunSandboxSlowLog(b *testing.B) {
	dbtest.Primary(b)
	dir := os.Getenv(dbtest.EnvSandboxDir)
	if dir == "" {
		dbtest.Missing(b, "%s is not set", dbtest.EnvSandboxDir)
	}
	path := filepath.Join(dir, "primary", "data", "slow.log")
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	const n = 64 << 20
	off := max(st.Size()-n, 0)
	b.SetBytes(st.Size() - off)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Run(context.Background(), []Input{{Name: "slow.log", R: io.NewSectionReader(f, off, n)}}, Options{})
		f.Close()
		if err != nil || d.Events == 0 {
			b.Fatalf("%v (%d events)", err, d.Events)
		}
	}
}
