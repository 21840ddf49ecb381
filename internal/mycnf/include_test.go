package mycnf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeTree writes files (path relative to dir -> content) with mode 0644.
// "DIR" in a content is replaced by dir, for absolute includes.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") { // a directory only
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "DIR", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// relOptions rewrites each Option.File relative to dir so expectations do
// not depend on the temporary directory.
func relOptions(t *testing.T, dir string, opts []Option) []Option {
	t.Helper()
	for i := range opts {
		rel, err := filepath.Rel(dir, opts[i].File)
		if err != nil {
			t.Fatal(err)
		}
		opts[i].File = rel
	}
	return opts
}

// chain returns n files c0.cnf .. c{n-1}.cnf, each including the next.
func chain(n int) map[string]string {
	files := map[string]string{}
	for i := range n {
		s := fmt.Sprintf("[client]\nc%d=%d\n", i, i)
		if i < n-1 {
			s += fmt.Sprintf("!include c%d.cnf\n", i+1)
		}
		files[fmt.Sprintf("c%d.cnf", i)] = s
	}
	return files
}

func TestReadFileIncludes(t *testing.T) {
	opt := func(file string, line int, group, key, value string) Option {
		return Option{Group: group, Key: key, Value: value, HasValue: true, File: file, Line: line}
	}
	tests := []struct {
		name       string
		files      map[string]string
		top        string
		wantGroups []string
		want       []Option
	}{
		{
			name: "absolute include, group resumes after it",
			files: map[string]string{
				"my.cnf":    "[client]\nhost=a\n!include DIR/extra.cnf\nport=1\n",
				"extra.cnf": "[mysqld]\nport=2\n",
			},
			top:        "my.cnf",
			wantGroups: []string{"client", "mysqld"},
			want: []Option{
				opt("my.cnf", 2, "client", "host", "a"),
				opt("extra.cnf", 2, "mysqld", "port", "2"),
				opt("my.cnf", 4, "client", "port", "1"),
			},
		},
		{
			name: "relative includes resolve against the including file",
			files: map[string]string{
				"my.cnf":         "!include conf/a.cnf\n",
				"conf/a.cnf":     "[client]\na=1\n!include sub/b.cnf\n",
				"conf/sub/b.cnf": "[client]\nb=2\n!include ../c.cnf\n",
				"conf/c.cnf":     "[client]\nc=3\n",
			},
			top:        "my.cnf",
			wantGroups: []string{"client"},
			want: []Option{
				opt("conf/a.cnf", 2, "client", "a", "1"),
				opt("conf/sub/b.cnf", 2, "client", "b", "2"),
				opt("conf/c.cnf", 2, "client", "c", "3"),
			},
		},
		{
			name: "includedir reads only .cnf files, sorted by name",
			files: map[string]string{
				"my.cnf":              "[client]\nfirst=1\n!includedir conf.d\nlast=1\n",
				"conf.d/50-b.cnf":     "[client]\nb=1\n",
				"conf.d/10-a.cnf":     "[client]\na=1\n",
				"conf.d/99-z.txt":     "[client]\nz=1\n",
				"conf.d/60.cnf.bak":   "[client]\nbak=1\n",
				"conf.d/70.CNF":       "[client]\nupper=1\n",
				"conf.d/.cnf":         "[client]\nhidden=1\n",
				"conf.d/80-dir.cnf/":  "",
				"conf.d/README":       "not an option file",
				"conf.d/Z-upper.cnf":  "[client]\nupperz=1\n",
				"conf.d/20-tab.cnf":   "[mysqld]\ntab=1\n",
				"conf.d/empty/x.cnf":  "[client]\nnested=1\n",
				"conf.d/30-group.cnf": "[client]\n",
			},
			top:        "my.cnf",
			wantGroups: []string{"client", "mysqld"},
			want: []Option{
				opt("my.cnf", 2, "client", "first", "1"),
				opt("conf.d/.cnf", 2, "client", "hidden", "1"),
				opt("conf.d/10-a.cnf", 2, "client", "a", "1"),
				opt("conf.d/20-tab.cnf", 2, "mysqld", "tab", "1"),
				opt("conf.d/50-b.cnf", 2, "client", "b", "1"),
				opt("conf.d/Z-upper.cnf", 2, "client", "upperz", "1"),
				opt("my.cnf", 4, "client", "last", "1"),
			},
		},
		{
			name: "same file included twice is read twice",
			files: map[string]string{
				"my.cnf": "[client]\n!include b.cnf\n!include b.cnf\n",
				"b.cnf":  "[client]\nb=1\n",
			},
			top:        "my.cnf",
			wantGroups: []string{"client"},
			want:       []Option{opt("b.cnf", 2, "client", "b", "1"), opt("b.cnf", 2, "client", "b", "1")},
		},
		{
			name:       "eleven nested files reach the depth limit exactly",
			files:      chain(11),
			top:        "c0.cnf",
			wantGroups: []string{"client"},
			want: []Option{
				opt("c0.cnf", 2, "client", "c0", "0"), opt("c1.cnf", 2, "client", "c1", "1"),
				opt("c2.cnf", 2, "client", "c2", "2"), opt("c3.cnf", 2, "client", "c3", "3"),
				opt("c4.cnf", 2, "client", "c4", "4"), opt("c5.cnf", 2, "client", "c5", "5"),
				opt("c6.cnf", 2, "client", "c6", "6"), opt("c7.cnf", 2, "client", "c7", "7"),
				opt("c8.cnf", 2, "client", "c8", "8"), opt("c9.cnf", 2, "client", "c9", "9"),
				opt("c10.cnf", 2, "client", "c10", "10"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.files)
			o, err := ReadFile(filepath.Join(dir, tt.top))
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if diff := cmp.Diff(tt.wantGroups, o.Groups()); diff != "" {
				t.Errorf("Groups mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, relOptions(t, dir, o.All())); diff != "" {
				t.Errorf("All mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFileSymlinkedInclude(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"real/a.cnf": "[client]\n!include ../link.cnf\n",
		"b.cnf":      "[client]\nb=1\n",
	})
	if err := os.Symlink(filepath.Join(dir, "b.cnf"), filepath.Join(dir, "link.cnf")); err != nil {
		t.Fatal(err)
	}
	o, err := ReadFile(filepath.Join(dir, "real/a.cnf"))
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"b": "1"}, o.Group("client")); diff != "" {
		t.Errorf("Group mismatch (-want +got):\n%s", diff)
	}
}

func TestReadFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		top   string
		// want is the whole message with the temporary directory as DIR.
		want   string
		wantIs error
	}{
		{
			name:   "missing top-level file",
			files:  map[string]string{},
			top:    "nope.cnf",
			want:   "open option file: lstat DIR/nope.cnf: no such file or directory",
			wantIs: fs.ErrNotExist,
		},
		{
			name:   "missing included file is named",
			files:  map[string]string{"my.cnf": "[client]\n!include gone.cnf\n"},
			top:    "my.cnf",
			want:   "DIR/my.cnf:2: !include gone.cnf: open option file: lstat DIR/gone.cnf: no such file or directory",
			wantIs: fs.ErrNotExist,
		},
		{
			name:   "missing include directory is named",
			files:  map[string]string{"my.cnf": "[client]\n!includedir DIR/conf.d\n"},
			top:    "my.cnf",
			want:   "DIR/my.cnf:2: !includedir DIR/conf.d: read include directory: open DIR/conf.d: no such file or directory",
			wantIs: fs.ErrNotExist,
		},
		{
			name:  "include of a directory",
			files: map[string]string{"my.cnf": "[client]\n!include conf.d\n", "conf.d/": ""},
			top:   "my.cnf",
			want:  "DIR/my.cnf:2: !include conf.d: DIR/conf.d: not a regular file",
		},
		{
			name:  "self include",
			files: map[string]string{"my.cnf": "[client]\n!include my.cnf\n"},
			top:   "my.cnf",
			want:  "DIR/my.cnf:2: !include my.cnf: include cycle: DIR/my.cnf -> DIR/my.cnf",
		},
		{
			name: "two-file cycle",
			files: map[string]string{
				"a.cnf": "[client]\na=1\n!include b.cnf\n",
				"b.cnf": "!include DIR/a.cnf\n",
			},
			top: "a.cnf",
			want: "DIR/a.cnf:3: !include b.cnf: DIR/b.cnf:1: !include DIR/a.cnf: " +
				"include cycle: DIR/a.cnf -> DIR/b.cnf -> DIR/a.cnf",
		},
		{
			name: "cycle through includedir",
			files: map[string]string{
				"a.cnf":        "[client]\n!includedir d\n",
				"d/x.cnf":      "[client]\n!include ../a.cnf\n",
				"d/another.md": "",
			},
			top: "a.cnf",
			want: "DIR/a.cnf:2: !includedir d: DIR/d/x.cnf:2: !include ../a.cnf: " +
				"include cycle: DIR/a.cnf -> DIR/d/x.cnf -> DIR/a.cnf",
		},
		{
			name:  "twelve nested files exceed the depth limit",
			files: chain(12),
			top:   "c0.cnf",
			want: "DIR/c0.cnf:3: !include c1.cnf: DIR/c1.cnf:3: !include c2.cnf: DIR/c2.cnf:3: !include c3.cnf: " +
				"DIR/c3.cnf:3: !include c4.cnf: DIR/c4.cnf:3: !include c5.cnf: DIR/c5.cnf:3: !include c6.cnf: " +
				"DIR/c6.cnf:3: !include c7.cnf: DIR/c7.cnf:3: !include c8.cnf: DIR/c8.cnf:3: !include c9.cnf: " +
				"DIR/c9.cnf:3: !include c10.cnf: DIR/c10.cnf:3: !include c11.cnf: includes nested more than 10 deep",
		},
		{
			name: "included file needs its own group",
			files: map[string]string{
				"my.cnf": "[client]\n!include b.cnf\n",
				"b.cnf":  "# no group\npassword=s3cret\n",
			},
			top:  "my.cnf",
			want: "DIR/my.cnf:2: !include b.cnf: DIR/b.cnf:2: option before any [group] header",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.files)
			_, err := ReadFile(filepath.Join(dir, tt.top))
			if err == nil {
				t.Fatal("ReadFile succeeded, want error")
			}
			got := strings.ReplaceAll(err.Error(), dir, "DIR")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
			}
			if strings.Contains(got, "s3cret") {
				t.Errorf("error leaks a value: %s", got)
			}
		})
	}
}

