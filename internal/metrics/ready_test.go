package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

type fakeHealth struct{ err error }

func (f fakeHealth) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, f.err
}

func TestTemporalReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		polling bool
		health  error
		wantErr string
	}{
		{"polling and connected", true, nil, ""},
		{"not started", false, nil, "worker is not polling"},
		{"server unreachable", true, errors.New("connection refused"), "temporal health check: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := TemporalReady(fakeHealth{tt.health}, func() bool { return tt.polling })(context.Background())
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
		})
	}
}
