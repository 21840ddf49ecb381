// Package parse holds mydba's pure parsers of server output: bytes or text
// in, structs out, with no connection, clock or file system. Query plans
// (EXPLAIN and ANALYZE in their MySQL and MariaDB formats) and slow query
// logs (MySQL, MariaDB and Percona Server) are parsed here, so the same code
// reads live output, fixtures and files alike.
//
// It may import the vocabulary (internal/dba) and SQL tooling
// (internal/sqltext), never adapters, the store, the safety gate or the
// workbench.
package parse