func TestReadFilePermissions(t *testing.T) {
	tests := []struct {
		name    string
		topMode os.FileMode
		incMode os.FileMode
		want    string // "" for success
	}{
		{"private files", 0o600, 0o600, ""},
		{"readable by all is fine", 0o644, 0o444, ""},
		{"group-writable is fine", 0o664, 0o660, ""},
		{"world-writable top file", 0o666, 0o644,
			"DIR/my.cnf: file permissions are too open: the server ignores world-writable option files (fix with: chmod o-w DIR/my.cnf)"},
		{"world-writable included file", 0o644, 0o602,
			"DIR/my.cnf:2: !include inc.cnf: DIR/inc.cnf: file permissions are too open: the server ignores world-writable option files (fix with: chmod o-w DIR/inc.cnf)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{"my.cnf": "[client]\n!include inc.cnf\n", "inc.cnf": "[client]\na=1\n"})
			// Chmod after writing: the umask would mask the write bits.
			if err := os.Chmod(filepath.Join(dir, "my.cnf"), tt.topMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(dir, "inc.cnf"), tt.incMode); err != nil {
				t.Fatal(err)
			}
			o, err := ReadFile(filepath.Join(dir, "my.cnf"))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ReadFile: %v", err)
				}
				if diff := cmp.Diff(map[string]string{"a": "1"}, o.Group("client")); diff != "" {
					t.Errorf("Group mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("ReadFile succeeded, want error")
			}
			if diff := cmp.Diff(tt.want, strings.ReplaceAll(err.Error(), dir, "DIR")); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, ErrPermissions) {
				t.Errorf("errors.Is(err, ErrPermissions) = false")
			}
		})
	}
}
