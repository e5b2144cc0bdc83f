package config

import (
	"strconv"
	"strings"

	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/internal/secretfile"
)

// Search is how the workflows fill their search attributes, and how the
// starter writes the member it filters on.
type Search struct {
	// Enabled says the workflows upsert the search attributes (worker only).
	Enabled bool
	// Create says whether the worker creates the attributes its namespace
	// lacks (worker only).
	Create search.Creation
	// MemberMode is search.MemberHashed, search.MemberRaw or search.MemberNone.
	MemberMode string
	// MemberKey is the hash key of search.MemberHashed; never printed.
	MemberKey []byte `json:"-"`
}

// MemberValue is the Member search attribute of memberID under these settings.
func (s Search) MemberValue(memberID string) string {
	return search.MemberValue(s.MemberMode, s.MemberKey, memberID)
}

// ShownMember is the Member search attribute a run of memberID shows under
// these settings (search.ShownMember).
func (s Search) ShownMember(memberID string) string {
	return search.ShownMember(s.MemberMode, s.MemberKey, memberID)
}

// String names the settings, never the key.
func (s Search) String() string {
	return sprintf("Search{Enabled:%t Create:%s Member:%s}", s.Enabled, s.Create, s.MemberMode)
}

// search reads the search settings; withEnabled reads KYLIN_SEARCH_ATTRIBUTES
// (the worker's) too.
func (b *binder) search(p *Problems, withEnabled bool) Search {
	var s Search
	if withEnabled {
		v := b.value(SearchAttributes)
		on, err := strconv.ParseBool(v)
		if err != nil {
			p.add(SearchAttributes, "%q must be true or false", v)
		}
		s.Enabled = on
		s.Create = creation(p, b.value(CreateSearchAttributes))
	}
	if file := b.value(MemberHashKeyFile); file != "" {
		key, err := secretfile.Read(file)
		key = strings.TrimSpace(key)
		switch {
		case err != nil:
			p.add(MemberHashKeyFile, "%v", err)
		case len(key) < 16:
			p.add(MemberHashKeyFile, "%q must hold a key of at least 16 characters", file)
		default:
			s.MemberKey = []byte(key)
		}
	}
	s.MemberMode = b.value(MemberSearch)
	switch s.MemberMode {
	case "":
		s.MemberMode = search.MemberNone
		if s.MemberKey != nil {
			s.MemberMode = search.MemberHashed
		}
	case search.MemberHashed:
		if s.MemberKey == nil && b.value(MemberHashKeyFile) == "" {
			p.add(MemberSearch, "%s needs %s", search.MemberHashed, MemberHashKeyFile.Name())
		}
	case search.MemberRaw, search.MemberNone:
	default:
		p.add(MemberSearch, "%q is not hash, raw or none", s.MemberMode)
	}
	return s
}

// creation reads KYLIN_CREATE_SEARCH_ATTRIBUTES: auto, or a boolean.
func creation(p *Problems, v string) search.Creation {
	if v == "" || strings.EqualFold(v, "auto") {
		return search.CreateOnLocalDevServer
	}
	on, err := strconv.ParseBool(v)
	switch {
	case err != nil:
		p.add(CreateSearchAttributes, "%q must be auto, true or false", v)
		return search.CreateOnLocalDevServer
	case on:
		return search.CreateAlways
	}
	return search.CreateNever
}
