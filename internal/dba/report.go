package dba

import "time"

// ServerReport is what a connection test learns about a server.
type ServerReport struct {
	Server      Server        `json:"server"`
	Series      string        `json:"series"`
	Address     string        `json:"address"`
	CurrentUser string        `json:"current_user"`
	ServerID    int64         `json:"server_id"`
	Hostname    string        `json:"hostname"`
	ReadOnly    bool          `json:"read_only"`
	Role        string        `json:"role"`
	Uptime      time.Duration `json:"uptime_ns"`
	// PerformanceSchema is @@performance_schema: whether digests, waits and
	// stages can be read at all.
	PerformanceSchema bool `json:"performance_schema"`
	SysSchema         bool `json:"sys_schema"`
	// TLS is the negotiated cipher, empty when the connection is not
	// encrypted.
	TLS         string        `json:"tls,omitempty"`
	ConnectTime time.Duration `json:"connect_time_ns"`
	// Missing lists mydba features the user's privileges do not allow.
	Missing  []PrivilegeGap `json:"missing_privileges"`
	Warnings []string       `json:"warnings,omitempty"`
}

// Feature kinds, so a report can separate what reading needs from what
// changing the server needs.
const (
	FeatureRead     = "read"
	FeatureWrite    = "write"
	FeatureOptional = "optional"
)

// PrivilegeGap is one mydba feature the connected user cannot use, and the
// statement that would allow it.
type PrivilegeGap struct {
	Feature string   `json:"feature"`
	Kind    string   `json:"kind"`
	Missing []string `json:"missing"`
	Grant   string   `json:"grant"`
	Note    string   `json:"note,omitempty"`
}
