package dba

import (
	"errors"
	"sort"
	"strings"
)

// Error kinds. Layers wrap these with context; presenters map them to exit
// codes and HTTP statuses.
var (
	// ErrInvalid is bad input from the user: a malformed DSN, a bad flag value.
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound is a named thing that does not exist: a profile, a table.
	ErrNotFound = errors.New("not found")
	// ErrExists is a name already taken.
	ErrExists = errors.New("already exists")
	// ErrUnreachable is a server that could not be reached in time.
	ErrUnreachable = errors.New("server unreachable")
	// ErrAuth is a server that refused the credentials.
	ErrAuth = errors.New("access denied")
	// ErrTimeout is a call that ran past its deadline.
	ErrTimeout = errors.New("timed out")
)

// Suggest returns candidates close to word (edit distance at most a third of
// its length, at least 2), closest first. Used for "did you mean" messages.
func Suggest(word string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	w := strings.ToLower(word)
	limit := max(2, len(w)/3)
	var out []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(w, lc)
		if d <= limit || (len(w) >= 3 && strings.Contains(lc, w)) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	names := make([]string, 0, len(out))
	for _, o := range out {
		names = append(names, o.s)
	}
	return names
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
