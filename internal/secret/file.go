package secret

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// File names inside the state directory.
const (
	dataFile = "secrets.age"
	keyFile  = "secrets.key"
	lockFile = "secrets.lock"
)

// Read limits: the files hold a few small secrets, so anything larger is
// not ours and is refused rather than read into memory.
const (
	maxKeySize  = 64 << 10
	maxDataSize = 16 << 20
)

// fileStore keeps secrets in secrets.age: a JSON object of name to base64
// value, age-encrypted to the X25519 identity in secrets.key. Every change
// is a read-modify-write under an exclusive lock on secrets.lock, finished
// by an atomic rename, so readers need no lock and see whole files only.
type fileStore struct {
	dir, dataPath, keyPath, lockPath string
}

func newFileStore(dir string) fileStore {
	return fileStore{
		dir:      dir,
		dataPath: filepath.Join(dir, dataFile),
		keyPath:  filepath.Join(dir, keyFile),
		lockPath: filepath.Join(dir, lockFile),
	}
}

func (s fileStore) get(name string) ([]byte, error) {
	if err := fileStoreSupported(); err != nil {
		return nil, err
	}
	m, _, err := s.load(false)
	if err != nil {
		return nil, err
	}
	val, ok := m[name]
	if !ok {
		return nil, ErrNotFound
	}
	return val, nil
}

func (s fileStore) put(ctx context.Context, name string, value []byte) error {
	if err := fileStoreSupported(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	unlock, err := lockFileExclusive(ctx, s.lockPath)
	if err != nil {
		return err
	}
	defer unlock()
	m, id, err := s.load(true)
	if err != nil {
		return err
	}
	if m == nil {
		m = map[string][]byte{}
	}
	m[name] = bytes.Clone(value)
	return s.save(m, id)
}

func (s fileStore) delete(ctx context.Context, name string) error {
	if err := fileStoreSupported(); err != nil {
		return err
	}
	// Nothing stored yet: do not create the directory or the lock file.
	if _, err := os.Lstat(s.dataPath); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockFileExclusive(ctx, s.lockPath)
	if err != nil {
		return err
	}
	defer unlock()
	m, id, err := s.load(false)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	if _, ok := m[name]; !ok {
		return nil
	}
	delete(m, name)
	return s.save(m, id)
}

// load reads and decrypts the secrets file. With no secrets file it returns
// ErrNotFound, or, when create is set, a nil map and the key (made on first
// use). The key is never created while a secrets file exists: a new key
// could not read it, and the user must restore the old one instead.
func (s fileStore) load(create bool) (map[string][]byte, *age.X25519Identity, error) {
	data, err := readPrivate(s.dataPath, maxDataSize)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, nil, ErrNotFound
		}
		id, err := s.loadOrCreateKey()
		return nil, id, err
	}
	if err != nil {
		return nil, nil, err
	}
	id, err := s.loadKey()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("secrets file %s exists but its key file %s is missing; restore the key file (the secrets file was left untouched)",
			s.dataPath, s.keyPath)
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := decryptMap(data, id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, nil, fmt.Errorf("key file %s does not decrypt secrets file %s; restore the matching key file (the secrets file was left untouched)",
				s.keyPath, s.dataPath)
		}
		return nil, nil, fmt.Errorf("secrets file %s is corrupt (left untouched): %w", s.dataPath, err)
	}
	return m, id, nil
}

func (s fileStore) save(m map[string][]byte, id *age.X25519Identity) error {
	plain, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode secrets: %w", err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Recipient())
	if err != nil {
		return fmt.Errorf("encrypt secrets: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("encrypt secrets: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypt secrets: %w", err)
	}
	clear(plain)
	return writeAtomic(s.dataPath, buf.Bytes())
}

func decryptMap(data []byte, id *age.X25519Identity) (map[string][]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		return nil, err
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	var m map[string][]byte
	// The JSON error is dropped on purpose: it may quote decrypted bytes.
	if err := json.Unmarshal(plain, &m); err != nil || m == nil {
		return nil, errors.New("decrypted content is not a JSON object of base64 values")
	}
	return m, nil
}

func (s fileStore) loadOrCreateKey() (*age.X25519Identity, error) {
	id, err := s.loadKey()
	if !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	id, err = age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	// The same layout as age-keygen output, so `age -d -i secrets.key` works.
	content := fmt.Sprintf("# mydba secrets key: keep it private and back it up with %s\n# public key: %s\n%s\n",
		dataFile, id.Recipient(), id)
	if err := writeAtomic(s.keyPath, []byte(content)); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	return id, nil
}

// loadKey parses the key file; a missing file is reported as fs.ErrNotExist.
func (s fileStore) loadKey() (*age.X25519Identity, error) {
	data, err := readPrivate(s.keyPath, maxKeySize)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	var id *age.X25519Identity
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if id != nil {
			return nil, fmt.Errorf("key file %s holds more than one key", s.keyPath)
		}
		// The parse error is not wrapped: it would describe key material.
		if id, err = age.ParseX25519Identity(line); err != nil {
			return nil, fmt.Errorf("key file %s does not hold a valid age X25519 key", s.keyPath)
		}
	}
	if id == nil {
		return nil, fmt.Errorf("key file %s holds no key", s.keyPath)
	}
	return id, nil
}

// readPrivate reads a file that must be a regular file not accessible by
// group or others. The mode is checked on the open descriptor, so a file
// swapped in after the check is never read.
func readPrivate(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is accessible by group or others (mode %04o); run chmod 600 %s",
			path, fi.Mode().Perm(), path)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// writeAtomic replaces path with data (mode 0600): write a temporary file
// beside it, fsync, rename over, fsync the directory. A crash leaves either
// the old or the new file, never a torn one.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}
