package metric

import (
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// StatusInput is what the status screen is computed from: two samples of
// SHOW GLOBAL STATUS and the few variables that give them a scale.
type StatusInput struct {
	Pair
	// MaxConnections is @@max_connections; 0 when unknown.
	MaxConnections int64
	// BufferPoolSize is @@innodb_buffer_pool_size; 0 when unknown, in which
	// case pages times Innodb_page_size is used.
	BufferPoolSize int64
	// OwnStatements is how many of the statements Questions counted in the
	// interval were mydba's own: the second SHOW GLOBAL STATUS counts itself
	// (Questions is incremented before a statement runs).
	OwnStatements uint64
}

// rateCounters are the counters a reset shows up in; checked for going
// backwards.
func rateCounters() []string {
	return []string{
		"Questions", "Com_commit", "Com_rollback", "Handler_commit", "Handler_rollback",
		"Com_select", "Com_insert", "Com_update", "Com_delete",
		"Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads",
	}
}

// Summarise computes the status screen from in: connections from the
// second sample, rates from the deltas, the buffer pool's occupancy and hit
// rate. Server, Replication and the privileges-related entries of
// Unavailable are the caller's to fill.
//
// Choices, so the numbers mean one thing:
//   - QPS is Questions (statements clients sent), not Queries (which adds
//     statements run inside stored programs and so counts one CALL many
//     times), minus mydba's own sampling statement.
//   - TPS is Com_commit + Com_rollback: transactions a client ended. It
//     misses autocommit statements; EngineCommits (Handler_commit +
//     Handler_rollback) includes them but also every autocommit read and
//     internal commits, so the two bracket the truth and a note says which
//     one the workload needs.
//   - insert, update and delete include their multi-table and INSERT ...
//     SELECT forms.
//   - The hit rate is 1 - disk reads / read requests over the interval, not
//     since startup.
func Summarise(in StatusInput) dba.ServerStatus {
	p := in.Pair
	st := dba.ServerStatus{Interval: p.Cur.At.Sub(p.Prev.At), Unavailable: []dba.Unavailable{}}
	if up, ok := p.Cur.Int("Uptime"); ok {
		st.Uptime = time.Duration(up) * time.Second
	}
	st.Reset = p.Reset()
	if st.Reset == "" {
		if back := p.Backwards(rateCounters()...); len(back) > 0 {
			st.Reset = fmt.Sprintf("counters went backwards between the samples (%s): they were reset", strings.Join(back, ", "))
		}
	}
	st.Connections = connections(p, in.MaxConnections, &st.Unavailable)
	st.Rates = rates(p, st.Reset, in.OwnStatements)
	st.BufferPool = bufferPool(p, st.Reset, in.BufferPoolSize, &st.Unavailable)
	return st
}

func connections(p Pair, maxConn int64, unavailable *[]dba.Unavailable) dba.ConnectionStatus {
	var c dba.ConnectionStatus
	var ok bool
	if c.Connected, ok = p.Gauge("Threads_connected"); !ok {
		*unavailable = append(*unavailable, dba.Unavailable{What: "connections", Reason: "the server reports no Threads_connected"})
	}
	c.Running, _ = p.Gauge("Threads_running")
	c.MaxUsed, _ = p.Gauge("Max_used_connections")
	c.Max = maxConn
	if maxConn > 0 {
		c.UsedPercent = Percent(float64(c.Connected), float64(maxConn))
		c.MaxUsedPercent = Percent(float64(c.MaxUsed), float64(maxConn))
	}
	return c
}

// sumPresent is the delta of first plus those of others that both samples
// have (MySQL and MariaDB do not share every Com_ variant).
func sumPresent(p Pair, first string, others ...string) (uint64, bool) {
	total, ok := p.Delta(first)
	if !ok {
		return 0, false
	}
	for _, o := range others {
		if d, ok := p.Delta(o); ok {
			total += d
		}
	}
	return total, true
}

func rates(p Pair, reset string, own uint64) dba.StatusRates {
	var r dba.StatusRates
	if reset != "" {
		r.Notes = append(r.Notes, "rates withheld: "+reset)
		return r
	}
	secs := p.Seconds()
	per := func(d uint64, ok bool) *float64 {
		if !ok {
			return nil
		}
		v := float64(d) / secs
		return &v
	}
	if q, ok := p.Delta("Questions"); ok {
		q -= min(q, own)
		r.QPS = per(q, true)
	}
	tx, txOK := p.Delta("Com_commit", "Com_rollback")
	r.TPS = per(tx, txOK)
	r.EngineCommits = per(p.Delta("Handler_commit", "Handler_rollback"))
	r.Select = per(p.Delta("Com_select"))
	ins, insOK := sumPresent(p, "Com_insert", "Com_insert_select", "Com_replace", "Com_replace_select")
	upd, updOK := sumPresent(p, "Com_update", "Com_update_multi")
	del, delOK := sumPresent(p, "Com_delete", "Com_delete_multi")
	r.Insert, r.Update, r.Delete = per(ins, insOK), per(upd, updOK), per(del, delOK)
	if txOK && tx == 0 && ins+upd+del > 0 {
		r.Notes = append(r.Notes, "no COMMIT or ROLLBACK in the interval while rows were written: the writes run in autocommit, which TPS does not count; engine commits is the upper bound")
	}
	return r
}

func bufferPool(p Pair, reset string, size int64, unavailable *[]dba.Unavailable) *dba.BufferPool {
	total, ok := p.Gauge("Innodb_buffer_pool_pages_total")
	if !ok {
		*unavailable = append(*unavailable, dba.Unavailable{What: "buffer pool", Reason: "the server reports no Innodb_buffer_pool_* status (InnoDB not loaded)"})
		return nil
	}
	bp := &dba.BufferPool{PagesTotal: total, SizeBytes: size}
	bp.PagesFree, _ = p.Gauge("Innodb_buffer_pool_pages_free")
	bp.PagesData, _ = p.Gauge("Innodb_buffer_pool_pages_data")
	bp.PagesDirty, _ = p.Gauge("Innodb_buffer_pool_pages_dirty")
	if bp.SizeBytes == 0 {
		if ps, ok := p.Gauge("Innodb_page_size"); ok {
			bp.SizeBytes = total * ps
		}
	}
	bp.UsedPercent = Percent(float64(total-bp.PagesFree), float64(total))
	bp.FreePercent = Percent(float64(bp.PagesFree), float64(total))
	if reset != "" {
		bp.HitNote = "withheld: counters were reset between the samples"
		return bp
	}
	req, ok1 := p.Delta("Innodb_buffer_pool_read_requests")
	reads, ok2 := p.Delta("Innodb_buffer_pool_reads")
	switch {
	case !ok1 || !ok2:
		bp.HitNote = "the server reports no buffer pool read counters"
	case req == 0:
		bp.HitNote = "no reads in the interval"
	default:
		bp.ReadRequests, bp.DiskReads = int64(req), int64(reads)
		// Disk reads are a subset of read requests; sampling skew between
		// the two counters could push the ratio past 1 for a moment.
		hit := 100 * (1 - float64(min(reads, req))/float64(req))
		bp.HitPercent = &hit
	}
	return bp
}
