// Package activities holds the Temporal activities that freeze, release and
// consume a member's points in the Kylin CRM. They are thin: input → one CRM
// call → output, or a Temporal error whose kind tells the workflow's retry
// policy what to do (DESIGN.md, error classes).
package activities

import (
	"context"
	"errors"

	"github.com/kylinpoints/kylin-points/crm"
)

// CRM is the part of the CRM client the activities use. *crm.Client fits it;
// tests pass a fake.
type CRM interface {
	Freeze(ctx context.Context, token string, req crm.Request) (crm.Result, error)
	Release(ctx context.Context, token string, req crm.Request) (crm.Result, error)
	Consume(ctx context.Context, token string, req crm.Request) (crm.Result, error)
}

// Names under which the activities are registered (the method names).
const (
	FreezeName     = "Freeze"
	ReleaseName    = "Release"
	ConsumeName    = "Consume"
	BodyFieldsName = "BodyFields"
)

// CodeFreezeNotFound is the CRM's answer to a release or consume of a freeze
// it never applied.
const CodeFreezeNotFound = "FREEZE_NOT_FOUND"

// CodeFreezeNotEnough is the CRM's answer to a release or consume of more
// points than the freeze still holds: it was settled, at least in part, by
// another step.
const CodeFreezeNotEnough = "FREEZE_NOT_ENOUGH"

// Activities holds what the activities depend on. Register a pointer to it
// with a worker; its exported methods are the activities.
type Activities struct {
	CRM CRM
	// Defaults are the worker's body fields (KYLIN_CRM_MEMBER_TYPE, ...);
	// empty ones are the CRM client's defaults.
	Defaults BodyFields
}

// BodyFields returns the worker's body fields, for a workflow to fix them in
// its input once, before its first CRM call (a local activity: its answer is
// recorded in the history, so a worker configured otherwise later cannot
// change the body of a token already sent).
func (a *Activities) BodyFields(context.Context) (BodyFields, error) {
	return BodyFields{
		MemberType:   or(a.Defaults.MemberType, crm.DefaultMemberType),
		ChannelType:  or(a.Defaults.ChannelType, crm.DefaultChannelType),
		PointBizType: or(a.Defaults.PointBizType, crm.DefaultPointBizType),
	}, nil
}

// Freeze moves in.Points of the member from available to frozen, under in.Token.
func (a *Activities) Freeze(ctx context.Context, in Input) (Output, error) {
	res, err := a.CRM.Freeze(ctx, in.Token, in.request())
	if err != nil {
		return Output{}, toTemporal(ctx, crm.OpFreeze, in, err)
	}
	return output(ctx, in.Token, res), nil
}

// Release gives the points of the freeze in.FreezeToken back to the member.
// A freeze the CRM never applied is "nothing to release", not an error, so
// that compensation is safe when the freeze's outcome is unknown.
func (a *Activities) Release(ctx context.Context, in Input) (Output, error) {
	res, err := a.CRM.Release(ctx, in.Token, in.request())
	if ce, ok := errors.AsType[*crm.Error](err); ok && ce.Class == crm.ClassRejected && ce.Code == CodeFreezeNotFound &&
		(RejectionDetails{Status: ce.Status}).Business() {
		return Output{Token: in.Token, Status: ce.Status, Code: ce.Code, Attempt: attempt(ctx), NothingToRelease: true}, nil
	}
	if err != nil {
		return Output{}, toTemporal(ctx, crm.OpRelease, in, err)
	}
	return output(ctx, in.Token, res), nil
}

// Consume deducts the points of the freeze in.FreezeToken for good.
func (a *Activities) Consume(ctx context.Context, in Input) (Output, error) {
	res, err := a.CRM.Consume(ctx, in.Token, in.request())
	if err != nil {
		return Output{}, toTemporal(ctx, crm.OpConsume, in, err)
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

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
