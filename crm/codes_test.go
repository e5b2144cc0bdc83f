package crm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// An answer without a `success` field is applied under the default mapping
// (what kylin-points always assumed), and read by its code when the mapping
// says so: a success code is applied, a code with a meaning is that business
// refusal, anything else — another code, none, an empty 200 — is an unknown
// outcome, retried under the same token, never a success. A 204 stays
// success (the W9 page's "frozen"), and an answer with `success` is read by
// it whatever the mapping.
func TestAnswerWithoutSuccessField(t *testing.T) {
	t.Parallel()
	readCode := DefaultCodes()
	readCode.WithoutSuccess = WithoutSuccessReadCode
	readCode.Success = []string{"OK", "0"}
	readCode.FreezeNotFound = []string{"E404"}
	tests := []struct {
		name   string
		codes  *Codes
		status int
		body   string
		class  Class // "" is applied
		noSucc bool  // the cause is ErrNoSuccessField
	}{
		{"default: no success field is applied", nil, 200, `{"code":"E404"}`, "", false},
		{"default: empty 200 is applied", nil, 200, ``, "", false},
		{"applied mode: same", &Codes{WithoutSuccess: WithoutSuccessApplied}, 200, `{"code":"ANY"}`, "", false},
		{"read code: a success code is applied", &readCode, 200, `{"code":"OK","data":{}}`, "", false},
		{"read code: a numeric success code is applied", &readCode, 201, `{"code":0}`, "", false},
		{"read code: a meaning's code is a business refusal", &readCode, 200, `{"code":"E404","message":"no freeze"}`, ClassRejected, false},
		{"read code: an unknown code is unknown", &readCode, 200, `{"code":"FREEZE_NOT_FOUND"}`, ClassTransient, true},
		{"read code: no code is unknown", &readCode, 200, `{"message":"done"}`, ClassTransient, true},
		{"read code: an empty 200 is unknown", &readCode, 200, ``, ClassTransient, true},
		{"read code: a 204 is applied", &readCode, 204, ``, "", false},
		{"read code: success true wins over the code", &readCode, 200, `{"success":true,"code":"E404"}`, "", false},
		{"read code: success false is a refusal whatever the code", &readCode, 200, `{"success":false,"code":"OK"}`, ClassRejected, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := testClient(srv)
			c.Codes = tc.codes
			res, err := c.Release(context.Background(), testToken, Request{MemberID: "m", Description: "d", Points: 1, FreezeToken: testToken})
			if tc.class == "" {
				require.NoError(t, err)
				require.Equal(t, tc.status, res.Status)
				return
			}
			var ce *Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.class, ce.Class, err.Error())
			require.Equal(t, tc.noSucc, errors.Is(err, ErrNoSuccessField), err.Error())
		})
	}
}

func TestCodesProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		codes Codes
		want  []string
	}{
		{"defaults", DefaultCodes(), nil},
		{"zero value", Codes{}, nil},
		{"empty code", Codes{FreezeNotFound: []string{"A", " "}}, []string{"freezeNotFound: a code is empty"}},
		{"code with spaces around", Codes{Success: []string{" OK"}}, []string{`success: code " OK" can never match`}},
		{"code with a newline", Codes{PointNotEnough: []string{"A\nB"}}, []string{`pointNotEnough: code "A\nB" can never match`}},
		{"code too long", Codes{FreezeNotEnough: []string{strings.Repeat("X", MaxCodeChars+1)}}, []string{"freezeNotEnough: code \"XXXX"}},
		{"listed twice", Codes{FreezeNotFound: []string{"A", "A"}}, []string{`freezeNotFound: code "A" is listed twice`}},
		{"two meanings", Codes{FreezeNotFound: []string{"A"}, FreezeNotEnough: []string{"A"}},
			[]string{`code "A" is under both freezeNotFound and freezeNotEnough: a code has one meaning`}},
		{"a success code with a meaning", Codes{PointNotEnough: []string{"0"}, Success: []string{"0"}},
			[]string{`code "0" is under both pointNotEnough and success`}},
		{"bad withoutSuccess", Codes{WithoutSuccess: "maybe"}, []string{`withoutSuccess: "maybe" is not "applied" or "code"`}},
		{"every problem, one line each", Codes{FreezeNotFound: []string{"", "B", "B"}, FreezeNotEnough: []string{"B"}, WithoutSuccess: "yes"},
			[]string{"freezeNotFound: a code is empty", `freezeNotFound: code "B" is listed twice`, `code "B" is under both`, `withoutSuccess: "yes"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.codes.Problems()
			require.Len(t, got, len(tc.want), "%q", got)
			for i, w := range tc.want {
				require.Contains(t, got[i], w)
				require.NotContains(t, got[i], "\n")
			}
		})
	}
}

func TestCodesString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "pointNotEnough=[POINT_NOT_ENOUGH] freezeNotFound=[FREEZE_NOT_FOUND] freezeNotEnough=[FREEZE_NOT_ENOUGH] "+
		"success=[SUCCESS] withoutSuccess=applied", DefaultCodes().String())
	require.Equal(t, "pointNotEnough=[] freezeNotFound=[A,B] freezeNotEnough=[] success=[] withoutSuccess=code",
		Codes{FreezeNotFound: []string{"A", "B"}, WithoutSuccess: WithoutSuccessReadCode}.String())
}

// Query signs a read-only request without a business token.
func TestQuerySignsWithoutToken(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = io.WriteString(w, `{"success":true,"code":"SUCCESS","data":{"available":5}}`)
	}))
	defer srv.Close()
	res, err := testClient(srv).Query(context.Background(), "/openapi/v2/member/freezePoint", map[string]string{"memberId": "m"})
	require.NoError(t, err)
	require.JSONEq(t, `{"available":5}`, string(res.Data))
	require.Empty(t, got.Get(HeaderBusinessToken))
	require.Equal(t, "B0D40DE7EDBB6F873A804B802AB1EC70", got.Get(HeaderCallerSign), "the signing test vector")

	_, err = testClient(srv).Query(context.Background(), "/short", nil)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, ClassInvalid, ce.Class)
}
