package mycnf

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/mylogin-fixed-key.cnf from its .txt")

// fixtureKey is the key of testdata/mylogin-fixed-key.cnf (see
// testdata/README.md).
var fixtureKey = [20]byte([]byte("mydba-fixture-key-20"))

// seq20 is the key 0x01..0x14, whose folded AES key is
// 10101010 05060708 090a0b0c 0d0e0f10 (bytes 17..20 XORed into 1..4).
var seq20 = [20]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}

// TestEncodeLoginKnownAnswer checks the layout, the key folding and the
// cipher against ciphertext made independently with
// `openssl enc -aes-128-ecb -K 1010101005060708090a0b0c0d0e0f10`.
func TestEncodeLoginKnownAnswer(t *testing.T) {
	mustHex := func(s string) []byte {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := mustHex("00000000" + "0102030405060708090a0b0c0d0e0f1011121314" +
		"10000000" + "f2d64a89a933cff9946fa9196b944127" +
		"20000000" + "bb9aa7d459bf9feaad6d1621a80b7822 2ddf4917e4d94a81afd11c267b609c3c")
	plain := []byte("[client]\npassword = \"s3cret pass#1\"\n")

	got, err := EncodeLogin(plain, seq20)
	if err != nil {
		t.Fatalf("EncodeLogin: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EncodeLogin mismatch (-want +got):\n%s", diff)
	}
	dec, err := DecodeLogin(want)
	if err != nil {
		t.Fatalf("DecodeLogin: %v", err)
	}
	if diff := cmp.Diff(string(plain), string(dec)); diff != "" {
		t.Errorf("DecodeLogin mismatch (-want +got):\n%s", diff)
	}
}

func TestLoginRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		plain string
		want  string // what DecodeLogin returns
	}{
		{"empty", "", ""},
		{"one group", "[client]\nuser = \"u\"\n", "[client]\nuser = \"u\"\n"},
		{"final newline added", "[client]\nhost = h", "[client]\nhost = h\n"},
		{"blank lines kept", "[client]\n\n\nuser=u\n", "[client]\n\n\nuser=u\n"},
		{"crlf kept", "[client]\r\nuser=u\r\n", "[client]\r\nuser=u\r\n"},
		{"line of exactly one block", "123456789012345\n", "123456789012345\n"},
		{"utf-8", "[client]\npassword = \"pässwörd\"\n", "[client]\npassword = \"pässwörd\"\n"},
		{"longest line", strings.Repeat("x", 4094) + "\n", strings.Repeat("x", 4094) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := EncodeLogin([]byte(tt.plain), fixtureKey)
			if err != nil {
				t.Fatalf("EncodeLogin: %v", err)
			}
			dec, err := DecodeLogin(enc)
			if err != nil {
				t.Fatalf("DecodeLogin: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(dec)); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
			if tt.plain != "" && bytes.Contains(enc, []byte(tt.plain[:min(len(tt.plain), 8)])) {
				t.Errorf("encoded file contains the plain text")
			}
		})
	}
}

func TestEncodeLoginLineTooLong(t *testing.T) {
	_, err := EncodeLogin([]byte("[client]\n"+strings.Repeat("x", 4095)+"\n"), fixtureKey)
	want := "encode login-path file: line 2 is 4096 bytes, more than the 4095 a record holds"
	if err == nil || err.Error() != want {
		t.Fatalf("EncodeLogin error = %v, want %q", err, want)
	}
}

// record encrypts raw (already padded, a multiple of 16 bytes) with the
// folded seq20 key and prefixes its length, to build malformed files.
func record(t *testing.T, raw []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher([]byte{16, 16, 16, 16, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 16 {
		block.Encrypt(ct[i:i+16], raw[i:i+16])
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(ct))), ct...)
}

// padded returns s with PKCS#7 padding.
func padded(s string) []byte {
	n := 16 - len(s)%16
	return append([]byte(s), bytes.Repeat([]byte{byte(n)}, n)...)
}

