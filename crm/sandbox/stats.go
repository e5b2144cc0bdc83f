package sandbox

import "sync"

// Stats counts requests since the server started (not kept across restarts).
type Stats struct {
	// Calls counts requests by operation ("freeze", "release", "consume",
	// "balance") and outcome. Each request counts once: "applied",
	// "replayed", "rejected:<CODE>", "conflict", "not_found", "ok" (balance)
	// when it reached the ledger, even if a fault then lost its answer; else
	// "unauthorized", "forbidden", "bad_request", "error",
	// "fault:fail_before" or "fault:too_many".
	Calls map[string]map[string]int64 `json:"calls"`
	// Faults counts injected faults by kind: "fail_before", "fail_after",
	// "latency", "too_many".
	Faults map[string]int64 `json:"faults"`
}

type counters struct {
	mu     sync.Mutex
	calls  map[string]map[string]int64
	faults map[string]int64
}

func newCounters() *counters {
	return &counters{calls: map[string]map[string]int64{}, faults: map[string]int64{}}
}

func (c *counters) call(op, outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls[op] == nil {
		c.calls[op] = map[string]int64{}
	}
	c.calls[op][outcome]++
}

func (c *counters) fault(kind faultKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults[string(kind)]++
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Calls: make(map[string]map[string]int64, len(c.calls)), Faults: make(map[string]int64, len(c.faults))}
	for op, m := range c.calls {
		s.Calls[op] = make(map[string]int64, len(m))
		for k, v := range m {
			s.Calls[op][k] = v
		}
	}
	for k, v := range c.faults {
		s.Faults[k] = v
	}
	return s
}
