// Package activities holds the Temporal activities that freeze, release and
// consume a member's points in the Kylin CRM. They are thin: input → one CRM
// call → output, or a Temporal error whose kind tells the workflow's retry
// policy what to do (docs/design.md, Error classes).
package activities

import (
	"cmp"
	"context"
	"errors"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/search"
)

// CRM is the part of the CRM client the activities use. *crm.Client fits it;
// tests pass a fake.
type CRM interface {
	Freeze(ctx context.Context, token string, req crm.Request) (crm.Result, error)
	Release(ctx context.Context, token string, req crm.Request) (crm.Result, error)
	Consume(ctx context.Context, token string, req crm.Request) (crm.Result, error)
}

// Names under which the activities are registered (workflows.Register) and
// every history records them: the method names for the CRM steps, whose
// histories have always carried them, and a qualified name for the local
// activity Prepare. The workflows schedule the CRM steps by method value, so
// the compiler checks them; these constants are for code and tools that read
// histories, and tests hold them to the methods.
const (
	FreezeName  = "Freeze"
	ReleaseName = "Release"
	ConsumeName = "Consume"
	// PrepareName is the name the workflows run the local activity Prepare
	// by: the method KylinPointsPrepare. It is qualified, since the workflow
	// functions run it inside other teams' workflows, whose own activities
	// may be called Prepare; and it is a method's name, so a worker that
	// registers an *Activities with RegisterActivity, as callers always
	// have, registers it too.
	PrepareName = "KylinPointsPrepare"
	// LegacyPrepareName is the name histories recorded before PrepareName
	// carry (the method's name).
	LegacyPrepareName = "Prepare"
)

// CodeFreezeNotFound is the CRM's default code for a release or consume of
// a freeze it does not hold (crm.FreezeNotFound; the worker's codes mapping
// may name others).
const CodeFreezeNotFound = crm.DefaultCodeFreezeNotFound

// CodeFreezeNotEnough is the CRM's default code for a release or consume of
// more points than the freeze still holds (crm.FreezeNotEnough).
const CodeFreezeNotEnough = crm.DefaultCodeFreezeNotEnough

// Activities holds what the activities depend on. Register a pointer to it
// with a worker; its exported methods are the activities.
type Activities struct {
	CRM CRM
	// Defaults are the worker's body fields (KYLIN_CRM_MEMBER_TYPE, ...);
	// empty ones are the CRM client's defaults.
	Defaults BodyFields
	// Search is how the workflows fill their search attributes; its zero
	// value upserts none.
	Search Search
	// Allowed lists the body values a request may carry; others are
	// refused before any CRM call (AllowedBody).
	Allowed AllowedBody
	// Codes maps the CRM's business codes to what the workflows read into
	// them (crm.Meaning); nil means crm.DefaultCodes. A code it does not
	// name is never proof of anything.
	Codes *crm.Codes
}

// meaning is what the worker's codes mapping reads into code.
func (a *Activities) meaning(code string) crm.Meaning {
	if a.Codes == nil {
		return crm.DefaultCodes().MeaningOf(code)
	}
	return a.Codes.MeaningOf(code)
}

// Search is the worker's search-attribute settings.
type Search struct {
	// Enabled says the namespace has the search attributes (the worker
	// checked at start), so the workflows upsert them.
	Enabled bool
	// MemberMode is how the member is written: search.MemberHashed (with
	// MemberKey), search.MemberRaw or search.MemberNone.
	MemberMode string
	MemberKey  []byte `json:"-"`
}

// Prepared is what a workflow fixes at its start from the worker's
// configuration, recorded in its history.
type Prepared struct {
	BodyFields
	// Search says whether to upsert the search attributes; Member is the
	// member's value for them ("" to leave it out).
	Search bool   `json:"search,omitempty"`
	Member string `json:"member,omitempty"`
	// Allowed is the worker's allow-list of body values, for the workflow to
	// refuse a freeze before it schedules one (AllowedBody.Refuse); nil in
	// histories recorded before it, and when the worker lists none.
	Allowed *AllowedBody `json:"allowed,omitempty"`
	// StartShown is set by every worker since the clients give a run's
	// first search attributes at its start (workflows.Redeem): the workflow
	// then leaves out an upsert that would repeat them. Recorded in the
	// history with the rest, it tells a replay which the run did: false in
	// histories recorded before, whose runs upserted their first state.
	StartShown bool `json:"startShown,omitempty"`
}

