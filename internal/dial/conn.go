package dial

import (
	"io"
	"net"
)

// tunnelAddr is the address a tunnelled connection was dialled to, as the
// remote end of that connection.
type tunnelAddr struct{ network, addr string }

func (a tunnelAddr) Network() string { return a.network }
func (a tunnelAddr) String() string  { return a.addr }

// tunnelConn is the caller's end of a bridged SSH channel.
type tunnelConn struct {
	net.Conn
	remote net.Addr
}

func (c *tunnelConn) RemoteAddr() net.Addr { return c.remote }

// bridge joins an SSH channel to one end of a net.Pipe and returns the
// other end: SSH channels refuse deadlines, net.Pipe implements them fully,
// and a deadline that fires leaves the connection usable as net.Conn
// promises. Closing either side closes both.
func bridge(ch net.Conn, remote net.Addr) net.Conn {
	outer, inner := net.Pipe()
	go pump(inner, ch)
	go pump(ch, inner)
	return &tunnelConn{Conn: outer, remote: remote}
}

// pump copies src to dst until either fails, then closes both so the other
// pump ends too.
func pump(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}
