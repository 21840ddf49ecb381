package ai

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/BurntSushi/toml"
	"modernc.org/sqlite"

	"github.com/mydba/mydba/internal/dba"
)

// The knowledge base: short entries written for mydba, in its own words,
// each resting on one page of the official MySQL or MariaDB documentation.
// Answers cite them as numbered references, so a user can check every
// claim at its source. Entries live in kb/*.md, one per file, with TOML
// front matter between "+++" lines:
//
//	+++
//	id = "var.innodb_buffer_pool_size"
//	title = "innodb_buffer_pool_size: the InnoDB page cache"
//	applies = ["mysql>=8.0", "mariadb>=10.6"]
//	tags = ["variable", "innodb", "memory"]
//	codes = ["variable:innodb_buffer_pool_size"]
//	url = "https://dev.mysql.com/doc/refman/8.4/en/innodb-parameters.html#sysvar_innodb_buffer_pool_size"
//	+++
//	First paragraph: the short explanation shown as a citation's snippet.
//
//	More detail.
//
// applies lists flavours with optional version bounds (">=" inclusive,
// "<" exclusive); no applies means every server. codes ties the entry to
// the things mydba reports: finding codes ("FullTableScan"), and
// "variable:NAME", "status:NAME", "privilege:NAME".

// KnowledgeVersion is the knowledge base's edition; it changes whenever
// entries are added or rewritten, so an answer can say what it cited.
const KnowledgeVersion = "2026.1"

//go:embed kb/*.md
var kbFiles embed.FS

// Entry is one knowledge-base article.
type Entry struct {
	ID      string   `toml:"id" json:"id"`
	Title   string   `toml:"title" json:"title"`
	URL     string   `toml:"url" json:"url"`
	Tags    []string `toml:"tags" json:"tags"`
	Codes   []string `toml:"codes" json:"codes,omitempty"`
	Applies []string `toml:"applies" json:"applies,omitempty"`
	// Body is the Markdown text after the front matter.
	Body   string `toml:"-" json:"body"`
	ranges []Range
}

// Range is one flavour and the versions of it an entry applies to.
type Range struct {
	Flavor dba.Flavor
	// Min is inclusive, Max exclusive; zero values are open ends.
	Min, Max dba.Version
}

// AppliesTo reports whether the entry is about s. A server not detected
// yet (unknown flavour) matches everything, as does an entry without
// applies; a known flavour with an unknown version matches its flavour.
func (e Entry) AppliesTo(s dba.Server) bool {
	if len(e.ranges) == 0 || s.Flavor == dba.FlavorUnknown {
		return true
	}
	for _, r := range e.ranges {
		if r.Flavor != s.Flavor {
			continue
		}
		if s.Version.IsZero() {
			return true
		}
		if !r.Min.IsZero() && s.Version.Compare(r.Min) < 0 {
			continue
		}
		if !r.Max.IsZero() && s.Version.Compare(r.Max) >= 0 {
			continue
		}
		return true
	}
	return false
}

// Snippet is the entry's first paragraph, clipped: the short explanation
// a citation carries.
func (e Entry) Snippet() string {
	p, _, _ := strings.Cut(strings.TrimSpace(e.Body), "\n\n")
	p = strings.Join(strings.Fields(p), " ")
	return clip(p, 400)
}

// Citation is the entry as reference number n.
func (e Entry) Citation(n int) Citation {
	return Citation{N: n, ID: e.ID, Title: e.Title, URL: e.URL, Snippet: e.Snippet()}
}

