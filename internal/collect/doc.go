// Package collect reads a monitored server on a schedule: one collector
// per server source (global status, global variables, InnoDB metrics, the
// process list, replication, statement digests), each with its own
// interval and timeout, run by a Scheduler that never lets one slow or
// failing collector delay or stop the others, and records each one's
// health.
//
// Collectors read through small interfaces defined next to them, which
// the adapter's read-only pool satisfies; this package imports only the
// vocabulary (dba), so collectors and the scheduler are tested with fakes
// and real servers alike. What readings mean over time (rates, resets) is
// internal/metric's; where they are kept is the workbench's.
package collect
