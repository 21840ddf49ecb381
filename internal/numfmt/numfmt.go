// Package numfmt prints numbers for people the same way on every surface:
// the CLI's tables and the web pages show an estimate or a duration alike.
package numfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Group writes 1234567 as 1,234,567.
func Group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Num prints an estimate: whole numbers grouped, others with up to two
// decimals.
func Num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return Group(int64(f))
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if i := strings.IndexByte(s, '.'); i > 3 {
		whole, _ := strconv.ParseInt(s[:i], 10, 64)
		return Group(whole) + s[i:]
	}
	return s
}

// Ms prints milliseconds with about three significant digits.
func Ms(f float64) string {
	switch {
	case f >= 100:
		return Num(math.Round(f))
	case f >= 1:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// Duration prints a duration with the precision statement stages and
// digests need: 3.9µs, 0.412ms, 112.633ms, 1.204s.
func Duration(d time.Duration) string {
	switch {
	case d < time.Microsecond*100:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}
