package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/crm"
)

// adminPrefix is where the unsigned admin API lives.
const adminPrefix = "/sandbox/"

// Server is the sandbox CRM. It is an http.Handler; Close it when done.
type Server struct {
	cfg    Config
	log    *zap.Logger
	db     *sql.DB
	writer *writer
	dice   *faultDice
	script script
	stats  *counters
	admin  http.Handler
	// checkStmt is the prepared invariantQuery.
	checkStmt *sql.Stmt
	closing   chan struct{}
	once      sync.Once
	closeErr  error
}

// New opens the ledger (creating its tables when new) and starts the writer.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := openDB(context.Background(), cfg.Path)
	if err != nil {
		return nil, err
	}
	checkStmt, err := db.PrepareContext(context.Background(), invariantQuery)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sandbox: prepare invariant checks: %w", err)
	}
	s := &Server{
		checkStmt: checkStmt,
		cfg:       cfg,
		log:       cfg.Logger,
		db:        db,
		dice:      newFaultDice(cfg.Seed, cfg.Faults),
		stats:     newCounters(),
		closing:   make(chan struct{}),
	}
	s.writer = startWriter(db, cfg.Logger, s.closing)
	s.admin = s.guardAdmin(s.adminMux())
	return s, nil
}

// Close stops taking work, finishes what was accepted, and closes the ledger.
func (s *Server) Close() error {
	s.once.Do(func() {
		close(s.closing)
		<-s.writer.stopped
		s.closeErr = errors.Join(s.checkStmt.Close(), s.db.Close())
	})
	return s.closeErr
}

// ServeHTTP serves the signed CRM endpoints and the admin API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == s.cfg.FreezePath:
		s.serveOp(w, r, crm.OpFreeze)
	case p == s.cfg.ReleasePath:
		s.serveOp(w, r, crm.OpRelease)
	case p == s.cfg.ConsumePath:
		s.serveOp(w, r, crm.OpConsume)
	case p == s.cfg.BalancePath:
		s.serveBalance(w, r)
	case strings.HasPrefix(p, adminPrefix):
		s.admin.ServeHTTP(w, r)
	default:
		writeFailure(w, http.StatusNotFound, CodeNotFound, "no endpoint at "+p)
	}
}

// SetFaults replaces the fault rates; zero durations take their defaults.
// The kinds are tried in the order FailBefore, FailAfter, Latency, TooMany
// against one uniform draw, so rates that break Faults.Validate are
// tolerated but mean less than they say.
func (s *Server) SetFaults(f Faults) { s.dice.set(f) }

// Faults returns the fault rates in force, defaults filled in.
func (s *Server) Faults() Faults { return s.dice.get() }

// Stats returns the request and fault counters since start.
func (s *Server) Stats() Stats { return s.stats.snapshot() }
