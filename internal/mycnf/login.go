package mycnf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
)

// Layout of the login-path file written by MySQL's mysql_config_editor:
// 4 unused bytes, a 20-byte key, then one record per line of option text,
// each a 4-byte little-endian length and that many bytes of AES-128-ECB
// ciphertext with PKCS#7 padding. It is obfuscation, not protection: the
// key sits in the file.
const (
	loginUnusedLen = 4
	loginKeyLen    = 20
	loginHeaderLen = loginUnusedLen + loginKeyLen
	// maxLoginRecord is the largest ciphertext the client library accepts:
	// it decrypts each record into a 4096-byte line buffer.
	maxLoginRecord = 4096
)

// ErrLoginFormat is returned (wrapped) by DecodeLogin for input that is
// not a well-formed login-path file.
var ErrLoginFormat = errors.New("malformed login-path file")

// DecodeLogin turns the content of a .mylogin.cnf file into the plain
// option text it holds, one line per record, each ending in "\n".
// Truncated or garbled input is an error wrapping ErrLoginFormat; the error
// never contains decrypted text.
func DecodeLogin(data []byte) ([]byte, error) {
	if len(data) < loginHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header",
			ErrLoginFormat, len(data), loginHeaderLen)
	}
	block, err := loginCipher(data[loginUnusedLen:loginHeaderLen])
	if err != nil {
		return nil, err
	}
	var out []byte
	rest := data[loginHeaderLen:]
	for n := 1; len(rest) > 0; n++ {
		fail := func(format string, args ...any) error {
			where := fmt.Sprintf("record %d at offset %d: ", n, len(data)-len(rest))
			return fmt.Errorf("%w: "+where+format, append([]any{ErrLoginFormat}, args...)...)
		}
		if len(rest) < 4 {
			return nil, fail("truncated length (%d of 4 bytes)", len(rest))
		}
		// The client library reads the length as a signed 32-bit integer.
		size := int64(int32(binary.LittleEndian.Uint32(rest)))
		if size <= 0 || size > maxLoginRecord || size%aes.BlockSize != 0 {
			return nil, fail("invalid cipher length %d (want a multiple of %d up to %d)",
				size, aes.BlockSize, maxLoginRecord)
		}
		if int64(len(rest)-4) < size {
			return nil, fail("truncated: cipher length %d but %d bytes left", size, len(rest)-4)
		}
		line, msg := decryptRecord(block, rest[4:4+size])
		if msg != "" {
			return nil, fail("%s", msg)
		}
		out = append(out, line...)
		rest = rest[4+size:]
	}
	return out, nil
}

// decryptRecord decrypts one record and checks that it is one line. The
// message it returns never includes decrypted bytes.
func decryptRecord(block cipher.Block, ct []byte) ([]byte, string) {
	plain := make([]byte, len(ct))
	for i := 0; i < len(ct); i += aes.BlockSize {
		block.Decrypt(plain[i:i+aes.BlockSize], ct[i:i+aes.BlockSize])
	}
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > aes.BlockSize || pad > len(plain) {
		return nil, "bad padding (wrong key or corrupt file)"
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, "bad padding (wrong key or corrupt file)"
		}
	}
	line := plain[:len(plain)-pad]
	// mysql_config_editor writes exactly one newline-terminated line per
	// record; anything else would change how the lines are read.
	if len(line) == 0 || bytes.IndexByte(line, '\n') != len(line)-1 {
		return nil, "record is not one newline-terminated line"
	}
	return line, ""
}

// EncodeLogin is the inverse of DecodeLogin: it writes plain option text as
// a login-path file obfuscated with key, one record per line (a missing
// final newline is added). It exists for tests and tooling; the file it
// makes is read by the MySQL client library.
func EncodeLogin(plain []byte, key [20]byte) ([]byte, error) {
	block, err := loginCipher(key[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, loginUnusedLen, loginHeaderLen+len(plain)+len(plain)/4)
	out = append(out, key[:]...)
	n := 0
	for line := range bytes.Lines(plain) {
		n++
		if line[len(line)-1] != '\n' {
			line = append(line[:len(line):len(line)], '\n')
		}
		pad := aes.BlockSize - len(line)%aes.BlockSize
		size := len(line) + pad
		if size > maxLoginRecord {
			return nil, fmt.Errorf("encode login-path file: line %d is %d bytes, more than the %d a record holds",
				n, len(line), maxLoginRecord-1)
		}
		buf := make([]byte, size)
		copy(buf, line)
		for i := len(line); i < size; i++ {
			buf[i] = byte(pad)
		}
		for i := 0; i < size; i += aes.BlockSize {
			block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(size))
		out = append(out, buf...)
	}
	return out, nil
}

// loginCipher folds the 20-byte file key into an AES-128 key the way the
// client library does (my_aes_create_key): byte i is XORed into i mod 16.
func loginCipher(key []byte) (cipher.Block, error) {
	var k [16]byte
	for i, b := range key {
		k[i%len(k)] ^= b
	}
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("login-path key: %w", err)
	}
	return block, nil
}

// ReadLoginFile reads a .mylogin.cnf file: it decodes it and parses the
// option text (login paths are groups, such as [client] or [prod]).
// Like the MySQL client, it refuses a file that anyone but its owner may
// read, or that is executable; the error says how to fix that.
func ReadLoginFile(path string) (*Options, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open login-path file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat login-path file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o177 != 0 {
		return nil, fmt.Errorf("%s: %w: mode %04o, but a login-path file must be readable and writable only by its owner (fix with: chmod 600 %s)",
			path, ErrPermissions, perm, path)
	}
	data, err := readAllLimited(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	plain, err := DecodeLogin(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(bytes.NewReader(plain), path)
}
