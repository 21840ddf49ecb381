// Package export writes result sets as CSV, JSON, NDJSON and SQL INSERT
// statements, streaming: each row is written as it arrives and nothing is
// kept, so an export of any size runs in constant memory. Writers are pure
// (rows in, bytes out); they import only the vocabulary in dba and never
// touch a connection, the store or the workbench.
package export