// Prepare returns the worker's body fields and search settings for a
// workflow of member memberID to fix once, before its first CRM call. It is
// a local activity: its answer is recorded in the history, so a worker
// configured otherwise later cannot change the body of a token already sent.
func (a *Activities) Prepare(_ context.Context, memberID string) (Prepared, error) {
	p := Prepared{StartShown: true, BodyFields: BodyFields{
		MemberType:   cmp.Or(a.Defaults.MemberType, crm.DefaultMemberType),
		ChannelType:  cmp.Or(a.Defaults.ChannelType, crm.DefaultChannelType),
		PointBizType: cmp.Or(a.Defaults.PointBizType, crm.DefaultPointBizType),
	}}
	if a.Allowed.listsAny() {
		allowed := a.Allowed
		p.Allowed = &allowed
	}
	if a.Search.Enabled {
		p.Search = true
		p.Member = search.ShownMember(a.Search.MemberMode, a.Search.MemberKey, memberID)
	}
	return p, nil
}

// KylinPointsPrepare is Prepare under the name the workflows run it by
// (PrepareName), which no caller's activity shares.
func (a *Activities) KylinPointsPrepare(ctx context.Context, memberID string) (Prepared, error) {
	return a.Prepare(ctx, memberID)
}

// Freeze moves in.Points of the member from available to frozen, under in.Token.
func (a *Activities) Freeze(ctx context.Context, in Input) (Output, error) {
	if err := a.Allowed.check(ctx, in); err != nil {
		return Output{}, err
	}
	res, err := a.CRM.Freeze(ctx, in.Token, in.request())
	if err != nil {
		return Output{}, a.toTemporal(ctx, crm.OpFreeze, in, err)
	}
	return output(ctx, in.Token, res), nil
}

// Release gives the points of the freeze in.FreezeToken back to the member.
// A freeze the CRM never applied is "nothing to release", not an error, so
// that compensation is safe when the freeze's outcome is unknown.
func (a *Activities) Release(ctx context.Context, in Input) (Output, error) {
	if err := a.Allowed.check(ctx, in); err != nil {
		return Output{}, err
	}
	res, err := a.CRM.Release(ctx, in.Token, in.request())
	if ce, ok := errors.AsType[*crm.Error](err); ok && ce.Class == crm.ClassRejected && a.meaning(ce.Code) == crm.FreezeNotFound &&
		(RejectionDetails{Status: ce.Status}).Business() {
		return Output{Token: in.Token, Status: ce.Status, Code: ce.Code, Attempt: attempt(ctx), NothingToRelease: true}, nil
	}
	if err != nil {
		return Output{}, a.toTemporal(ctx, crm.OpRelease, in, err)
	}
	return output(ctx, in.Token, res), nil
}

// Consume deducts the points of the freeze in.FreezeToken for good.
func (a *Activities) Consume(ctx context.Context, in Input) (Output, error) {
	if err := a.Allowed.check(ctx, in); err != nil {
		return Output{}, err
	}
	res, err := a.CRM.Consume(ctx, in.Token, in.request())
	if err != nil {
		return Output{}, a.toTemporal(ctx, crm.OpConsume, in, err)
	}
	return output(ctx, in.Token, res), nil
}

func (in Input) request() crm.Request {
	return crm.Request{
		MemberID:     in.MemberID,
		Description:  in.Description,
		Points:       in.Points,
		ShopCode:     in.ShopCode,
		FreezeToken:  in.FreezeToken,
		MemberType:   in.MemberType,
		ChannelType:  in.ChannelType,
		PointBizType: in.PointBizType,
	}
}

func output(ctx context.Context, token string, res crm.Result) Output {
	return Output{Token: token, Status: res.Status, Code: res.Code, Replayed: res.Replayed, Attempt: attempt(ctx)}
}
