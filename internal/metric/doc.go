// Package metric derives values from raw server counters: deltas and
// per-second rates between two samples, ratios over those deltas, with
// counter resets (restart, FLUSH STATUS, a failover behind one address)
// detected and reported instead of turned into negative rates.
//
// It is pure: samples in, numbers out. It imports only the dba vocabulary
// and never touches a connection, so it runs on live samples, fixtures and
// stored history alike. The status screen uses it today; the monitoring
// collectors' derived series will build on it.
package metric
