// Package digest groups slow-log events into query classes by fingerprint,
// the way pt-query-digest does, and computes per-class and overall
// statistics: counts, total/avg/min/max/95th percentile query time, lock
// time, rows, bytes, first and last seen, databases, users and hosts, and
// the slowest sample. Run parses a stream on every core (a reader cuts it
// into chunks of whole events, workers parse and fingerprint them, one
// aggregator consumes them in log order) in bounded memory.
//
// It is pure: readers in, dba.SlowLogDigest out. It may import the
// vocabulary (internal/dba), parsers (internal/parse) and SQL tooling
// (internal/sqltext), nothing that touches a server or the state file.
package digest
