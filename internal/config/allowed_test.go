package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/activities"
)

func TestAllowedBodyValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want activities.AllowedBody
	}{
		{"default: the configured values only", minimal(), nil,
			activities.AllowedBody{MemberTypes: []string{"aupres"}, ChannelTypes: []string{"WECHAT"}, PointBizTypes: []string{"POINT"}}},
		{"default follows the configured member and channel types",
			with(minimal(), "KYLIN_CRM_MEMBER_TYPE", "GMYB", "KYLIN_CRM_CHANNEL_TYPE", "POS"), nil,
			activities.AllowedBody{MemberTypes: []string{"GMYB"}, ChannelTypes: []string{"POS"}, PointBizTypes: []string{"POINT"}}},
		{"lists from the environment, trimmed, repeats once",
			with(minimal(), "KYLIN_CRM_ALLOWED_MEMBER_TYPES", " aupres , GMYB,aupres", "KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES", "POINT,BONUS"), nil,
			activities.AllowedBody{MemberTypes: []string{"aupres", "GMYB"}, ChannelTypes: []string{"WECHAT"}, PointBizTypes: []string{"POINT", "BONUS"}}},
		{"a flag wins over its variable",
			with(minimal(), "KYLIN_CRM_ALLOWED_CHANNEL_TYPES", "WECHAT,POS"), []string{"--crm-allowed-channel-types", "WECHAT,APP"},
			activities.AllowedBody{MemberTypes: []string{"aupres"}, ChannelTypes: []string{"WECHAT", "APP"}, PointBizTypes: []string{"POINT"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tc.args, mapEnv(tc.env))
			require.NoError(t, err)
			require.Equal(t, tc.want, cfg.Allowed)
			require.Equal(t, tc.want, cfg.AllowedBody())
		})
	}
}

func TestAllowedBodyValuesBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"an empty entry", with(minimal(), "KYLIN_CRM_ALLOWED_MEMBER_TYPES", "aupres,,GMYB"), nil,
			`KYLIN_CRM_ALLOWED_MEMBER_TYPES (--crm-allowed-member-types) "aupres,,GMYB": has an empty entry (a comma too many?)`},
		{"a control character", minimal(), []string{"--crm-allowed-channel-types", "WECHAT,P\x1bOS"},
			`KYLIN_CRM_ALLOWED_CHANNEL_TYPES (--crm-allowed-channel-types) "WECHAT,P\x1bOS": has an entry with control characters`},
		{"an overlong entry", with(minimal(), "KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES", "POINT,"+strings.Repeat("B", 129)), nil,
			`KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES (--crm-allowed-point-biz-types) "POINT,` + strings.Repeat("B", 129) + `": has an entry longer than 128 characters`},
		{"without the configured member type", with(minimal(), "KYLIN_CRM_ALLOWED_MEMBER_TYPES", "GMYB"), nil,
			`KYLIN_CRM_ALLOWED_MEMBER_TYPES (--crm-allowed-member-types) "GMYB" must include "aupres", which KYLIN_CRM_MEMBER_TYPE (--crm-member-type) sends when a request names none`},
		{"without the configured channel type", with(minimal(), "KYLIN_CRM_CHANNEL_TYPE", "POS"), []string{"--crm-allowed-channel-types", "WECHAT"},
			`KYLIN_CRM_ALLOWED_CHANNEL_TYPES (--crm-allowed-channel-types) "WECHAT" must include "POS", which KYLIN_CRM_CHANNEL_TYPE (--crm-channel-type) sends when a request names none`},
		{"without POINT", with(minimal(), "KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES", "BONUS"), nil,
			`KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES (--crm-allowed-point-biz-types) "BONUS" must include "POINT", which the CRM client's default sends when a request names none`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tc.args, mapEnv(tc.env))
			var p Problems
			require.ErrorAs(t, err, &p)
			require.Equal(t, Problems{tc.want}, p, "one line, naming the variable and its flag")
		})
	}
}
