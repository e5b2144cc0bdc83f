package sandbox

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/google/uuid"

	"github.com/kylinpoints/kylin-points/crm"
)

// maxGranted caps what one member may be granted in all, so that every
// balance stays exact as float64 points.
var maxGranted = crm.Hundredths(crm.MaxPoints)

// inputError is a Grant argument the sandbox refuses (admin API: 400).
type inputError struct{ msg string }

func (e *inputError) Error() string { return "sandbox: " + e.msg }

func badInput(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// Grant seeds memberID with points, or tops the member up. An empty
// memberType means crm.DefaultMemberType; points 0 creates the member with
// nothing. Every grant is a ledger entry under its own admin token.
func (s *Server) Grant(ctx context.Context, memberID, memberType string, points float64) (Balance, error) {
	return s.grant(ctx, memberID, memberType, points, false)
}

// grant runs through the writer. With onlyIfAbsent an existing member is
// left as it is.
func (s *Server) grant(ctx context.Context, memberID, memberType string, points float64, onlyIfAbsent bool) (Balance, error) {
	if err := requireText("memberId", memberID, maxMemberIDChars); err != nil {
		return Balance{}, badInput("%v", err)
	}
	memberType = cmp.Or(memberType, crm.DefaultMemberType)
	if err := requireText("memberType", memberType, maxCodeChars); err != nil {
		return Balance{}, badInput("%v", err)
	}
	if math.IsNaN(points) || points < 0 {
		return Balance{}, badInput("points must not be negative, got %v", points)
	}
	if points > 0 {
		if err := crm.ValidatePoints(points); err != nil {
			return Balance{}, badInput("%v", err)
		}
	}
	amount, at := crm.Hundredths(points), s.cfg.Now().UnixNano()
	res, err := s.writer.submit(ctx, func(ctx context.Context, tx *sql.Tx) (any, error) {
		m, found, err := loadMember(ctx, tx, memberID)
		if err != nil {
			return nil, err
		}
		switch {
		case found && m.memberType != memberType:
			return nil, badInput("member %s has memberType %s, not %s", memberID, m.memberType, memberType)
		case found && onlyIfAbsent:
			return m.balance(), nil
		case found && m.granted+amount > maxGranted:
			return nil, badInput("member %s would hold more than %s points", memberID, formatHundredths(maxGranted))
		case !found:
			m = memberRow{id: memberID, memberType: memberType}
			if err := insertMember(ctx, tx, m); err != nil {
				return nil, err
			}
		}
		if amount == 0 {
			return m.balance(), nil
		}
		m.available, m.granted = m.available+amount, m.granted+amount
		if err := saveMember(ctx, tx, m); err != nil {
			return nil, err
		}
		e := entryRow{token: grantTokenPrefix + uuid.NewString(), op: OpGrant, memberID: memberID, amount: amount, createdAt: at}
		if err := insertEntry(ctx, tx, e); err != nil {
			return nil, err
		}
		return m.balance(), nil
	})
	if err != nil {
		return Balance{}, err
	}
	return res.(Balance), nil
}

// grantTokenPrefix starts the admin token of every grant entry.
const grantTokenPrefix = "sandbox-grant-"