func TestDecodeLoginErrors(t *testing.T) {
	header := append(make([]byte, 4), seq20[:]...)
	good, err := EncodeLogin([]byte("[client]\npassword = s3cret\n"), seq20)
	if err != nil {
		t.Fatal(err)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	le := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	wrongKey := bytes.Clone(good)
	wrongKey[4] ^= 0xff
	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 0x01

	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty input", nil, "malformed login-path file: 0 bytes, shorter than the 24-byte header"},
		{"short header", header[:23], "malformed login-path file: 23 bytes, shorter than the 24-byte header"},
		{"truncated length", cat(good, []byte{16, 0}),
			"malformed login-path file: record 3 at offset 80: truncated length (2 of 4 bytes)"},
		{"zero length", cat(header, le(0)),
			"malformed login-path file: record 1 at offset 24: invalid cipher length 0 (want a multiple of 16 up to 4096)"},
		{"negative length", cat(header, le(0xfffffff0)),
			"malformed login-path file: record 1 at offset 24: invalid cipher length -16 (want a multiple of 16 up to 4096)"},
		{"length not a block multiple", cat(header, le(17), make([]byte, 17)),
			"malformed login-path file: record 1 at offset 24: invalid cipher length 17 (want a multiple of 16 up to 4096)"},
		{"length over the client's buffer", cat(header, le(4112), make([]byte, 4112)),
			"malformed login-path file: record 1 at offset 24: invalid cipher length 4112 (want a multiple of 16 up to 4096)"},
		{"truncated cipher text", good[:len(good)-1],
			"malformed login-path file: record 2 at offset 44: truncated: cipher length 32 but 31 bytes left"},
		{"wrong key", wrongKey,
			"malformed login-path file: record 1 at offset 24: bad padding (wrong key or corrupt file)"},
		{"corrupt last byte", flipped,
			"malformed login-path file: record 2 at offset 44: bad padding (wrong key or corrupt file)"},
		{"padding byte zero", cat(header, record(t, append([]byte("[client]\n123456"), 0))),
			"malformed login-path file: record 1 at offset 24: bad padding (wrong key or corrupt file)"},
		{"padding bytes differ", cat(header, record(t, []byte("[client]\n12345\x01\x02"))),
			"malformed login-path file: record 1 at offset 24: bad padding (wrong key or corrupt file)"},
		{"empty record", cat(header, record(t, padded(""))),
			"malformed login-path file: record 1 at offset 24: record is not one newline-terminated line"},
		{"record without newline", cat(header, record(t, padded("password=s3cret"))),
			"malformed login-path file: record 1 at offset 24: record is not one newline-terminated line"},
		{"record with two lines", cat(header, record(t, padded("[client]\npassword=s3cret\n"))),
			"malformed login-path file: record 1 at offset 24: record is not one newline-terminated line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeLogin(tt.in)
			if err == nil {
				t.Fatal("DecodeLogin succeeded, want error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, ErrLoginFormat) {
				t.Errorf("errors.Is(err, ErrLoginFormat) = false")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks decrypted text: %s", err)
			}
		})
	}
}

func TestReadLoginFilePermissions(t *testing.T) {
	data, err := EncodeLogin([]byte("[client]\nuser = \"u\"\npassword = \"s3cret\"\n"), fixtureKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode os.FileMode
		want string // "" for success
	}{
		{0o600, ""},
		{0o400, ""},
		{0o200, ""},
		{0o640, "DIR/.mylogin.cnf: file permissions are too open: mode 0640, but a login-path file must be readable and writable only by its owner (fix with: chmod 600 DIR/.mylogin.cnf)"},
		{0o604, "DIR/.mylogin.cnf: file permissions are too open: mode 0604, but a login-path file must be readable and writable only by its owner (fix with: chmod 600 DIR/.mylogin.cnf)"},
		{0o620, "DIR/.mylogin.cnf: file permissions are too open: mode 0620, but a login-path file must be readable and writable only by its owner (fix with: chmod 600 DIR/.mylogin.cnf)"},
		{0o602, "DIR/.mylogin.cnf: file permissions are too open: mode 0602, but a login-path file must be readable and writable only by its owner (fix with: chmod 600 DIR/.mylogin.cnf)"},
		{0o700, "DIR/.mylogin.cnf: file permissions are too open: mode 0700, but a login-path file must be readable and writable only by its owner (fix with: chmod 600 DIR/.mylogin.cnf)"},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ".mylogin.cnf")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			o, err := ReadLoginFile(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ReadLoginFile: %v", err)
				}
				if diff := cmp.Diff(map[string]string{"user": "u", "password": "s3cret"}, o.Group("client")); diff != "" {
					t.Errorf("Group mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("ReadLoginFile succeeded, want error")
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

func TestReadLoginFileErrors(t *testing.T) {
	noGroup, err := EncodeLogin([]byte("password = s3cret\n"), fixtureKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		data   []byte
		want   string
		wantIs error
	}{
		{"garbled", []byte("not a login file"), "DIR/l.cnf: malformed login-path file: 16 bytes, shorter than the 24-byte header", ErrLoginFormat},
		{"decoded text is checked", noGroup, "DIR/l.cnf:1: option before any [group] header", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "l.cnf")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadLoginFile(path)
			if err == nil {
				t.Fatal("ReadLoginFile succeeded, want error")
			}
			if diff := cmp.Diff(tt.want, strings.ReplaceAll(err.Error(), dir, "DIR")); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
			}
		})
	}
}

