package dba

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetectServer(t *testing.T) {
	tests := []struct {
		version, comment string
		want             Server
		series           string
		supported        bool
	}{
		{"10.11.6-MariaDB-0+deb12u1-log", "Debian 12", Server{FlavorMariaDB, Version{10, 11, 6}, "10.11.6-MariaDB-0+deb12u1-log", "Debian 12"}, "MariaDB 10.11", true},
		{"5.5.5-10.6.16-MariaDB", "", Server{FlavorMariaDB, Version{10, 6, 16}, "5.5.5-10.6.16-MariaDB", ""}, "MariaDB 10.6", true},
		{"11.4.2-MariaDB", "mariadb.org binary distribution", Server{FlavorMariaDB, Version{11, 4, 2}, "11.4.2-MariaDB", "mariadb.org binary distribution"}, "MariaDB 11.x", true},
		{"8.0.36", "MySQL Community Server - GPL", Server{FlavorMySQL, Version{8, 0, 36}, "8.0.36", "MySQL Community Server - GPL"}, "MySQL 8.0", true},
		{"8.4.0-commercial", "MySQL Enterprise Server - Commercial", Server{FlavorMySQL, Version{8, 4, 0}, "8.4.0-commercial", "MySQL Enterprise Server - Commercial"}, "MySQL 8.4", true},
		{"9.1.0", "MySQL Community Server - GPL", Server{FlavorMySQL, Version{9, 1, 0}, "9.1.0", "MySQL Community Server - GPL"}, "MySQL 9.x", true},
		{"8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2", Server{FlavorMySQL, Version{8, 0, 35}, "8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2"}, "MySQL 8.0", true},
		{"5.7.44-log", "MySQL Community Server (GPL)", Server{FlavorMySQL, Version{5, 7, 44}, "5.7.44-log", "MySQL Community Server (GPL)"}, "MySQL 5.7", false},
		{"10.5.23-MariaDB", "", Server{FlavorMariaDB, Version{10, 5, 23}, "10.5.23-MariaDB", ""}, "MariaDB 10.5", false},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			got, err := DetectServer(tt.version, tt.comment)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DetectServer (-want +got):\n%s", diff)
			}
			if got.Series() != tt.series {
				t.Errorf("Series() = %q, want %q", got.Series(), tt.series)
			}
			if got.Supported() != tt.supported {
				t.Errorf("Supported() = %v, want %v", got.Supported(), tt.supported)
			}
		})
	}
}

func TestParseVersionErrors(t *testing.T) {
	for _, s := range []string{"", "MariaDB", "8", ".", "x.y.z"} {
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want error", s, v)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	// The float trap: 10.11 must sort after 10.2 and 10.6.
	v1011 := Version{10, 11, 0}
	if !v1011.AtLeast(10, 6) || !v1011.AtLeast(10, 2) || v1011.AtLeast(11, 0) {
		t.Errorf("10.11 ordering wrong")
	}
	if !(Version{8, 0, 36}).AtLeast(8, 0, 36) || (Version{8, 0, 35}).AtLeast(8, 0, 36) {
		t.Errorf("patch ordering wrong")
	}
	if (Version{8, 4, 0}).Compare(Version{8, 0, 99}) != 1 {
		t.Errorf("8.4.0 must be after 8.0.99")
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"10.11.6-MariaDB-log", "8.0.36", "5.5.5-10.6.1-MariaDB", "9.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		if v.Major < 0 || v.Minor < 0 || v.Patch < 0 {
			t.Fatalf("negative component from %q: %v", s, v)
		}
	})
}
