package mycnf

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values in these tables were checked against MariaDB 10.11's
// my_print_defaults on the same input, so they record the servers'
// behaviour rather than ours.

func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		line string // one line under [client]
		want map[string]string
	}{
		{"key=value", "a=1", map[string]string{"a": "1"}},
		{"spaces around =", "  a  =  1  ", map[string]string{"a": "1"}},
		{"tabs around value", "a =\t1\t", map[string]string{"a": "1"}},
		{"bare key is a switch", "skip-ssl", map[string]string{"skip-ssl": ""}},
		{"empty value", "a = ", map[string]string{"a": ""}},
		{"value keeps later =", "a = b = c", map[string]string{"a": "b = c"}},
		{"comment after value", "a = 1 # note", map[string]string{"a": "1"}},
		{"hash inside value cuts it", "password=ab#cd", map[string]string{"password": "ab"}},
		{"semicolon is not a comment after a value", "a=x;y", map[string]string{"a": "x;y"}},
		{"hash in key part leaves a bare key", "t#x=1", map[string]string{"t": ""}},
		{"double quotes keep spaces and hash", `a = "  x # y  "  # z`, map[string]string{"a": "  x # y  "}},
		{"single quotes", `a='p w'`, map[string]string{"a": "p w"}},
		{"empty quotes", `a=''`, map[string]string{"a": ""}},
		{"lone quote is kept", `a="`, map[string]string{"a": `"`}},
		{"unbalanced quote is kept", `a="abc`, map[string]string{"a": `"abc`}},
		{"quotes only at both ends are removed", `a="x" "y"`, map[string]string{"a": `x" "y`}},
		{"inner quote after strip", `a = "x"y"`, map[string]string{"a": `x"y`}},
		{"mismatched quotes are kept", `a='x"`, map[string]string{"a": `'x"`}},
		{"quoted then comment with quotes", `a='x' # 'c'`, map[string]string{"a": "x"}},
		{"escaped quote inside single quotes", `a='it\'s'`, map[string]string{"a": "it's"}},
		{"escaped quote keeps hash quoted", `a="x\"#y"`, map[string]string{"a": `x"#y`}},
		{"quote after unquoted backslash opens a quote", `a=x\"y#z`, map[string]string{"a": `x"y#z`}},
		{"escapes", `a=\b\t\n\r\\\s\"\'|`, map[string]string{"a": "\b\t\n\r\\ \"'|"}},
		{"escapes inside quotes", `a="\ttab\s"`, map[string]string{"a": "\ttab "}},
		{"unknown escape keeps backslash", `a=\x\d`, map[string]string{"a": `\x\d`}},
		{"windows path pitfall", `a=C:\path\new`, map[string]string{"a": "C:\\path\new"}},
		{"trailing backslash kept", `a=x\`, map[string]string{"a": `x\`}},
		{"s escape keeps trailing space", `a=x\s`, map[string]string{"a": "x "}},
		{"key lower-cased", "Max_Allowed_Packet=1M", map[string]string{"max-allowed-packet": "1M"}},
		{"underscore to dash", "ssl_ca=/ca.pem", map[string]string{"ssl-ca": "/ca.pem"}},
		{"loose prefix stripped", "loose-plugin_x=ON", map[string]string{"plugin-x": "ON"}},
		{"loose underscore prefix stripped", "LOOSE_skip_x", map[string]string{"skip-x": ""}},
		{"dotted component option", "validate_password.length=8", map[string]string{"validate-password.length": "8"}},
		{"utf-8 value", "a=päss wörd", map[string]string{"a": "päss wörd"}},
		{"crlf line ending", "a=1\r", map[string]string{"a": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse(strings.NewReader("[client]\n"+tt.line+"\n"), "t.cnf")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, o.Group("client")); diff != "" {
				t.Errorf("Group(client) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStructure(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantGroups []string
		wantAll    []Option
	}{
		{
			name:       "empty file",
			in:         "",
			wantGroups: nil,
			wantAll:    nil,
		},
		{
			name: "comments and blank lines",
			in: "# top comment\n; another\n\n   \t\n[client]\n  # indented comment\n" +
				"  ; indented semicolon\nuser=u\n",
			wantGroups: []string{"client"},
			wantAll:    []Option{{Group: "client", Key: "user", Value: "u", HasValue: true, File: "t.cnf", Line: 8}},
		},
		{
			name:       "group names are case-insensitive and trimmed",
			in:         "[ Client ]\na=1\n[CLIENT]\nb\n\t[mysqld]   # server\n[empty] ; nothing\n",
			wantGroups: []string{"client", "mysqld", "empty"},
			wantAll: []Option{
				{Group: "client", Key: "a", Value: "1", HasValue: true, File: "t.cnf", Line: 2},
				{Group: "client", Key: "b", File: "t.cnf", Line: 4},
			},
		},
		{
			name:       "versioned groups",
			in:         "[mysqld-8.0]\na=1\n[mariadb-10.11]\nb=2\n",
			wantGroups: []string{"mysqld-8.0", "mariadb-10.11"},
			wantAll: []Option{
				{Group: "mysqld-8.0", Key: "a", Value: "1", HasValue: true, File: "t.cnf", Line: 2},
				{Group: "mariadb-10.11", Key: "b", Value: "2", HasValue: true, File: "t.cnf", Line: 4},
			},
		},
		{
			name:       "byte-order mark",
			in:         "\uFEFF[client]\na=1\n",
			wantGroups: []string{"client"},
			wantAll:    []Option{{Group: "client", Key: "a", Value: "1", HasValue: true, File: "t.cnf", Line: 2}},
		},
		{
			name:       "no final newline",
			in:         "[client]\na=1",
			wantGroups: []string{"client"},
			wantAll:    []Option{{Group: "client", Key: "a", Value: "1", HasValue: true, File: "t.cnf", Line: 2}},
		},
		{
			name:       "directives are checked but not followed by Parse",
			in:         "!include /nonexistent/x.cnf\n[client]\n  !includedir   relative/dir  \na=1\n",
			wantGroups: []string{"client"},
			wantAll:    []Option{{Group: "client", Key: "a", Value: "1", HasValue: true, File: "t.cnf", Line: 4}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse(strings.NewReader(tt.in), "t.cnf")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.wantGroups, o.Groups()); diff != "" {
				t.Errorf("Groups mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAll, o.All()); diff != "" {
				t.Errorf("All mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupMerge(t *testing.T) {
	const in = `[client]
host = a
port = 3306
[mysql]
host = b
[mysqldump]
host = c
[client]
user = u
port = 3307
`
	tests := []struct {
		name   string
		groups []string
		want   map[string]string
	}{
		{"one group", []string{"client"}, map[string]string{"host": "a", "port": "3307", "user": "u"}},
		{"later in file wins", []string{"client", "mysql"}, map[string]string{"host": "b", "port": "3307", "user": "u"}},
		{"order of names does not matter", []string{"mysql", "client"}, map[string]string{"host": "b", "port": "3307", "user": "u"}},
		{"names are case-insensitive", []string{"MySQLDump"}, map[string]string{"host": "c"}},
		{"unknown group", []string{"nope"}, map[string]string{}},
		{"no names", nil, map[string]string{}},
	}
	o, err := Parse(strings.NewReader(in), "t.cnf")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, o.Group(tt.groups...)); diff != "" {
				t.Errorf("Group(%q) mismatch (-want +got):\n%s", tt.groups, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	// Every input carries the secret "s3cret" on the failing line; no
	// message may repeat it.
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"option before group", "password=s3cret\n", "t.cnf:1: option before any [group] header"},
		{"bare key before group", "# c\ns3cret\n", "t.cnf:2: option before any [group] header"},
		{"unclosed group", "[client\nx=s3cret\n", "t.cnf:1: group header without closing ']'"},
		{"empty group", "[ ]\n", "t.cnf:1: empty group name"},
		{"text after group", "[client] s3cret\n", "t.cnf:1: unexpected text after group header"},
		{"leading dashes", "[client]\n--password=s3cret\n", "t.cnf:2: invalid option name (must start with a letter or digit)"},
		{"space in key", "[client]\nmy s3cret\n", "t.cnf:2: invalid option name (letters, digits, '-', '_' and '.' only)"},
		{"quote in key", "[client]\n's3cret'\n", "t.cnf:2: invalid option name (must start with a letter or digit)"},
		{"empty key", "[client]\n = s3cret\n", "t.cnf:2: option without a name"},
		{"loose only", "[client]\nloose-=s3cret\n", "t.cnf:2: option without a name after loose- prefix"},
		{"unknown directive", "[client]\n!source s3cret\n", "t.cnf:2: unknown directive (want !include or !includedir)"},
		{"include without path", "[client]\n!include   \n", "t.cnf:2: !include without a path"},
		{"includedir without path", "[client]\n!includedir", "t.cnf:2: !includedir without a path"},
		{"glued directive", "[client]\n!includes3cret\n", "t.cnf:2: unknown directive (want !include or !includedir)"},
		{"nul byte", "[client]\npassword=s3c\x00ret\n", "t.cnf:2: line contains a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "t.cnf")
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q leaks the value", err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	r := strings.NewReader("[client]\n" + strings.Repeat("#", maxFileSize))
	_, err := Parse(r, "big.cnf")
	want := "big.cnf: larger than 16777216 bytes"
	if err == nil || err.Error() != want {
		t.Fatalf("Parse error = %v, want %q", err, want)
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"[client]\nuser=u\npassword=\"p # w\" # c\n",
		"[client]\na='it\\'s'\nb=\\x\\s\n!include x.cnf\n",
		"x=1\n",
		"[mysqld]\nloose_innodb_buffer_pool_size = 1G\nskip-name-resolve\n",
		"[a]\nb=\"\n[c\n",
		"\uFEFF[client]\r\nhost = h\r\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		o, err := Parse(strings.NewReader(in), "fuzz.cnf")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.cnf:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		lines := strings.Count(in, "\n") + 1
		groups := map[string]bool{}
		for _, g := range o.Groups() {
			if g == "" || g != strings.ToLower(g) {
				t.Fatalf("bad group name %q", g)
			}
			groups[g] = true
		}
		for _, op := range o.All() {
			if _, msg := normaliseKey(op.Key); msg != "" || op.Key != strings.ToLower(op.Key) || strings.Contains(op.Key, "_") {
				t.Fatalf("key %q not normalised: %s", op.Key, msg)
			}
			if !groups[op.Group] {
				t.Fatalf("option in unknown group %q", op.Group)
			}
			if op.Line < 1 || op.Line > lines || op.File != "fuzz.cnf" {
				t.Fatalf("bad position %s:%d", op.File, op.Line)
			}
			if !op.HasValue && op.Value != "" {
				t.Fatalf("bare key %q has a value", op.Key)
			}
		}
	})
}
