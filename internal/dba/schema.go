package dba

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The explorer's vocabulary: what a server's catalog looks like to mydba,
// independent of the information_schema spelling of MySQL or MariaDB.

// Page sizes of explorer listings.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
	// DefaultPreviewRows and MaxPreviewRows bound a data preview.
	DefaultPreviewRows = 20
	MaxPreviewRows     = 1000
	// DefaultPreviewCellBytes caps one value of a preview: a preview must
	// never load a 1 GB BLOB into memory.
	DefaultPreviewCellBytes = 1 << 20
)

// QualifiedName is schema.name, both parts as the server spells them.
type QualifiedName struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
}

// String writes the name back in a form ParseQualifiedName reads: parts are
// backtick-quoted only when they need it.
func (q QualifiedName) String() string {
	return QuoteIdentIfNeeded(q.Schema) + "." + QuoteIdentIfNeeded(q.Name)
}

// QuoteIdentIfNeeded returns s as is when it is a plain identifier
// (letters, digits, '_', '$', not all digits), else backtick-quoted with
// backticks doubled. For display and for arguments a user can paste back.
func QuoteIdentIfNeeded(s string) string {
	plain := s != ""
	digits := true
	for _, r := range s {
		if r != '_' && r != '$' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			plain = false
			break
		}
		if !unicode.IsDigit(r) {
			digits = false
		}
	}
	if plain && !digits {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// ParseIdentifier reads one schema or object name: either bare text, taken
// literally (surrounding spaces trimmed, dots and all), or a backtick-quoted
// identifier with a doubled backtick for a backtick.
func ParseIdentifier(s string) (string, error) {
	in := strings.TrimSpace(s)
	if !strings.HasPrefix(in, "`") {
		if !utf8.ValidString(in) {
			return "", fmt.Errorf("%w: name is not valid UTF-8", ErrInvalid)
		}
		return in, checkIdent(in)
	}
	name, rest, err := parseIdentPart(in)
	if err != nil {
		return "", err
	}
	if rest != "" {
		return "", fmt.Errorf("%w: name %q: unexpected %q after the closing backtick", ErrInvalid, s, rest)
	}
	return name, nil
}

// ParseQualifiedName reads DB.NAME, where each part is bare (no dot, no
// backtick) or backtick-quoted: `a.b`.`c`, shop.`order items`. Inside
// backticks a doubled backtick stands for one. A name with more than one
// unquoted dot is refused: it is ambiguous.
func ParseQualifiedName(s string) (QualifiedName, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return QualifiedName{}, fmt.Errorf("%w: name is empty: want DB.NAME", ErrInvalid)
	}
	schema, rest, err := parseIdentPart(in)
	if err != nil {
		return QualifiedName{}, err
	}
	if !strings.HasPrefix(rest, ".") {
		if rest == "" {
			return QualifiedName{}, fmt.Errorf("%w: %q has no schema: want DB.NAME (quote parts holding dots with backticks: `a.b`.c)", ErrInvalid, s)
		}
		return QualifiedName{}, fmt.Errorf("%w: name %q: unexpected %q after the closing backtick", ErrInvalid, s, rest)
	}
	name, rest, err := parseIdentPart(rest[1:])
	if err != nil {
		return QualifiedName{}, err
	}
	if rest != "" {
		return QualifiedName{}, fmt.Errorf("%w: %q has more than two parts: want DB.NAME (quote parts holding dots with backticks: `a.b`.c)", ErrInvalid, s)
	}
	return QualifiedName{Schema: schema, Name: name}, nil
}

// parseIdentPart reads one part from the front of s and returns the rest,
// which starts at the dot (or trailing text) after it.
func parseIdentPart(s string) (name, rest string, err error) {
	if !utf8.ValidString(s) {
		return "", "", fmt.Errorf("%w: name is not valid UTF-8", ErrInvalid)
	}
	if strings.HasPrefix(s, "`") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '`' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '`' {
				b.WriteByte('`')
				i++
				continue
			}
			name = b.String()
			if err := checkIdent(name); err != nil {
				return "", "", err
			}
			return name, s[i+1:], nil
		}
		return "", "", fmt.Errorf("%w: name %q: unterminated backtick", ErrInvalid, s)
	}
	end := strings.IndexByte(s, '.')
	if end < 0 {
		end = len(s)
	}
	name = strings.TrimSpace(s[:end])
	if strings.Contains(name, "`") {
		return "", "", fmt.Errorf("%w: name %q: a backtick inside a name needs the whole part quoted: `we``ird`", ErrInvalid, name)
	}
	if err := checkIdent(name); err != nil {
		return "", "", err
	}
	return name, s[end:], nil
}

