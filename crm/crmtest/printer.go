// Package crmtest holds a stand-in for the Kylin CRM, for the tests and
// examples of workflows that call the freeze, release and consume steps
// through the real activities (activities.Activities{CRM: &crmtest.Printer{…}}).
package crmtest

import (
	"context"
	"fmt"
	"io"

	"github.com/kylinpoints/kylin-points/crm"
)

// Printer answers like a CRM that applies every call, and writes one line
// per call to W: the operation, the points, the member or the freeze, and
// the first 8 characters of each token. It keeps no ledger: a repeated
// token is applied again, so it shows calls, not exactly-once.
type Printer struct {
	W io.Writer
	// Prefix starts every line, e.g. an indentation.
	Prefix string
	// Refuse, when set, is asked about every freeze: a non-nil *crm.Error
	// (e.g. Class crm.ClassRejected, Code POINT_NOT_ENOUGH) is the CRM's
	// answer instead of applying it.
	Refuse func(req crm.Request) *crm.Error
}

// Freeze prints the freeze and applies it, unless Refuse refuses it.
func (p *Printer) Freeze(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	p.printf("freeze  %s points of %s, token %s…", crm.FormatPoints(req.Points), req.MemberID, short(token))
	if p.Refuse != nil {
		if err := p.Refuse(req); err != nil {
			return crm.Result{}, err
		}
	}
	return crm.Result{Status: 200}, nil
}

// Consume prints the consume and applies it.
func (p *Printer) Consume(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	p.printf("consume %s points of freeze %s…, token %s…", crm.FormatPoints(req.Points), short(req.FreezeToken), short(token))
	return crm.Result{Status: 200}, nil
}

// Release prints the release and applies it.
func (p *Printer) Release(_ context.Context, token string, req crm.Request) (crm.Result, error) {
	p.printf("release %s points of freeze %s…, token %s…", crm.FormatPoints(req.Points), short(req.FreezeToken), short(token))
	return crm.Result{Status: 200}, nil
}

func (p *Printer) printf(format string, args ...any) {
	fmt.Fprintf(p.W, p.Prefix+"CRM "+format+"\n", args...)
}

// short is the first 8 characters of a token: enough to tell them apart.
func short(token string) string {
	if len(token) > 8 {
		return token[:8]
	}
	return token
}