// TestLoginFixture pins the checked-in fixture: it must decode to its .txt,
// re-encode to the same bytes, and read as the expected login paths.
func TestLoginFixture(t *testing.T) {
	const bin, txt = "testdata/mylogin-fixed-key.cnf", "testdata/mylogin-fixed-key.txt"
	plain, err := os.ReadFile(txt)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		enc, err := EncodeLogin(plain, fixtureKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, enc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixtureKey[:], data[4:24]); diff != "" {
		t.Errorf("fixture key mismatch (-want +got):\n%s", diff)
	}
	dec, err := DecodeLogin(data)
	if err != nil {
		t.Fatalf("DecodeLogin: %v", err)
	}
	if diff := cmp.Diff(string(plain), string(dec)); diff != "" {
		t.Errorf("DecodeLogin(fixture) mismatch (-want +got):\n%s", diff)
	}
	enc, err := EncodeLogin(plain, fixtureKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, data) {
		t.Errorf("EncodeLogin(fixture text) differs from the fixture; run go test -run TestLoginFixture -update")
	}

	// The checked-out fixture's mode depends on the umask; read a private copy.
	path := filepath.Join(t.TempDir(), ".mylogin.cnf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := ReadLoginFile(path)
	if err != nil {
		t.Fatalf("ReadLoginFile: %v", err)
	}
	want := map[string]map[string]string{
		"client": {"user": "localuser", "password": "s3cret pass#1", "host": "localhost"},
		"prod": {
			"user": "dba", "password": `pa"ss\word`, "host": "db1.example.com",
			"port": "3307", "socket": "/run/mysqld/mysqld.sock",
		},
	}
	got := map[string]map[string]string{}
	for _, g := range o.Groups() {
		got[g] = o.Group(g)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fixture options mismatch (-want +got):\n%s", diff)
	}
}

func FuzzDecodeLogin(f *testing.F) {
	if data, err := os.ReadFile("testdata/mylogin-fixed-key.cnf"); err == nil {
		f.Add(data)
	}
	for _, plain := range []string{"", "[client]\nuser=u\n", "x\n\n"} {
		enc, err := EncodeLogin([]byte(plain), seq20)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
		f.Add(enc[:len(enc)-1])
	}
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plain, err := DecodeLogin(data)
		if err != nil {
			if !errors.Is(err, ErrLoginFormat) {
				t.Fatalf("error %v does not wrap ErrLoginFormat", err)
			}
			return
		}
		// What decodes must re-encode, with the file's own key, to a file
		// that decodes to the same text.
		enc, err := EncodeLogin(plain, [20]byte(data[4:24]))
		if err != nil {
			t.Fatalf("EncodeLogin of decoded text: %v", err)
		}
		again, err := DecodeLogin(enc)
		if err != nil {
			t.Fatalf("DecodeLogin of re-encoded text: %v", err)
		}
		if !bytes.Equal(plain, again) {
			t.Fatalf("round trip changed the text")
		}
	})
}
