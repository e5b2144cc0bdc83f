package sandbox

import (
	"context"

	"github.com/kylinpoints/kylin-points/crm"
)

// DemoMember is a member SeedDemo creates, of crm.DefaultMemberType.
type DemoMember struct {
	MemberID string
	Points   float64
}

// DemoMembers are the members SeedDemo creates.
var DemoMembers = []DemoMember{
	{"demo-member-1", 1000},
	{"demo-member-2", 1000},
	{"demo-member-3", 1000},
	{"demo-member-poor", 1},
}

// SeedDemo creates the demo members that do not exist yet. A member that
// exists is left alone, so calling it on every start never tops anyone up.
func (s *Server) SeedDemo(ctx context.Context) error {
	for _, m := range DemoMembers {
		if _, err := s.grant(ctx, m.MemberID, crm.DefaultMemberType, m.Points, true); err != nil {
			return err
		}
	}
	return nil
}