// ValidateIdentifier refuses a schema or object name no server accepts
// (empty, over 64 characters, holding NUL), so such input fails before any
// round trip.
func ValidateIdentifier(name string) error { return checkIdent(name) }

// checkIdent refuses what no server accepts as a name, so such input fails
// before any round trip.
func checkIdent(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name part: want DB.NAME", ErrInvalid)
	case utf8.RuneCountInString(name) > 64:
		return fmt.Errorf("%w: name %q is longer than 64 characters", ErrInvalid, name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("%w: name contains a NUL character", ErrInvalid)
	}
	return nil
}

// SchemaQuery selects one page of schemas. Filter is a case-insensitive
// substring of the name ('%' and '_' match themselves); After is the last
// name of the previous page (names are in byte order).
type SchemaQuery struct {
	Filter string `json:"filter,omitempty"`
	After  string `json:"after,omitempty"`
	Limit  int    `json:"limit"`
}

// Normalize fills the default limit and refuses out-of-range values.
func (q *SchemaQuery) Normalize() error {
	return normalizePage(&q.Limit, DefaultPageSize, MaxPageSize)
}

func normalizePage(limit *int, def, maxN int) error {
	switch {
	case *limit == 0:
		*limit = def
	case *limit < 0 || *limit > maxN:
		return fmt.Errorf("%w: --limit %d: want 1 to %d", ErrInvalid, *limit, maxN)
	}
	return nil
}

// SchemaPage is one page of schemas. Next, when set, is the After of the
// following page.
type SchemaPage struct {
	Schemas []SchemaInfo `json:"schemas"`
	Next    string       `json:"next,omitempty"`
	// Notes say where figures may be incomplete (for example sizes read
	// without access to mysql.innodb_table_stats).
	Notes []string `json:"notes,omitempty"`
}

// SchemaInfo is one schema with its size.
type SchemaInfo struct {
	Name      string `json:"name"`
	Charset   string `json:"charset"`
	Collation string `json:"collation"`
	// System marks the server's own schemas (mysql, sys,
	// information_schema, performance_schema).
	System bool `json:"system,omitempty"`
	// Tables counts base tables (and sequences), Views the views.
	Tables int `json:"tables"`
	Views  int `json:"views"`
	// DataBytes and IndexBytes are the engines' estimates, summed.
	DataBytes  int64 `json:"data_bytes"`
	IndexBytes int64 `json:"index_bytes"`
}

// SizeBytes is data plus indexes.
func (s SchemaInfo) SizeBytes() int64 { return s.DataBytes + s.IndexBytes }

// IsSystemSchema reports whether name is one of the server's own schemas.
func IsSystemSchema(name string) bool {
	switch strings.ToLower(name) {
	case "mysql", "sys", "information_schema", "performance_schema":
		return true
	}
	return false
}

// TableType narrows a table listing.
type TableType string

// Table types. "table" includes MariaDB's system-versioned tables; "view"
// includes system views.
const (
	TableTypeAny      TableType = ""
	TableTypeTable    TableType = "table"
	TableTypeView     TableType = "view"
	TableTypeSequence TableType = "sequence"
)

// ParseTableType reads --type.
func ParseTableType(s string) (TableType, error) {
	switch t := TableType(strings.ToLower(strings.TrimSpace(s))); t {
	case TableTypeAny, TableTypeTable, TableTypeView, TableTypeSequence:
		return t, nil
	case "tables", "base", "base table":
		return TableTypeTable, nil
	case "views":
		return TableTypeView, nil
	}
	return "", fmt.Errorf("%w: type %q: want table, view or sequence", ErrInvalid, s)
}

// TableTypeOf maps information_schema.TABLES.TABLE_TYPE to the explorer's
// spelling: "BASE TABLE" is "table", the rest lower case.
func TableTypeOf(raw string) string {
	switch strings.ToUpper(raw) {
	case "BASE TABLE":
		return "table"
	case "SYSTEM VERSIONED":
		return "table (system versioned)"
	}
	return strings.ToLower(raw)
}

// TableQuery selects one page of a schema's tables.
type TableQuery struct {
	Schema string    `json:"schema"`
	Filter string    `json:"filter,omitempty"`
	After  string    `json:"after,omitempty"`
	Limit  int       `json:"limit"`
	Type   TableType `json:"type,omitempty"`
}

