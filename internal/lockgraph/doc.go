// Package lockgraph turns a process-list snapshot into answers: who waits
// for whom (the lock graph with its root blockers, chain depths and
// cycles), which sessions match a filter, in what order, and how they
// group. It is pure: it imports only internal/dba and never touches a
// connection, so it runs on live snapshots, fixtures and fuzz input alike.
package lockgraph
