// Package alert evaluates alert rules over the monitor's derived series:
// a threshold and comparison, a duration the condition must hold ("for
// 2 minutes") and hysteresis (a separate clear threshold, a clear-after
// duration, or both), with a severity. The Engine keeps one state per
// profile, rule and instance and turns each observation into firing and
// resolved events, deterministically, from the times it is given.
//
// It is pure: it never touches a connection, the state file or the
// network, so it runs on recorded samples and in tests with injected
// times. It may import only the standard library and internal/dba.
package alert