// Normalize fills the default limit and refuses bad values.
func (q *TableQuery) Normalize() error {
	if err := checkIdent(q.Schema); err != nil {
		return err
	}
	if _, err := ParseTableType(string(q.Type)); err != nil {
		return err
	}
	return normalizePage(&q.Limit, DefaultPageSize, MaxPageSize)
}

// TablePage is one page of tables.
type TablePage struct {
	Schema string      `json:"schema"`
	Tables []TableInfo `json:"tables"`
	Next   string      `json:"next,omitempty"`
}

// TableInfo is one table or view as information_schema.TABLES shows it.
// Sizes and row counts are engine estimates; nil where the server has none
// (views).
type TableInfo struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Engine     string `json:"engine,omitempty"`
	RowFormat  string `json:"row_format,omitempty"`
	Rows       *int64 `json:"rows_estimate"`
	DataBytes  *int64 `json:"data_bytes"`
	IndexBytes *int64 `json:"index_bytes"`
	Collation  string `json:"collation,omitempty"`
	// Created and Updated are as the server shows them, in its time zone
	// ("2024-05-01 10:00:00").
	Created string `json:"created,omitempty"`
	Updated string `json:"updated,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// TableDetail is everything `describe` shows about one table or view.
type TableDetail struct {
	Schema       string         `json:"schema"`
	Table        TableInfo      `json:"table"`
	Columns      []TableColumn  `json:"columns"`
	Indexes      []TableIndex   `json:"indexes"`
	ForeignKeys  []ForeignKey   `json:"foreign_keys"`
	ReferencedBy []ForeignKey   `json:"referenced_by"`
	Triggers     []SchemaObject `json:"triggers"`
	// TriggersHidden says why triggers may be missing ("hidden: needs
	// TRIGGER privilege"); empty when the list is complete.
	TriggersHidden string   `json:"triggers_hidden,omitempty"`
	Create         string   `json:"create"`
	Notes          []string `json:"notes,omitempty"`
}

// TableColumn is one column.
type TableColumn struct {
	Position int    `json:"position"`
	Name     string `json:"name"`
	// Type is the full column type ("int(10) unsigned", "enum('a','b')").
	Type     string `json:"type"`
	DataType string `json:"data_type"`
	Nullable bool   `json:"nullable"`
	// Default is nil when the column has no default.
	Default *ColumnDefault `json:"default"`
	// Generated is "virtual" or "stored" for a generated column, whose
	// Expression is the generation expression.
	Generated     string `json:"generated,omitempty"`
	Expression    string `json:"expression,omitempty"`
	AutoIncrement bool   `json:"auto_increment,omitempty"`
	// OnUpdate is the ON UPDATE expression ("current_timestamp()").
	OnUpdate  string `json:"on_update,omitempty"`
	Invisible bool   `json:"invisible,omitempty"`
	Charset   string `json:"charset,omitempty"`
	Collation string `json:"collation,omitempty"`
	Comment   string `json:"comment,omitempty"`
}

// DefaultSQL renders the column's default as a CREATE TABLE would: a
// literal bare for a numeric column and quoted otherwise, NULL, or the
// expression; "" when the column has no default.
func (c TableColumn) DefaultSQL() string {
	if c.Default != nil && c.Default.Kind == DefaultLiteral && isNumericType(c.DataType) {
		return c.Default.Value
	}
	return c.Default.String()
}

func isNumericType(t string) bool {
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "real", "year":
		return true
	}
	return false
}

// Default kinds.
const (
	DefaultNull       = "null"
	DefaultLiteral    = "literal"
	DefaultExpression = "expression"
)

// ColumnDefault is a column's DEFAULT: NULL, a literal value (unquoted), or
// an expression (CURRENT_TIMESTAMP, uuid()).
type ColumnDefault struct {
	Kind  string `json:"kind"`
	Value string `json:"value,omitempty"`
}

// String renders the default as SQL would spell it.
func (d *ColumnDefault) String() string {
	switch {
	case d == nil:
		return ""
	case d.Kind == DefaultNull:
		return "NULL"
	case d.Kind == DefaultExpression:
		return d.Value
	}
	return "'" + strings.ReplaceAll(d.Value, "'", "''") + "'"
}

// TableIndex is one index with its parts in order.
type TableIndex struct {
	Name    string `json:"name"`
	Primary bool   `json:"primary,omitempty"`
	Unique  bool   `json:"unique"`
	// Type is BTREE, HASH, FULLTEXT, SPATIAL (or RTREE) as the server says.
	Type  string      `json:"type"`
	Parts []IndexPart `json:"parts"`
	// Visible is false for a MySQL INVISIBLE index or a MariaDB IGNORED
	// one: the optimizer does not use it, but it is maintained.
	Visible bool   `json:"visible"`
	Comment string `json:"comment,omitempty"`
}

// IndexPart is one key part: a column (with an optional prefix length) or,
// on MySQL 8.0.13+, an expression.
type IndexPart struct {
	Column     string `json:"column,omitempty"`
	Expression string `json:"expression,omitempty"`
	// SubPart is the prefix length in characters (bytes for binary types).
	SubPart *int `json:"sub_part,omitempty"`
	// Order is ASC, DESC, or empty where the index is not ordered (HASH,
	// FULLTEXT).
	Order string `json:"order,omitempty"`
	// Cardinality is the estimated number of distinct values of the key
	// prefix ending at this part; nil when unknown.
	Cardinality *int64 `json:"cardinality"`
	Nullable    bool   `json:"nullable,omitempty"`
}

// ForeignKey is one constraint, named from both ends: in a table's
// foreign_keys it is that table's; in referenced_by, another table's.
type ForeignKey struct {
	Name       string   `json:"name"`
	Schema     string   `json:"schema"`
	Table      string   `json:"table"`
	Columns    []string `json:"columns"`
	RefSchema  string   `json:"ref_schema"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	OnUpdate   string   `json:"on_update"`
	OnDelete   string   `json:"on_delete"`
}

