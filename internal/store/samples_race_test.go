//go:build race

package store

// raceOn: the race detector slows everything ~10x, so timing bounds do not
// apply.
const raceOn = true
