package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// fuzzNow is the fixed clock of the fuzz servers and their signatures.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// serveSigned sends one signed POST straight into the handler.
func serveSigned(s *Server, path, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.URL.Path = path
	signRequest(req, testService, testSecret, fuzzNow)
	if token != "" {
		req.Header.Set(crm.HeaderBusinessToken, token)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func fuzzBody(member string, points float64, freezeToken string) []byte {
	b, err := json.Marshal(validBody(member, points, freezeToken))
	if err != nil {
		panic(err)
	}
	return b
}

// fuzzTables are the ledger tables a fuzz input starts from.
var fuzzTables = []string{"members", "tokens", "entries", "freezes"}

// newFuzzServer holds members m1 and m2 with 100 points each, 50 of m1's in
// freeze tok-seed, and a copy of that ledger to restore before each input.
func newFuzzServer(f *testing.F) *Server {
	s, err := New(Config{
		Callers: map[string]Caller{testService: {Secret: testSecret}},
		Now:     func() time.Time { return fuzzNow },
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	for _, m := range []string{"m1", "m2"} {
		if _, err := s.Grant(f.Context(), m, "", 100); err != nil {
			f.Fatal(err)
		}
	}
	if rec := serveSigned(s, crm.DefaultFreezePath, "tok-seed", fuzzBody("m1", 50, "")); rec.Code != http.StatusOK {
		f.Fatalf("seed freeze: %d %s", rec.Code, rec.Body)
	}
	for _, table := range fuzzTables {
		if _, err := s.db.ExecContext(f.Context(), "CREATE TEMP TABLE start_"+table+" AS SELECT * FROM "+table); err != nil {
			f.Fatal(err)
		}
	}
	return s
}

// restoreLedger puts the fuzz server's ledger back to its start.
func restoreLedger(t *testing.T, s *Server) {
	var b strings.Builder
	for _, table := range fuzzTables {
		fmt.Fprintf(&b, "DELETE FROM %[1]s; INSERT INTO %[1]s SELECT * FROM start_%[1]s;\n", table)
	}
	if _, err := s.db.ExecContext(t.Context(), b.String()); err != nil {
		t.Fatal(err)
	}
}

// FuzzHandler feeds arbitrary bodies, tokens and paths, signed, to a
// sandbox holding a member with a freeze (the same start for every input): no panic, no 5xx (no faults are
// set), a repeat gets the same answer, and the ledger stays consistent.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), "", "tok-a", fuzzBody("m1", 10, ""))
	f.Add(uint8(0), "", "tok-seed", fuzzBody("m1", 50, ""))
	f.Add(uint8(0), "", "tok-seed", fuzzBody("m1", 51, ""))
	f.Add(uint8(0), "", "tok-b", fuzzBody("m1", 1000, ""))
	f.Add(uint8(1), "", "tok-c", fuzzBody("m1", 20, "tok-seed"))
	f.Add(uint8(1), "", "tok-seed", fuzzBody("m1", 20, "tok-seed"))
	f.Add(uint8(2), "", "tok-d", fuzzBody("m1", 50, "tok-seed"))
	f.Add(uint8(2), "", "tok-e", fuzzBody("m1", 50.01, "tok-seed"))
	f.Add(uint8(2), "", "tok-f", fuzzBody("m2", 1, "tok-seed"))
	f.Add(uint8(3), "", "", []byte(`{"memberId":"m1","memberType":"aupres"}`))
	f.Add(uint8(0), "", "tok g", []byte(`[1,2,3]`))
	f.Add(uint8(0), "", "tok-h", []byte(`{"memberId":"m1","point":"5"}`))
	f.Add(uint8(1), "", "tok-i", []byte(`{"point":1e309}`))
	f.Add(uint8(4), "/openapi/v2/member/other", "tok-j", []byte(`{}`))
	f.Add(uint8(4), "/sandbox/members", "", []byte(`{"memberId":"m3","points":5}`))
	f.Add(uint8(4), "/sandbox/../openapi//v2", "tok-k", []byte{0xff, 0xfe})

	// One server per fuzz process, put back to the same start for every input.
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, sel uint8, path, token string, body []byte) {
		restoreLedger(t, s)
		switch sel % 5 {
		case 0:
			path = crm.DefaultFreezePath
		case 1:
			path = crm.DefaultReleasePath
		case 2:
			path = crm.DefaultConsumePath
		case 3:
			path = DefaultBalancePath
		}
		first := serveSigned(s, path, token, body)
		again := serveSigned(s, path, token, body)
		if first.Code >= 500 || again.Code >= 500 {
			t.Fatalf("%s: %d then %d without a fault: %s", path, first.Code, again.Code, again.Body)
		}
		// Signed endpoints answer a repeat alike; an admin grant may not.
		signed := path == crm.DefaultFreezePath || path == crm.DefaultReleasePath || path == crm.DefaultConsumePath || path == DefaultBalancePath
		if signed && again.Code != first.Code {
			t.Fatalf("%s: repeat answered %d, first %d (%s)", path, again.Code, first.Code, first.Body)
		}
		if signed && path != DefaultBalancePath && first.Code == http.StatusOK {
			if again.Header().Get(crm.HeaderReplayed) != "true" || !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
				t.Fatalf("%s: repeat is not the stored answer: %s vs %s", path, again.Body, first.Body)
			}
			var env struct {
				Success *bool  `json:"success"`
				Code    string `json:"code"`
			}
			if err := json.Unmarshal(first.Body.Bytes(), &env); err != nil || env.Success == nil || env.Code == "" {
				t.Fatalf("%s: 200 without an envelope: %s", path, first.Body)
			}
		}
		if err := s.CheckInvariants(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
