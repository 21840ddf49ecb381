package lockgraph

import (
	"net"
	"strings"
)

// HostWithoutPort drops the client port from a processlist host:
// "10.0.0.5:53412" → "10.0.0.5", "[::1]:5000" → "::1"; "localhost" and
// socket clients are returned as they are.
func HostWithoutPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if h, _, err := net.SplitHostPort(host); err == nil {
			return h
		}
		return host
	}
	i := strings.LastIndexByte(host, ':')
	if i < 0 || i == len(host)-1 {
		return host
	}
	for _, c := range []byte(host[i+1:]) {
		if !isDigit(c) {
			return host
		}
	}
	h := host[:i]
	if strings.Contains(h, ":") && net.ParseIP(h) == nil {
		// An IPv6 address without a port: its last group only looked
		// like one.
		return host
	}
	return h
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
