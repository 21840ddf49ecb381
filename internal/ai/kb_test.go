package ai

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/advise"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

func loadKB(t testing.TB) *KB {
	t.Helper()
	k, err := NewKB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

var (
	mariadb1011 = dba.Server{Flavor: dba.FlavorMariaDB, Version: dba.Version{Major: 10, Minor: 11, Patch: 6}}
	mariadb114  = dba.Server{Flavor: dba.FlavorMariaDB, Version: dba.Version{Major: 11, Minor: 4, Patch: 2}}
	mysql80     = dba.Server{Flavor: dba.FlavorMySQL, Version: dba.Version{Major: 8, Minor: 0, Patch: 36}}
	mysql84     = dba.Server{Flavor: dba.FlavorMySQL, Version: dba.Version{Major: 8, Minor: 4, Patch: 3}}
)

// TestKnowledgeBase checks the embedded entries as a whole: enough of
// them, each with flavours, an official URL and a text of its own, and
// the topics the issue asks for.
func TestKnowledgeBase(t *testing.T) {
	k := loadKB(t)
	entries := k.Entries()
	if len(entries) < 150 {
		t.Errorf("%d entries, want at least 150", len(entries))
	}
	titles := map[string]string{}
	urls := map[string]int{}
	for _, e := range entries {
		if len(e.Applies) == 0 {
			t.Errorf("%s: no applies (flavours and versions)", e.ID)
		}
		u, _ := url.Parse(e.URL)
		if u.Host != "dev.mysql.com" && u.Host != "mariadb.com" {
			t.Errorf("%s: url %s is not the official documentation", e.ID, e.URL)
		}
		urls[u.Host]++
		if prev, dup := titles[strings.ToLower(e.Title)]; dup {
			t.Errorf("%s and %s have the same title", prev, e.ID)
		}
		titles[strings.ToLower(e.Title)] = e.ID
		if n := len(strings.Fields(e.Body)); n < 30 {
			t.Errorf("%s: %d words; an entry explains, it does not just name", e.ID, n)
		}
		if s := e.Snippet(); s == "" || len([]rune(s)) > 401 {
			t.Errorf("%s: snippet %q", e.ID, s)
		}
		// Every entry applies to some supported server.
		any := false
		for _, s := range []dba.Server{mariadb1011, mariadb114, mysql80, mysql84} {
			any = any || e.AppliesTo(s)
		}
		if !any {
			t.Errorf("%s applies to none of MariaDB 10.11/11.4, MySQL 8.0/8.4", e.ID)
		}
	}
	if urls["mariadb.com"] == 0 || urls["dev.mysql.com"] == 0 {
		t.Errorf("references by site: %v; want both vendors", urls)
	}
	// The topics of the issue, each with several entries.
	prefix := map[string]int{}
	for _, e := range entries {
		p, _, _ := strings.Cut(e.ID, ".")
		prefix[p]++
	}
	for p, want := range map[string]int{"var": 60, "explain": 20, "opt": 5, "index": 5, "innodb": 5, "lock": 5, "repl": 5, "finding": 15, "plan": 15, "priv": 10, "status": 10} {
		if prefix[p] < want {
			t.Errorf("%d %s.* entries, want at least %d", prefix[p], p, want)
		}
	}
}

// TestKBCoversFindingCodes: every code mydba reports has an entry, for
// each flavour the code can occur on.
func TestKBCoversFindingCodes(t *testing.T) {
	k := loadKB(t)
	var codes []string
	codes = append(codes, sqltext.AnalyzeCodes()...)
	codes = append(codes, advise.PlanCodes()...)
	for _, code := range codes {
		for _, s := range []dba.Server{mariadb1011, mysql84} {
			if _, ok := k.ForCode(code, s); !ok {
				t.Errorf("no entry for finding code %s on %s %s", code, s.Flavor, s.Version)
			}
		}
	}
	// The privileges `mydba conn test` names (internal/adapter/mysql
	// privileges.go), per flavour.
	privs := map[dba.Server][]string{
		mariadb1011: {"SELECT", "SHOW DATABASES", "PROCESS", "SHOW VIEW", "SLAVE MONITOR", "BINLOG MONITOR", "CONNECTION ADMIN", "SUPER", "TRIGGER", "EVENT", "performance_schema"},
		mariadb114:  {"SHOW CREATE ROUTINE"},
		mysql84:     {"SELECT", "SHOW DATABASES", "PROCESS", "SHOW VIEW", "REPLICATION CLIENT", "SHOW_ROUTINE", "CONNECTION_ADMIN", "SYSTEM_VARIABLES_ADMIN", "TRIGGER", "EVENT", "performance_schema"},
	}
	for s, ps := range privs {
		for _, p := range ps {
			if _, ok := k.ForCode("privilege:"+p, s); !ok {
				t.Errorf("no entry for privilege %s on %s %s", p, s.Flavor, s.Version)
			}
		}
	}
}

func TestParseApplies(t *testing.T) {
	v := func(a, b, c int) dba.Version { return dba.Version{Major: a, Minor: b, Patch: c} }
	tests := []struct {
		in      string
		want    Range
		wantErr string
	}{
		{in: "mysql", want: Range{Flavor: dba.FlavorMySQL}},
		{in: " MariaDB ", want: Range{Flavor: dba.FlavorMariaDB}},
		{in: "mariadb>=10.6", want: Range{Flavor: dba.FlavorMariaDB, Min: v(10, 6, 0)}},
		{in: "mysql>=8.0.30", want: Range{Flavor: dba.FlavorMySQL, Min: v(8, 0, 30)}},
		{in: "mariadb>=10.6,<11.4", want: Range{Flavor: dba.FlavorMariaDB, Min: v(10, 6, 0), Max: v(11, 4, 0)}},
		{in: "mysql<8.0", want: Range{Flavor: dba.FlavorMySQL, Max: v(8, 0, 0)}},
		{in: "percona", wantErr: "want mysql or mariadb"},
		{in: "mysql>8.0", wantErr: "bound"},
		{in: "mysql>=eight", wantErr: "bound"},
		{in: "mysql>=8.0,>=8.4", wantErr: "two lower bounds"},
		{in: "mysql<8.0,<9.0", wantErr: "two upper bounds"},
		{in: "mariadb>=11.4,<10.6", wantErr: "empty range"},
	}
	for _, tt := range tests {
		got, err := ParseApplies(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseApplies(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseApplies(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseApplies(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestAppliesTo(t *testing.T) {
	entry := func(applies ...string) Entry {
		e := Entry{Applies: applies}
		for _, a := range applies {
			r, err := ParseApplies(a)
			if err != nil {
				t.Fatal(err)
			}
			e.ranges = append(e.ranges, r)
		}
		return e
	}
	unknown := dba.Server{}
	mariaNoVersion := dba.Server{Flavor: dba.FlavorMariaDB}
	tests := []struct {
		e    Entry
		s    dba.Server
		want bool
	}{
		{entry(), mysql84, true},
		{entry("mysql"), mariadb1011, false},
		{entry("mysql"), unknown, true},
		{entry("mariadb>=10.6"), mariadb1011, true},
		{entry("mariadb>=11.0"), mariadb1011, false},
		{entry("mariadb>=11.0"), mariaNoVersion, true},
		{entry("mariadb<10.11.6"), mariadb1011, false}, // the upper bound is exclusive
		{entry("mariadb>=10.11.6"), mariadb1011, true}, // the lower bound inclusive
		{entry("mysql<8.0.30", "mariadb"), mysql80, false},
		{entry("mysql<8.0.30", "mariadb"), mariadb114, true},
		{entry("mysql>=8.0.30"), mysql84, true},
	}
	for i, tt := range tests {
		if got := tt.e.AppliesTo(tt.s); got != tt.want {
			t.Errorf("%d: %v applies to %s %s = %v, want %v", i, tt.e.Applies, tt.s.Flavor, tt.s.Version, got, tt.want)
		}
	}
}

func TestParseEntryErrors(t *testing.T) {
	const good = "+++\nid = \"var.x\"\ntitle = \"X\"\napplies = [\"mysql\"]\ntags = [\"variable\"]\nurl = \"https://dev.mysql.com/doc/refman/8.4/en/x.html\"\n+++\nText.\n"
	if _, err := ParseEntry("var.x.md", []byte(good)); err != nil {
		t.Fatalf("good entry: %v", err)
	}
	tests := []struct{ name, in, want string }{
		{"no front matter", "id = 1\n", "no front matter"},
		{"unclosed", "+++\nid = \"var.x\"\n", "not closed"},
		{"unknown key", strings.Replace(good, "tags", "tag", 1), "unknown front matter key"},
		{"bad id", strings.Replace(good, `"var.x"`, `"Var X"`, 1), "lower-case dotted"},
		{"no title", strings.Replace(good, `title = "X"`, `title = " "`, 1), "no title"},
		{"no text", strings.Replace(good, "Text.\n", "", 1), "no text"},
		{"no tags", strings.Replace(good, `["variable"]`, `[]`, 1), "no tags"},
		{"blog url", strings.Replace(good, "dev.mysql.com", "blog.example.com", 1), "official documentation"},
		{"http url", strings.Replace(good, "https://", "http://", 1), "https link"},
		{"site url", strings.Replace(good, "/doc/refman/8.4/en/x.html", "/", 1), "link the page"},
		{"bad applies", strings.Replace(good, `["mysql"]`, `["postgres"]`, 1), "want mysql or mariadb"},
		{"bad toml", strings.Replace(good, `title = "X"`, `title = X`, 1), "front matter"},
	}
	for _, tt := range tests {
		_, err := ParseEntry("var.x.md", []byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestLoadKBErrors(t *testing.T) {
	entry := func(id string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("+++\nid = \"" + id + "\"\ntitle = \"T " + id + "\"\ntags = [\"t\"]\nurl = \"https://mariadb.com/kb/en/x/\"\n+++\nText.\n")}
	}
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"empty", fstest.MapFS{}, "no entries"},
		{"name mismatch", fstest.MapFS{"var.a.md": entry("var.b")}, "does not match the file name"},
	}
	for _, tt := range tests {
		if _, err := LoadKB(tt.fs); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	k, err := LoadKB(fstest.MapFS{"var.a.md": entry("var.a"), "var.b.md": entry("var.b")})
	if err != nil || len(k.Entries()) != 2 {
		t.Fatalf("LoadKB = %v, %v", k, err)
	}
}

// TestSearch: questions in words find the entry a DBA would cite, the
// connected server's flavour and version filter the results, and the
// citations are numbered from 1.
func TestSearch(t *testing.T) {
	k := loadKB(t)
	ctx := context.Background()
	tests := []struct {
		query string
		s     dba.Server
		want  string // id expected among the top 3 ("a|b": either)
	}{
		{"how big should the buffer pool be", mariadb1011, "var.innodb_buffer_pool_size"},
		{"too many connections error", mysql84, "var.max_connections"},
		{"FullTableScan", mysql84, "plan.full_table_scan"},
		{"full table scan", mariadb1011, "plan.full_table_scan|explain.type_all"},
		{"Using filesort", mysql80, "explain.extra_using_filesort"},
		{"deadlock between two transactions", mariadb1011, "lock.deadlocks"},
		{"replica lag behind the primary", mysql84, "repl.lag"},
		{"gap locks and phantom rows repeatable read", mariadb114, "lock.gap_next_key"},
		{"composite index column order leftmost prefix", mysql84, "index.composite_leftmost"},
		{"who can see every session PROCESS privilege", mysql84, "priv.process"},
	}
	for _, tt := range tests {
		got, err := k.Search(ctx, tt.query, tt.s, 3)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		var ids []string
		for i, c := range got {
			ids = append(ids, c.ID)
			if c.N != i+1 || c.URL == "" || c.Title == "" || c.Snippet == "" {
				t.Errorf("%q: citation %d = %+v", tt.query, i, c)
			}
		}
		found := false
		for _, w := range strings.Split(tt.want, "|") {
			found = found || contains(ids, w)
		}
		if !found {
			t.Errorf("%q on %s: top 3 = %v, want %s among them", tt.query, tt.s.Flavor, ids, tt.want)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestSearchFilters: an entry for the other flavour, or a version the
// server does not have, is never cited.
func TestSearchFilters(t *testing.T) {
	k := loadKB(t)
	ctx := context.Background()
	for _, s := range []dba.Server{mariadb1011, mariadb114, mysql80, mysql84} {
		for _, q := range []string{"privilege kill connections", "replication status monitor", "binary log", "thread concurrency", "change buffer", "routine definitions"} {
			got, err := k.SearchEntries(ctx, q, s, 20)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range got {
				if !e.AppliesTo(s) {
					t.Errorf("%q on %s %s cites %s (applies %v)", q, s.Flavor, s.Version, e.ID, e.Applies)
				}
			}
		}
	}
	// A MariaDB-only privilege is found for MariaDB and not for MySQL.
	maria, _ := k.SearchEntries(ctx, "BINLOG MONITOR privilege", mariadb1011, 10)
	mysql, _ := k.SearchEntries(ctx, "BINLOG MONITOR privilege", mysql84, 10)
	if !hasEntry(maria, "priv.binlog_monitor") || hasEntry(mysql, "priv.binlog_monitor") {
		t.Errorf("BINLOG MONITOR: MariaDB %v, MySQL %v", ids(maria), ids(mysql))
	}
}

func hasEntry(es []Entry, id string) bool { return contains(ids(es), id) }

func ids(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// TestSearchHostileText: FTS5 syntax in a question is text, not query
// operators; an empty question gives no citations and no error.
func TestSearchHostileText(t *testing.T) {
	k := loadKB(t)
	for _, q := range []string{"", "   ", `"unbalanced`, "NEAR(a b", "title:buffer", "buffer*", "^max", "a AND OR NOT", "'; DROP TABLE kb; --", "ünïcödé ✓ 日本語", strings.Repeat("index ", 500)} {
		if _, err := k.Search(context.Background(), q, mysql84, 5); err != nil {
			t.Errorf("Search(%.40q): %v", q, err)
		}
	}
	got, _ := k.Search(context.Background(), "the of and", mysql84, 5)
	if len(got) != 0 {
		t.Errorf("stop words alone matched %d entries", len(got))
	}
	if got, _ := k.Search(context.Background(), "buffer pool", mysql84, 5); len(got) == 0 {
		t.Error("the index was damaged by a hostile query")
	}
}

func TestFTSQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"How big is the Buffer pool?", `"big" OR "buffer" OR "pool"`},
		{`title:x NEAR("a" b)`, `"title" OR "near"`},
		{"innodb_buffer_pool_size innodb_buffer_pool_size", `"innodb_buffer_pool_size"`},
		{"a I x", ""},
		{"__x__ 42", `"42"`},
	}
	for _, tt := range tests {
		if got := ftsQuery(tt.in); got != tt.want {
			t.Errorf("ftsQuery(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzSearch(f *testing.F) {
	k, err := NewKB()
	if err != nil {
		f.Fatal(err)
	}
	defer k.Close()
	for _, s := range []string{"buffer pool", `"`, "NEAR(", "x*", "col:y", "\x00", "SELECT * FROM t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := k.Search(context.Background(), q, mysql84, 5); err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}

// BenchmarkSearch measures one retrieval on a warm index (the index is
// built on the first search; BenchmarkBuildIndex measures that).
func BenchmarkSearch(b *testing.B) {
	k := loadKB(b)
	ctx := context.Background()
	if _, err := k.Search(ctx, "warm up", mysql84, 5); err != nil {
		b.Fatal(err)
	}
	qs := []string{"why is my query doing a full table scan on orders", "innodb_buffer_pool_size", "deadlock", "replica lag and parallel apply threads"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := k.Search(ctx, qs[i%len(qs)], mariadb1011, 5); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildIndex(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		k, err := NewKB()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Search(ctx, "x1", mysql84, 1); err != nil {
			b.Fatal(err)
		}
		k.Close()
	}
}
