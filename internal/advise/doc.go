// Package advise holds mydba's pure advisors: they read parsed server
// output (plans, snapshots) and optional schema facts, and return findings
// with stable codes, severity, evidence and advice. They never touch a
// connection, so they run on live output, fixtures and history alike.
//
// It may import the vocabulary (internal/dba), the parsers (internal/parse)
// and SQL tooling (internal/sqltext); never adapters, the store, the
// safety gate or the workbench.
package advise
