package parse

import "time"

// parseSlowTime reads the value of a "# Time:" line and returns the time and
// how many bytes it used (0 if it is not a time). Formats:
//
//	MySQL 5.7+ and Percona 8:  2024-05-10T17:44:36.400424Z (or +08:00)
//	MariaDB, MySQL before 5.7: 241126 10:14:59, 131128  1:05:31
//	also accepted:             2024-05-10 17:44:36
//
// Times without a zone are in loc (nil: UTC).
func parseSlowTime(b []byte, loc *time.Location) (time.Time, int) {
	st, n := scanSlowTime(b)
	if n == 0 {
		return time.Time{}, 0
	}
	if loc == nil {
		loc = time.UTC
	}
	switch {
	case st.utc:
		loc = time.UTC
	case st.zoned:
		loc = time.FixedZone("", st.offset)
	}
	return time.Date(st.year, time.Month(st.month), st.day, st.hour, st.min, st.sec, st.nsec, loc), n
}

// slowTime is a "# Time:" value taken apart, so a line can be checked
// without building a time.Time (or a time zone).
type slowTime struct {
	year, month, day, hour, min, sec, nsec int
	utc, zoned                             bool
	offset                                 int
}

// scanSlowTime reads a "# Time:" value and returns how many bytes it used
// (0 if it is not a time).
func scanSlowTime(b []byte) (slowTime, int) {
	if len(b) >= 19 && b[4] == '-' {
		return scanSlowISOTime(b)
	}
	// YYMMDD, one or two blanks, H:MM:SS or HH:MM:SS.
	if len(b) < 14 || !slowDigits(b[:6]) || b[6] != ' ' {
		return slowTime{}, 0
	}
	i := 7
	if b[i] == ' ' {
		i++
	}
	h, n := slowAtoiN(b[i:], 2)
	if n == 0 || i+n+6 > len(b) || b[i+n] != ':' || b[i+n+3] != ':' {
		return slowTime{}, 0
	}
	i += n + 1
	mi, ok1 := slowAtoi2(b[i:])
	s, ok2 := slowAtoi2(b[i+3:])
	if !ok1 || !ok2 {
		return slowTime{}, 0
	}
	yy, _ := slowAtoi2(b[0:])
	mo, _ := slowAtoi2(b[2:])
	d, _ := slowAtoi2(b[4:])
	// Two-digit years: MySQL writes years 1970-2069 this way.
	year := 2000 + yy
	if yy >= 70 {
		year = 1900 + yy
	}
	if !slowValidDate(mo, d, h, mi, s) {
		return slowTime{}, 0
	}
	return slowTime{year: year, month: mo, day: d, hour: h, min: mi, sec: s}, i + 5
}

func scanSlowISOTime(b []byte) (slowTime, int) {
	if !slowDigits(b[0:4]) || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return slowTime{}, 0
	}
	year, _ := slowAtoiN(b[0:], 4)
	mo, ok1 := slowAtoi2(b[5:])
	d, ok2 := slowAtoi2(b[8:])
	h, ok3 := slowAtoi2(b[11:])
	mi, ok4 := slowAtoi2(b[14:])
	s, ok5 := slowAtoi2(b[17:])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !slowValidDate(mo, d, h, mi, s) {
		return slowTime{}, 0
	}
	st := slowTime{year: year, month: mo, day: d, hour: h, min: mi, sec: s}
	i := 19
	if i < len(b) && b[i] == '.' {
		i++
		scale := 100000000
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			st.nsec += int(b[i]-'0') * scale
			scale /= 10
		}
	}
	if i < len(b) {
		switch b[i] {
		case 'Z':
			st.utc = true
			i++
		case '+', '-':
			if i+6 <= len(b) && b[i+3] == ':' {
				oh, ok1 := slowAtoi2(b[i+1:])
				om, ok2 := slowAtoi2(b[i+4:])
				if ok1 && ok2 && oh <= 14 && om < 60 {
					st.offset = oh*3600 + om*60
					if b[i] == '-' {
						st.offset = -st.offset
					}
					st.zoned = true
					i += 6
				}
			}
		}
	}
	return st, i
}

func slowValidDate(mo, d, h, mi, s int) bool {
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60
}

func slowDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func slowAtoi2(b []byte) (int, bool) {
	if len(b) < 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// slowAtoiN reads up to limit leading digits and returns the value and how many
// it read.
func slowAtoiN(b []byte, limit int) (int, int) {
	v, n := 0, 0
	for n < len(b) && n < limit && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int(b[n]-'0')
		n++
	}
	return v, n
}