// ObjectKind is a kind of schema object.
type ObjectKind string

// Object kinds. KindRoutine lists procedures and functions together.
const (
	KindTable     ObjectKind = "table"
	KindView      ObjectKind = "view"
	KindRoutine   ObjectKind = "routine"
	KindProcedure ObjectKind = "procedure"
	KindFunction  ObjectKind = "function"
	KindTrigger   ObjectKind = "trigger"
	KindEvent     ObjectKind = "event"
)

// ParseObjectKind reads an object kind; listing allows "routine",
// SHOW CREATE needs procedure or function.
func ParseObjectKind(s string, forCreate bool) (ObjectKind, error) {
	k := ObjectKind(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "s"))
	if k == "procedure" || k == "proc" {
		k = KindProcedure
	}
	valid := []ObjectKind{KindView, KindRoutine, KindTrigger, KindEvent}
	want := "view, routine, trigger or event"
	if forCreate {
		valid = []ObjectKind{KindTable, KindView, KindProcedure, KindFunction, KindTrigger, KindEvent}
		want = "table, view, procedure, function, trigger or event"
	}
	for _, v := range valid {
		if k == v {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w: object type %q: want %s", ErrInvalid, s, want)
}

// ObjectQuery selects one page of a schema's views, routines, triggers or
// events.
type ObjectQuery struct {
	Schema string     `json:"schema"`
	Kind   ObjectKind `json:"kind"`
	Filter string     `json:"filter,omitempty"`
	After  string     `json:"after,omitempty"`
	Limit  int        `json:"limit"`
}

// Normalize fills the default limit and refuses bad values.
func (q *ObjectQuery) Normalize() error {
	if err := checkIdent(q.Schema); err != nil {
		return err
	}
	if _, err := ParseObjectKind(string(q.Kind), false); err != nil {
		return err
	}
	return normalizePage(&q.Limit, DefaultPageSize, MaxPageSize)
}

// ObjectPage is one page of schema objects.
type ObjectPage struct {
	Schema  string         `json:"schema"`
	Kind    ObjectKind     `json:"kind"`
	Objects []SchemaObject `json:"objects"`
	Next    string         `json:"next,omitempty"`
	// Hidden says why objects may be missing from the list ("hidden: needs
	// EVENT privilege on shop"); empty when the list is complete.
	Hidden string `json:"hidden,omitempty"`
}

// SchemaObject is a view, routine, trigger or event. Fields that do not
// apply to a kind are empty.
type SchemaObject struct {
	Name string     `json:"name"`
	Kind ObjectKind `json:"kind"`
	// Table is a trigger's table.
	Table string `json:"table,omitempty"`
	// Timing and Event are a trigger's BEFORE/AFTER and
	// INSERT/UPDATE/DELETE; Order its position among same-event triggers.
	Timing string `json:"timing,omitempty"`
	Event  string `json:"event,omitempty"`
	Order  int    `json:"order,omitempty"`
	// Returns is a function's return type.
	Returns       string `json:"returns,omitempty"`
	Deterministic bool   `json:"deterministic,omitempty"`
	Security      string `json:"security,omitempty"`
	// Updatable and CheckOption describe a view.
	Updatable   bool   `json:"updatable,omitempty"`
	CheckOption string `json:"check_option,omitempty"`
	// Schedule and Status describe an event ("EVERY 1 DAY", ENABLED).
	Schedule string `json:"schedule,omitempty"`
	Status   string `json:"status,omitempty"`
	Definer  string `json:"definer,omitempty"`
	Created  string `json:"created,omitempty"`
	Modified string `json:"modified,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// CreateStatement is the server's SHOW CREATE output for one object.
type CreateStatement struct {
	Kind   ObjectKind `json:"kind"`
	Schema string     `json:"schema"`
	Name   string     `json:"name"`
	// SQL is empty when Hidden says why it cannot be read.
	SQL     string `json:"sql"`
	Hidden  string `json:"hidden,omitempty"`
	SQLMode string `json:"sql_mode,omitempty"`
	// CharsetClient and CollationConnection are the session settings the
	// object was created under (views, routines, triggers, events).
	CharsetClient       string `json:"character_set_client,omitempty"`
	CollationConnection string `json:"collation_connection,omitempty"`
}

// PreviewQuery asks for rows of a table. After holds the key values of the
// last row of the previous page, in key order (binary values as 0x-hex).
type PreviewQuery struct {
	Table QualifiedName `json:"table"`
	Limit int           `json:"limit"`
	After []string      `json:"after,omitempty"`
	// MaxCellBytes caps each value (default DefaultPreviewCellBytes).
	MaxCellBytes int `json:"max_cell_bytes,omitempty"`
}

// Normalize fills defaults and refuses bad values.
func (q *PreviewQuery) Normalize() error {
	if err := checkIdent(q.Table.Schema); err != nil {
		return err
	}
	if err := checkIdent(q.Table.Name); err != nil {
		return err
	}
	if q.MaxCellBytes == 0 {
		q.MaxCellBytes = DefaultPreviewCellBytes
	}
	if q.MaxCellBytes < 16 {
		return fmt.Errorf("%w: cell cap %d is too small: want at least 16 bytes", ErrInvalid, q.MaxCellBytes)
	}
	return normalizePage(&q.Limit, DefaultPreviewRows, MaxPreviewRows)
}

// Preview is one page of a table's rows. Values are the server's text;
// binary columns (Binary) hold "0x" + hex.
type Preview struct {
	Schema  string          `json:"schema"`
	Table   string          `json:"table"`
	Columns []PreviewColumn `json:"columns"`
	Rows    [][]Value       `json:"rows"`
	// Key names the index used for keyset paging and its columns; empty
	// when the table has no primary or non-null unique key.
	KeyIndex string   `json:"key_index,omitempty"`
	Key      []string `json:"key"`
	// Next holds the After values of the following page; nil at the end or
	// without a key.
	Next []string `json:"next,omitempty"`
	// Truncated is true when a value was cut at MaxCellBytes (that column's
	// Truncated counts how many).
	Truncated bool   `json:"truncated"`
	Note      string `json:"note,omitempty"`
}

// PreviewColumn describes one column of a preview.
type PreviewColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Binary columns' values are "0x" + hex.
	Binary bool `json:"binary,omitempty"`
	// Numeric columns' values are numbers in JSON.
	Numeric   bool `json:"numeric,omitempty"`
	Truncated int  `json:"truncated,omitempty"`
}

// Value is one cell: NULL, or the server's text.
type Value struct {
	Null bool
	Text string
	// Number marks text that is a JSON-safe number literal.
	Number bool
}

// MarshalJSON writes null, a number, or a string.
func (v Value) MarshalJSON() ([]byte, error) {
	switch {
	case v.Null:
		return []byte("null"), nil
	case v.Number:
		return []byte(v.Text), nil
	}
	return json.Marshal(v.Text)
}

// IsJSONNumber reports whether s, as a server printed a numeric value, is
// also a valid JSON number (so "1e300" is, "-0.5" is, ".5" and "inf" are not).
func IsJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == f {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		e := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == e {
			return false
		}
	}
	return i == len(s)
}
