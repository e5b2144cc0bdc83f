package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// maxBatch is the most operations one transaction commits.
const maxBatch = 256

// errClosed answers work that arrives after Close.
var errClosed = errors.New("sandbox: server is closed")

// job is one unit of work for the writer, run inside the batch transaction.
// res and err are set before done is closed.
type job struct {
	run  func(ctx context.Context, tx *sql.Tx) (any, error)
	res  any
	err  error
	done chan struct{}
}

// writer is the single goroutine that changes the ledger. It takes every
// pending job (up to maxBatch), runs them in order in one transaction, each
// inside its own savepoint, commits once, then releases their answers: no
// answer leaves before its effect is committed.
type writer struct {
	db      *sql.DB
	log     *zap.Logger
	jobs    chan *job
	closing <-chan struct{}
	stopped chan struct{}
}

func startWriter(db *sql.DB, log *zap.Logger, closing <-chan struct{}) *writer {
	w := &writer{db: db, log: log, jobs: make(chan *job, 4*maxBatch), closing: closing, stopped: make(chan struct{})}
	go w.loop()
	return w
}

// submit hands run to the writer and waits for its committed result.
// If ctx ends first the job may still be applied later.
func (w *writer) submit(ctx context.Context, run func(ctx context.Context, tx *sql.Tx) (any, error)) (any, error) {
	j := &job{run: run, done: make(chan struct{})}
	select {
	case w.jobs <- j:
	case <-w.closing:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-j.done:
		return j.res, j.err
	case <-w.stopped:
		select {
		case <-j.done:
			return j.res, j.err
		default:
			return nil, errClosed
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *writer) loop() {
	defer close(w.stopped)
	for {
		select {
		case j := <-w.jobs:
			w.commit(w.fill([]*job{j}))
		case <-w.closing:
			// Finish what was accepted before Close, then stop.
			for {
				batch := w.fill(nil)
				if len(batch) == 0 {
					return
				}
				w.commit(batch)
			}
		}
	}
}

// fill adds the jobs already waiting, up to maxBatch.
func (w *writer) fill(batch []*job) []*job {
	for len(batch) < maxBatch {
		select {
		case j := <-w.jobs:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

func (w *writer) commit(batch []*job) {
	defer func() {
		for _, j := range batch {
			close(j.done)
		}
	}()
	failAll := func(err error) {
		w.log.Error("sandbox ledger transaction failed", zap.Int("batch", len(batch)), zap.Error(err))
		for _, j := range batch {
			j.res, j.err = nil, err
		}
	}
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		failAll(fmt.Errorf("sandbox: begin: %w", err))
		return
	}
	for _, j := range batch {
		if err := w.runOne(ctx, tx, j); err != nil {
			_ = tx.Rollback()
			failAll(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		failAll(fmt.Errorf("sandbox: commit: %w", err))
	}
}

// runOne runs j in a savepoint, so a job that fails leaves no trace while
// the rest of the batch commits. The error returned is the transaction's.
func (w *writer) runOne(ctx context.Context, tx *sql.Tx, j *job) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT job`); err != nil {
		return fmt.Errorf("sandbox: savepoint: %w", err)
	}
	j.res, j.err = runSafely(ctx, tx, j.run)
	if j.err != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO job`); err != nil {
			return fmt.Errorf("sandbox: rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE job`); err != nil {
		return fmt.Errorf("sandbox: release savepoint: %w", err)
	}
	return nil
}

// runSafely turns a panic in run into an error, so one bad job cannot stop
// the writer and hang every caller.
func runSafely(ctx context.Context, tx *sql.Tx, run func(ctx context.Context, tx *sql.Tx) (any, error)) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("sandbox: job panicked: %v", p)
		}
	}()
	return run(ctx, tx)
}
