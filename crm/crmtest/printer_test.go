package crmtest

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestPrinter(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	refusal := &crm.Error{Class: crm.ClassRejected, Op: crm.OpFreeze, Status: 200, Code: "POINT_NOT_ENOUGH"}
	p := &Printer{W: &out, Prefix: "> ", Refuse: func(req crm.Request) *crm.Error {
		if req.Points > 10 {
			return refusal
		}
		return nil
	}}
	ctx := context.Background()
	res, err := p.Freeze(ctx, "0123456789abcdef", crm.Request{MemberID: "m-1", Points: 2.5})
	require.NoError(t, err)
	require.Equal(t, 200, res.Status)
	_, err = p.Freeze(ctx, "fedcba9876543210", crm.Request{MemberID: "m-1", Points: 11})
	require.Same(t, refusal, err)
	_, err = p.Consume(ctx, "c0ffee0011223344", crm.Request{Points: 2, FreezeToken: "0123456789abcdef"})
	require.NoError(t, err)
	_, err = p.Release(ctx, "short", crm.Request{Points: 0.5, FreezeToken: "0123456789abcdef"})
	require.NoError(t, err)
	require.Equal(t, "> CRM freeze  2.5 points of m-1, token 01234567…\n"+
		"> CRM freeze  11 points of m-1, token fedcba98…\n"+
		"> CRM consume 2 points of freeze 01234567…, token c0ffee00…\n"+
		"> CRM release 0.5 points of freeze 01234567…, token short…\n", out.String())
}
