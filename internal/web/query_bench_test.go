package web

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dba"
)

// BenchmarkQueryRun100k runs a 100,000-row query through the page's run
// endpoint on the sandbox: the read, keeping the rows, rendering the tabs.
func BenchmarkQueryRun100k(b *testing.B) {
	c := newQueryClient(b)
	form := url.Values{"sql": {"SELECT * FROM order_items"}, "max_rows": {"100000"}}
	prev := ""
	b.ReportAllocs()
	for b.Loop() {
		form.Set("prev", prev)
		w := c.do("POST", "/c/lp/query/run", form)
		if w.Code != http.StatusOK {
			b.Fatalf("run: %d %s", w.Code, w.Body)
		}
		m := rowsURL.FindStringSubmatch(w.Body.String())
		if m == nil {
			b.Fatal("no grid")
		}
		prev = strings.Split(html.UnescapeString(m[1]), "/")[5]
	}
	runs, used := c.s.query.usage()
	b.ReportMetric(float64(used)/float64(runs)/(1<<20), "MiB-kept/run")
}

// BenchmarkQueryRowsChunk reads a kept 100,000-row result the way the grid
// does, in chunks of 500 rows, start to end (rows/s is the throughput).
func BenchmarkQueryRowsChunk(b *testing.B) {
	c := newQueryClient(b)
	w := c.do("POST", "/c/lp/query/run", url.Values{"sql": {"SELECT * FROM order_items"}, "max_rows": {"100000"}})
	m := rowsURL.FindStringSubmatch(w.Body.String())
	if m == nil {
		b.Fatalf("no grid: %s", w.Body)
	}
	rows := html.UnescapeString(m[1])
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		from := (n * 500) % 100000
		n++
		if w := c.do("GET", rows+"?from="+strconv.Itoa(from)+"&n=500", nil); w.Code != http.StatusOK {
			b.Fatalf("rows: %d %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(n*500)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAppendRowsJSON encodes one 500-row chunk of order_items-like
// rows (no server).
func BenchmarkAppendRowsJSON(b *testing.B) {
	cols := []dba.Column{{Name: "order_id", Type: "UNSIGNED INT"}, {Name: "line_no", Type: "UNSIGNED SMALLINT"}, {Name: "product_id", Type: "UNSIGNED INT"},
		{Name: "qty", Type: "UNSIGNED SMALLINT"}, {Name: "unit_price", Type: "DECIMAL"}, {Name: "line_total", Type: "DECIMAL"}}
	rows := make([][][]byte, 500)
	for i := range rows {
		rows[i] = row(strconv.Itoa(100000+i), "3", "4711", "2", "19.99", "39.98")
	}
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRowsJSON(buf[:0], cols, rows, queryCellMax)
	}
	b.SetBytes(int64(len(buf)))
}