var (
	entryIDRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_\-]+)+$`)
	appliesRE = regexp.MustCompile(`^(mysql|mariadb)\s*(.*)$`)
	boundRE   = regexp.MustCompile(`^(>=|<)\s*(\d+\.\d+(\.\d+)?)$`)
)

// ParseApplies reads one applies item: "mysql", "mariadb>=10.6",
// "mysql>=8.0.30", "mariadb>=10.6,<11.4".
func ParseApplies(s string) (Range, error) {
	m := appliesRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return Range{}, fmt.Errorf("applies %q: want mysql or mariadb, then optional >=X.Y and <X.Y bounds", s)
	}
	r := Range{Flavor: dba.FlavorMySQL}
	if m[1] == "mariadb" {
		r.Flavor = dba.FlavorMariaDB
	}
	if strings.TrimSpace(m[2]) == "" {
		return r, nil
	}
	for _, b := range strings.Split(m[2], ",") {
		bm := boundRE.FindStringSubmatch(strings.TrimSpace(b))
		if bm == nil {
			return Range{}, fmt.Errorf("applies %q: bound %q: want >=X.Y[.Z] or <X.Y[.Z]", s, strings.TrimSpace(b))
		}
		v, err := dba.ParseVersion(bm[2])
		if err != nil {
			return Range{}, fmt.Errorf("applies %q: %w", s, err)
		}
		if bm[1] == ">=" {
			if !r.Min.IsZero() {
				return Range{}, fmt.Errorf("applies %q: two lower bounds", s)
			}
			r.Min = v
		} else {
			if !r.Max.IsZero() {
				return Range{}, fmt.Errorf("applies %q: two upper bounds", s)
			}
			r.Max = v
		}
	}
	if !r.Min.IsZero() && !r.Max.IsZero() && r.Min.Compare(r.Max) >= 0 {
		return Range{}, fmt.Errorf("applies %q: empty range", s)
	}
	return r, nil
}

// ParseEntry reads one entry file. It checks the front matter strictly
// (unknown keys, missing fields, malformed id, URL or applies) so a broken
// entry fails the build's tests rather than a user's question.
func ParseEntry(name string, b []byte) (Entry, error) {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	rest, ok := bytes.CutPrefix(b, []byte("+++\n"))
	if !ok {
		return Entry{}, fmt.Errorf("%s: no front matter (the file must start with a +++ line)", name)
	}
	front, body, ok := bytes.Cut(rest, []byte("\n+++\n"))
	if !ok {
		front, ok = bytes.CutSuffix(rest, []byte("\n+++"))
		if !ok {
			return Entry{}, fmt.Errorf("%s: front matter is not closed by a +++ line", name)
		}
		body = nil
	}
	var e Entry
	md, err := toml.Decode(string(front), &e)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: front matter: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Entry{}, fmt.Errorf("%s: unknown front matter key %s", name, und[0])
	}
	e.Body = strings.TrimSpace(string(body))
	switch {
	case !entryIDRE.MatchString(e.ID):
		return Entry{}, fmt.Errorf("%s: id %q: want a lower-case dotted name such as var.max_connections", name, e.ID)
	case strings.TrimSpace(e.Title) == "":
		return Entry{}, fmt.Errorf("%s: no title", name)
	case e.Body == "":
		return Entry{}, fmt.Errorf("%s: no text", name)
	case len(e.Tags) == 0:
		return Entry{}, fmt.Errorf("%s: no tags", name)
	}
	if err := checkDocURL(e.URL); err != nil {
		return Entry{}, fmt.Errorf("%s: %w", name, err)
	}
	for _, a := range e.Applies {
		r, err := ParseApplies(a)
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", name, err)
		}
		e.ranges = append(e.ranges, r)
	}
	return e, nil
}

// checkDocURL accepts only the official documentation sites: an answer's
// references must lead to the vendor's own words.
func checkDocURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" {
		return fmt.Errorf("url %q: want an https link to dev.mysql.com or mariadb.com", raw)
	}
	if u.Host != "dev.mysql.com" && u.Host != "mariadb.com" {
		return fmt.Errorf("url %q: the reference must be the official documentation (dev.mysql.com or mariadb.com)", raw)
	}
	if u.Path == "" || u.Path == "/" {
		return fmt.Errorf("url %q: link the page, not the site", raw)
	}
	return nil
}

// KB is the loaded knowledge base with its full-text index, built on the
// first search.
type KB struct {
	entries []Entry
	byID    map[string]int
	byCode  map[string][]int

	once sync.Once
	db   *sql.DB
	err  error
}

// NewKB loads the embedded knowledge base.
func NewKB() (*KB, error) {
	sub, err := fs.Sub(kbFiles, "kb")
	if err != nil {
		return nil, err
	}
	return LoadKB(sub)
}

// LoadKB loads every *.md file of fsys (a development copy of kb/, for
// example). Each file must be named after its entry's id.
func LoadKB(fsys fs.FS) (*KB, error) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	k := &KB{byID: map[string]int{}, byCode: map[string][]int{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		e, err := ParseEntry(name, b)
		if err != nil {
			return nil, fmt.Errorf("knowledge base: %w", err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".md"); e.ID != want {
			return nil, fmt.Errorf("knowledge base: %s: id %q does not match the file name", name, e.ID)
		}
		if _, dup := k.byID[e.ID]; dup {
			return nil, fmt.Errorf("knowledge base: duplicate id %q", e.ID)
		}
		k.byID[e.ID] = len(k.entries)
		for _, c := range e.Codes {
			k.byCode[c] = append(k.byCode[c], len(k.entries))
		}
		k.entries = append(k.entries, e)
	}
	if len(k.entries) == 0 {
		return nil, errors.New("knowledge base: no entries")
	}
	return k, nil
}

// Entries returns every entry, ordered by id.
func (k *KB) Entries() []Entry { return slices.Clone(k.entries) }

// Entry returns the entry with id.
func (k *KB) Entry(id string) (Entry, bool) {
	i, ok := k.byID[id]
	if !ok {
		return Entry{}, false
	}
	return k.entries[i], true
}

// ForCode returns the entry explaining a code ("FullTableScan",
// "variable:max_connections") for s, when there is one.
func (k *KB) ForCode(code string, s dba.Server) (Entry, bool) {
	for _, i := range k.byCode[code] {
		if k.entries[i].AppliesTo(s) {
			return k.entries[i], true
		}
	}
	return Entry{}, false
}

// Close releases the index.
func (k *KB) Close() error {
	k.once.Do(func() { k.err = errors.New("knowledge base closed") })
	if k.db != nil {
		return k.db.Close()
	}
	return nil
}

// memConnector opens private in-memory SQLite databases without the
// driver's global registration.
type memConnector struct{ d *sqlite.Driver }

func (c memConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(":memory:") }
func (c memConnector) Driver() driver.Driver                        { return c.d }

// index builds the FTS5 index once. It lives in an in-memory database on a
// single connection (each connection to :memory: is its own database).
func (k *KB) index(ctx context.Context) (*sql.DB, error) {
	k.once.Do(func() {
		db := sql.OpenDB(memConnector{&sqlite.Driver{}})
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		// The index is shared by later searches: the request that
		// happens to build it must not leave it broken by being cancelled.
		if err := buildIndex(context.WithoutCancel(ctx), db, k.entries); err != nil {
			db.Close()
			k.err = fmt.Errorf("knowledge base index: %w", err)
			return
		}
		k.db = db
	})
	return k.db, k.err
}

func buildIndex(ctx context.Context, db *sql.DB, entries []Entry) error {
	// porter stems English ("locks" finds "locking"); unicode61 splits
	// identifiers at underscores, so "buffer pool" finds
	// innodb_buffer_pool_size.
	if _, err := db.ExecContext(ctx, `CREATE VIRTUAL TABLE kb USING fts5(title, tags, codes, body, tokenize = 'porter unicode61')`); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO kb(rowid, title, tags, codes, body) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, e := range entries {
		codes := make([]string, 0, 2*len(e.Codes))
		for _, c := range e.Codes {
			_, name, _ := strings.Cut(c, ":")
			if name == "" {
				name = c
			}
			codes = append(codes, c, splitCamel(name))
		}
		if _, err := st.ExecContext(ctx, i+1, e.Title, strings.Join(e.Tags, " "), strings.Join(codes, " "), e.Body); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// splitCamel turns a finding code into words: "FullTableScan" → "Full
// Table Scan", so a question in words finds it.
func splitCamel(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stopWords are left out of queries: in an OR query they would match
// nearly every entry.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true, "can": true,
	"do": true, "does": true, "for": true, "from": true, "how": true, "i": true, "if": true, "in": true, "is": true,
	"it": true, "my": true, "of": true, "on": true, "or": true, "should": true, "so": true, "that": true, "the": true,
	"this": true, "to": true, "what": true, "when": true, "where": true, "which": true, "why": true, "with": true,
	"we": true, "you": true, "me": true, "our": true, "was": true, "there": true, "these": true, "too": true,
}

// maxQueryTerms bounds a query built from a long question or a whole
// prompt: beyond this bm25 gains nothing and the query only gets slower.
const maxQueryTerms = 48

// ftsQuery turns free text into a safe FTS5 query: each word (letters,
// digits and underscores) becomes a quoted string, ORed. Quoting means no
// FTS5 syntax (NEAR, column filters, *, ^) can come from the text.
func ftsQuery(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	seen := map[string]bool{}
	var terms []string
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, "_"))
		if len([]rune(lw)) < 2 || stopWords[lw] || seen[lw] {
			continue
		}
		seen[lw] = true
		terms = append(terms, `"`+lw+`"`)
		if len(terms) == maxQueryTerms {
			break
		}
	}
	return strings.Join(terms, " OR ")
}

// Search returns up to k entries that best match query (bm25 over title,
// tags, codes and text) among those that apply to s, numbered 1..k. An
// empty query gives no citations.
func (k *KB) Search(ctx context.Context, query string, s dba.Server, n int) ([]Citation, error) {
	hits, err := k.search(ctx, query, s, n)
	if err != nil {
		return nil, err
	}
	out := make([]Citation, len(hits))
	for i, e := range hits {
		out[i] = e.Citation(i + 1)
	}
	return out, nil
}

// SearchEntries is Search returning whole entries, for callers that show
// or quote more than the snippet.
func (k *KB) SearchEntries(ctx context.Context, query string, s dba.Server, n int) ([]Entry, error) {
	return k.search(ctx, query, s, n)
}

func (k *KB) search(ctx context.Context, query string, s dba.Server, n int) ([]Entry, error) {
	if n <= 0 {
		n = 5
	}
	q := ftsQuery(query)
	if q == "" {
		return []Entry{}, nil
	}
	db, err := k.index(ctx)
	if err != nil {
		return nil, err
	}
	// Weights: a match in the title counts most, then codes and tags.
	rows, err := db.QueryContext(ctx, `SELECT rowid FROM kb WHERE kb MATCH ? ORDER BY bm25(kb, 8.0, 3.0, 6.0, 1.0), rowid`, q)
	if err != nil {
		return nil, fmt.Errorf("knowledge base search: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("knowledge base search: %w", err)
		}
		e := k.entries[id-1]
		// Filtering here rather than in SQL keeps the flavour and version
		// logic in one Go function; the index holds a few hundred rows.
		if !e.AppliesTo(s) {
			continue
		}
		out = append(out, e)
		if len(out) == n {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("knowledge base search: %w", err)
	}
	return out, nil
}
