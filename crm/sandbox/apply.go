package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// opRequest is a validated, authenticated freeze, release or consume.
type opRequest struct {
	op, token, bodyHash string
	body                crm.Body
	at                  time.Time
	// profile says how long tokens are remembered and what a settled freeze answers.
	profile Profile
}

// answer is what the ledger says to one request.
type answer struct {
	status   int
	body     []byte
	replayed bool
	// outcome is the request's Stats outcome.
	outcome string
}

// opData is the data of a successful answer; numbers are points.
type opData struct {
	MemberID    string   `json:"memberId"`
	Token       string   `json:"token"`
	Point       float64  `json:"point"`
	Available   float64  `json:"available"`
	Frozen      float64  `json:"frozen"`
	Consumed    float64  `json:"consumed"`
	FreezeToken string   `json:"freezeToken,omitempty"`
	Remaining   *float64 `json:"remaining,omitempty"`
}

// Outcomes of a request in Stats, besides "rejected:"+code and "fault:"+kind.
const (
	outcomeApplied      = "applied"
	outcomeReplayed     = "replayed"
	outcomeConflict     = "conflict"
	outcomeUnauthorized = "unauthorized"
	outcomeForbidden    = "forbidden"
	outcomeNotFound     = "not_found"
	outcomeBadRequest   = "bad_request"
	outcomeError        = "error"
	outcomeOK           = "ok"
)

// applyOp runs one request inside the writer's transaction: replay or
// conflict on a known token, else the effect or a business rejection,
// recorded with the token so both commit together.
func applyOp(ctx context.Context, q dbtx, r opRequest) (answer, error) {
	known, found, err := loadToken(ctx, q, r.token)
	if err != nil {
		return answer{}, err
	}
	if found {
		// A CRM with a short memory takes a forgotten token for a new request.
		forgotten, err := r.profile.forgets(ctx, q, known, r.at)
		if err == nil && forgotten {
			err = deleteToken(ctx, q, r.token)
		}
		if err != nil {
			return answer{}, err
		}
		found = !forgotten
	}
	if found {
		if known.op != r.op || known.bodyHash != r.bodyHash {
			msg := fmt.Sprintf("X-Business-Token %s was first used for %s with another body", r.token, known.op)
			if known.op == r.op {
				msg = fmt.Sprintf("X-Business-Token %s was first used with another body", r.token)
			}
			return answer{status: http.StatusConflict, body: marshalEnvelope(false, CodeConflict, msg, nil), outcome: outcomeConflict}, nil
		}
		return answer{status: http.StatusOK, body: known.response, replayed: true, outcome: outcomeReplayed}, nil
	}

	m, found, err := loadMember(ctx, q, r.body.MemberID)
	if err != nil {
		return answer{}, err
	}
	if !found || m.memberType != r.body.MemberType {
		msg := fmt.Sprintf("member %s of memberType %s not found", r.body.MemberID, r.body.MemberType)
		return answer{status: http.StatusNotFound, body: marshalEnvelope(false, CodeMemberNotFound, msg, nil), outcome: outcomeNotFound}, nil
	}

	code, msg, data, err := effect(ctx, q, r, &m)
	if err != nil {
		return answer{}, err
	}
	rec := tokenRow{token: r.token, op: r.op, bodyHash: r.bodyHash, createdAt: r.at.UnixNano()}
	a := answer{status: http.StatusOK}
	if code == CodeSuccess {
		rec.status, a.outcome = StatusApplied, outcomeApplied
		rec.response = marshalEnvelope(true, CodeSuccess, msg, data)
	} else {
		rec.status, a.outcome = StatusRejected, "rejected:"+code
		rec.response = marshalEnvelope(false, code, msg, nil)
	}
	if err := insertToken(ctx, q, rec); err != nil {
		return answer{}, err
	}
	a.body = rec.response
	return a, nil
}

// effect applies the operation to m, or names the business rule it breaks.
func effect(ctx context.Context, q dbtx, r opRequest, m *memberRow) (code, msg string, data *opData, err error) {
	p := crm.Hundredths(r.body.Point)
	var fr freezeRow
	switch r.op {
	case crm.OpFreeze:
		if m.available < p {
			return CodePointNotEnough, fmt.Sprintf("member %s has %s points available, %s asked", m.id, formatHundredths(m.available), formatHundredths(p)), nil, nil
		}
		m.available, m.frozen = m.available-p, m.frozen+p
		fr = freezeRow{token: r.token, memberID: m.id, amount: p}
		err = insertFreeze(ctx, q, fr)
	case crm.OpRelease, crm.OpConsume:
		var found bool
		if fr, found, err = loadFreeze(ctx, q, r.body.FreezeToken); err != nil {
			return "", "", nil, err
		}
		if !found || fr.memberID != m.id {
			return CodeFreezeNotFound, fmt.Sprintf("no freeze %s of member %s", r.body.FreezeToken, m.id), nil, nil
		}
		if r.profile.SettledNotFound && fr.remaining() == 0 {
			return CodeFreezeNotFound, fmt.Sprintf("freeze %s of member %s is settled: the CRM holds it no more", fr.token, m.id), nil, nil
		}
		if p > fr.remaining() {
			return CodeFreezeNotEnough, fmt.Sprintf("freeze %s holds %s points, %s asked", fr.token, formatHundredths(fr.remaining()), formatHundredths(p)), nil, nil
		}
		if m.frozen < p {
			return "", "", nil, fmt.Errorf("ledger corrupt: member %s has %s frozen, freeze %s holds %s", m.id, formatHundredths(m.frozen), fr.token, formatHundredths(fr.remaining()))
		}
		m.frozen -= p
		if r.op == crm.OpRelease {
			fr.released += p
			m.available += p
		} else {
			fr.consumed += p
			m.consumed += p
		}
		err = saveFreeze(ctx, q, fr)
	default:
		return "", "", nil, fmt.Errorf("unknown operation %q", r.op)
	}
	if err != nil {
		return "", "", nil, err
	}
	if err := saveMember(ctx, q, *m); err != nil {
		return "", "", nil, err
	}
	e := entryRow{token: r.token, op: r.op, memberID: m.id, amount: p, freezeToken: r.body.FreezeToken, createdAt: r.at.UnixNano()}
	if r.op == crm.OpFreeze {
		e.freezeToken = ""
	}
	if err := insertEntry(ctx, q, e); err != nil {
		return "", "", nil, err
	}
	data = &opData{
		MemberID: m.id, Token: r.token, Point: crm.PointsFromHundredths(p),
		Available: crm.PointsFromHundredths(m.available), Frozen: crm.PointsFromHundredths(m.frozen),
		Consumed: crm.PointsFromHundredths(m.consumed),
	}
	if r.op != crm.OpFreeze {
		rem := crm.PointsFromHundredths(fr.remaining())
		data.FreezeToken, data.Remaining = fr.token, &rem
	}
	return CodeSuccess, r.op + " applied", data, nil
}

// formatHundredths renders the ledger's hundredths as points, for messages.
func formatHundredths(h int64) string { return crm.FormatPoints(crm.PointsFromHundredths(h)) }
