package collect

import "fmt"

// Builtin lists every collector mydba has, in the order they are shown.
// This is the one registry: adding a collector means adding it here.
func Builtin() []Collector {
	return []Collector{
		GlobalStatus{},
		GlobalVariables{},
		InnoDBMetrics{},
		ProcessList{},
		Replication{},
		Digests{},
	}
}

// Registry is a set of collectors by name.
type Registry struct {
	byName map[string]Collector
	order  []Collector
}

// NewRegistry registers cs; it panics on a duplicate name, a programming
// error the tests catch.
func NewRegistry(cs ...Collector) *Registry {
	r := &Registry{byName: map[string]Collector{}}
	for _, c := range cs {
		r.Register(c)
	}
	return r
}

// Register adds c; it panics when the name is taken.
func (r *Registry) Register(c Collector) {
	if _, dup := r.byName[c.Name()]; dup {
		panic(fmt.Sprintf("collect: collector %q registered twice", c.Name()))
	}
	r.byName[c.Name()] = c
	r.order = append(r.order, c)
}

// Get returns the collector named name.
func (r *Registry) Get(name string) (Collector, bool) {
	c, ok := r.byName[name]
	return c, ok
}

// All returns the collectors in registration order.
func (r *Registry) All() []Collector { return append([]Collector(nil), r.order...) }

// Names returns the collectors' names in registration order.
func (r *Registry) Names() []string {
	out := make([]string, len(r.order))
	for i, c := range r.order {
		out[i] = c.Name()
	}
	return out
}
