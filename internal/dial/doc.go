// Package dial opens the network path to a database server: a *tls.Config
// built from certificate files (TLSConfig) and an SSH tunnel (Tunnel) whose
// DialContext fits go-sql-driver/mysql's Config.DialFunc.
//
// It knows nothing about MySQL or any other protocol, and imports only the
// standard library and golang.org/x/crypto/ssh; no other mydba package.
package dial
