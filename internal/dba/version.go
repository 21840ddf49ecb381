package dba

import (
	"fmt"
	"strconv"
	"strings"
)

// Flavor is the server family. Percona Server reports itself as MySQL with a
// variant in the version comment; it is MySQL for every SQL source choice.
type Flavor int

// Known flavours. The zero value means "not detected yet".
const (
	FlavorUnknown Flavor = iota
	FlavorMySQL
	FlavorMariaDB
)

func (f Flavor) String() string {
	switch f {
	case FlavorMySQL:
		return "MySQL"
	case FlavorMariaDB:
		return "MariaDB"
	default:
		return "unknown"
	}
}

// MarshalText makes flavours readable in JSON output.
func (f Flavor) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Version is a server version as three numbers. Compare with AtLeast or
// Compare, never as strings or floats (10.11 < 10.2 as a float).
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion reads the leading "X.Y.Z" of a server version string such as
// "10.11.6-MariaDB-0+deb12u1-log" or "8.0.36". MariaDB's replication-era
// prefix "5.5.5-" is skipped.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "5.5.5-")
	end := 0
	for end < len(s) && (s[end] == '.' || (s[end] >= '0' && s[end] <= '9')) {
		end++
	}
	parts := strings.Split(strings.TrimSuffix(s[:end], "."), ".")
	if end == 0 || len(parts) < 2 {
		return Version{}, fmt.Errorf("parse version %q: want MAJOR.MINOR[.PATCH]", s)
	}
	var n [3]int
	for i := 0; i < len(parts) && i < 3; i++ {
		v, err := strconv.Atoi(parts[i])
		if err != nil {
			return Version{}, fmt.Errorf("parse version %q: %w", s, err)
		}
		n[i] = v
	}
	return Version{Major: n[0], Minor: n[1], Patch: n[2]}, nil
}

// Compare returns -1, 0 or +1.
func (v Version) Compare(o Version) int {
	switch {
	case v.Major != o.Major:
		return cmpInt(v.Major, o.Major)
	case v.Minor != o.Minor:
		return cmpInt(v.Minor, o.Minor)
	default:
		return cmpInt(v.Patch, o.Patch)
	}
}

// AtLeast reports whether v >= major.minor[.patch].
func (v Version) AtLeast(major, minor int, patch ...int) bool {
	o := Version{Major: major, Minor: minor}
	if len(patch) > 0 {
		o.Patch = patch[0]
	}
	return v.Compare(o) >= 0
}

// IsZero reports whether the version is unknown.
func (v Version) IsZero() bool { return v == Version{} }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// MarshalText makes versions readable in JSON output.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Server identifies what is on the other end of a connection, detected once
// at connect.
type Server struct {
	Flavor  Flavor  `json:"flavor"`
	Version Version `json:"version"`
	// Raw is the server's own version string, e.g. "10.11.6-MariaDB-0+deb12u1-log".
	Raw string `json:"version_string"`
	// Comment is @@version_comment ("Percona Server (GPL), Release 27", "Debian 12").
	Comment string `json:"version_comment,omitempty"`
}

// DetectServer builds a Server from @@version and @@version_comment.
func DetectServer(version, comment string) (Server, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return Server{}, err
	}
	f := FlavorMySQL
	if strings.Contains(strings.ToLower(version), "mariadb") || strings.Contains(strings.ToLower(comment), "mariadb") {
		f = FlavorMariaDB
	}
	return Server{Flavor: f, Version: v, Raw: version, Comment: comment}, nil
}

// Series names the release series mydba distinguishes: MySQL 8.0, 8.4, 9.x
// and MariaDB 10.6, 10.11, 11.x. Other versions get their major.minor.
func (s Server) Series() string {
	v := s.Version
	if s.Flavor == FlavorMySQL && v.Major >= 9 {
		return fmt.Sprintf("MySQL %d.x", v.Major)
	}
	if s.Flavor == FlavorMariaDB && v.Major >= 11 {
		return fmt.Sprintf("MariaDB %d.x", v.Major)
	}
	return fmt.Sprintf("%s %d.%d", s.Flavor, v.Major, v.Minor)
}

// IsMariaDB is shorthand for the flavour check most SQL choices need.
func (s Server) IsMariaDB() bool { return s.Flavor == FlavorMariaDB }

// Supported reports whether mydba targets this server: MySQL 8.0+ and
// MariaDB 10.6+. Older servers still connect; callers warn.
func (s Server) Supported() bool {
	switch s.Flavor {
	case FlavorMySQL:
		return s.Version.AtLeast(8, 0)
	case FlavorMariaDB:
		return s.Version.AtLeast(10, 6)
	}
	return false
}
