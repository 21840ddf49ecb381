package digest

import "unsafe"

// bytesString views b as a string without copying, for calls that only
// read it and keep nothing (fingerprinting, hashing, regexp-free
// comparisons): the statement text is the bulk of a slow log, and copying
// every statement into a string would double the work. b must not change
// while the string is in use; the callers pass slices of a chunk buffer
// that is not written until the chunk is done.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
