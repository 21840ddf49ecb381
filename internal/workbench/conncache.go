package workbench

import (
	"context"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
)

// connCache keeps one pool per profile for a long-running process (the web
// UI): connecting per request would cost a TCP, TLS and perhaps SSH
// handshake each time. Pools idle for idleAfter are closed.
type connCache struct {
	mu        sync.Mutex
	conns     map[string]*cachedConn
	idleAfter time.Duration
}

type cachedConn struct {
	db      *mysql.DB
	profile dba.Profile
	used    time.Time
}

func (c *connCache) get(name string, now time.Time) (*mysql.DB, dba.Profile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cc, ok := c.conns[name]
	if !ok {
		return nil, dba.Profile{}, false
	}
	cc.used = now
	return cc.db, cc.profile, true
}

func (c *connCache) put(name string, db *mysql.DB, p dba.Profile, now time.Time) *mysql.DB {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.conns[name]; ok {
		// Another request connected first; keep one pool.
		_ = db.Release()
		cc.used = now
		return cc.db
	}
	db.Share()
	c.conns[name] = &cachedConn{db: db, profile: p, used: now}
	return db
}

// evict closes a profile's pool (after it was edited or deleted).
func (c *connCache) evict(name string) {
	c.mu.Lock()
	cc, ok := c.conns[name]
	delete(c.conns, name)
	c.mu.Unlock()
	if ok {
		_ = cc.db.Release()
	}
}

// sweep closes pools idle for longer than idleAfter.
func (c *connCache) sweep(now time.Time) {
	c.mu.Lock()
	var idle []*mysql.DB
	for name, cc := range c.conns {
		if now.Sub(cc.used) > c.idleAfter {
			idle = append(idle, cc.db)
			delete(c.conns, name)
		}
	}
	c.mu.Unlock()
	for _, db := range idle {
		_ = db.Release()
	}
}

func (c *connCache) closeAll() {
	c.mu.Lock()
	conns := c.conns
	c.conns = map[string]*cachedConn{}
	c.mu.Unlock()
	for _, cc := range conns {
		_ = cc.db.Release()
	}
}

// cachedOpen is open for long-running processes: a profile's pool is
// reused while its profile is unchanged.
func (w *Workbench) cachedOpen(ctx context.Context, r ConnRequest) (*mysql.DB, dba.Profile, error) {
	now := w.opts.Now()
	w.cache.sweep(now)
	if db, p, ok := w.cache.get(r.Profile, now); ok {
		return db, p, nil
	}
	db, p, err := w.dial(ctx, r)
	if err != nil {
		return nil, p, err
	}
	return w.cache.put(p.Name, db, p, now), p, nil
}
