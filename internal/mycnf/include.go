package mycnf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// maxIncludeDepth is the servers' limit on nested includes: a file read at
// this depth may not include another.
const maxIncludeDepth = 10

// ReadFile reads the option file at path and follows its !include FILE and
// !includedir DIR directives. Relative include paths are resolved against
// the directory of the file that names them. !includedir reads the files
// ending in ".cnf" in name order, as MariaDB does. A missing included file
// or directory, an include cycle, or nesting deeper than 10 is an error.
//
// A world-writable file is refused: the servers ignore such files because
// anyone could have put options (say, a different host) in them.
//
// A missing top-level file gives an error matching fs.ErrNotExist, so
// callers probing the default locations can skip it.
func ReadFile(path string) (*Options, error) {
	r := &fileReader{opts: &Options{}}
	if err := r.readFile(path, 0); err != nil {
		return nil, err
	}
	return r.opts, nil
}

// fileReader holds the state of one ReadFile call.
type fileReader struct {
	opts *Options
	// stack holds the files being read, outermost first, to detect cycles:
	// canonical paths (symbolic links resolved) to compare, given paths to show.
	stack []string
	shown []string
}

func (r *fileReader) readFile(path string, depth int) error {
	canon, err := filepath.Abs(path)
	if err == nil {
		canon, err = filepath.EvalSymlinks(canon)
	}
	if err != nil {
		return fmt.Errorf("open option file: %w", err)
	}
	for i, p := range r.stack {
		if p == canon {
			cycle := append(append([]string(nil), r.shown[i:]...), path)
			return fmt.Errorf("include cycle: %s", strings.Join(cycle, " -> "))
		}
	}
	data, err := readRegularFile(path)
	if err != nil {
		return err
	}
	r.stack, r.shown = append(r.stack, canon), append(r.shown, path)
	defer func() { r.stack, r.shown = r.stack[:len(r.stack)-1], r.shown[:len(r.shown)-1] }()

	return r.opts.parse(data, path, func(d directive, arg string) error {
		if depth >= maxIncludeDepth {
			return fmt.Errorf("includes nested more than %d deep", maxIncludeDepth)
		}
		target := arg
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		if d == includeDir {
			return r.readDir(target, depth+1)
		}
		return r.readFile(target, depth+1)
	})
}

// readDir reads the *.cnf files of dir in name order. Subdirectories and
// other non-regular entries are skipped.
func (r *fileReader) readDir(dir string, depth int) error {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return fmt.Errorf("read include directory: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".cnf") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // follows symbolic links, unlike e.Type()
		if err != nil {
			return fmt.Errorf("stat option file: %w", err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if err := r.readFile(p, depth); err != nil {
			return err
		}
	}
	return nil
}

// readRegularFile reads an option file, refusing anything that is not a
// regular file or that others may write to.
func readRegularFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open option file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat option file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o002 != 0 {
		return nil, fmt.Errorf("%s: %w: the server ignores world-writable option files (fix with: chmod o-w %s)",
			path, ErrPermissions, path)
	}
	data, err := readAllLimited(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// ErrPermissions is returned (wrapped) for a file whose permissions let
// others change it (an option file) or read it (a login-path file).
var ErrPermissions = errors.New("file permissions are too open")
