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
	FreezeName  = "Freeze"
	ReleaseName = "Release"
	ConsumeName = "Consume"
)

// CodeFreezeNotFound is the CRM's answer to a release or consume of a freeze
// it never applied.
const CodeFreezeNotFound = "FREEZE_NOT_FOUND"

// Activities holds what the activities depend on. Register a pointer to it
// with a worker; its exported methods are the activities.
type Activities struct {
	CRM CRM
}

// Freeze moves in.Points of the member from available to frozen, under in.Token.
func (a *Activities) Freeze(ctx context.Context, in Input) (Output, error) {
	res, err := a.CRM.Freeze(ctx, in.Token, in.request())
	if err != nil {
		return Output{}, toTemporal(err)
	}
	return output(in.Token, res), nil
}

// Release gives the points of the freeze in.FreezeToken back to the member.
// A freeze the CRM never applied is "nothing to release", not an error, so
// that compensation is safe when the freeze's outcome is unknown.
func (a *Activities) Release(ctx context.Context, in Input) (Output, error) {
	res, err := a.CRM.Release(ctx, in.Token, in.request())
	if ce, ok := errors.AsType[*crm.Error](err); ok && ce.Class == crm.ClassRejected && ce.Code == CodeFreezeNotFound {
		return Output{Token: in.Token, Status: ce.Status, Code: ce.Code, NothingToRelease: true}, nil
	}
	if err != nil {
		return Output{}, toTemporal(err)
	}
	return output(in.Token, res), nil
}

// Consume deducts the points of the freeze in.FreezeToken for good.
func (a *Activities) Consume(ctx context.Context, in Input) (Output, error) {
	res, err := a.CRM.Consume(ctx, in.Token, in.request())
	if err != nil {
		return Output{}, toTemporal(err)
	}
	return output(in.Token, res), nil
}

func (in Input) request() crm.Request {
	return crm.Request{
		MemberID:    in.MemberID,
		Description: in.Description,
		Points:      in.Points,
		ShopCode:    in.ShopCode,
		FreezeToken: in.FreezeToken,
	}
}

func output(token string, res crm.Result) Output {
	return Output{Token: token, Status: res.Status, Code: res.Code, Replayed: res.Replayed}
}
