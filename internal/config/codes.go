package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/kylinpoints/kylin-points/crm"
)

// maxCodesFileBytes bounds a codes file: a few lists of short codes.
const maxCodesFileBytes = 1 << 20

// The keys of a codes file (docs/crm.md, Checking your CRM), in the order
// WriteCodesFile writes them.
const (
	codesKeyPointNotEnough  = "pointNotEnough"
	codesKeyFreezeNotFound  = "freezeNotFound"
	codesKeyFreezeNotEnough = "freezeNotEnough"
	codesKeySuccess         = "success"
	codesKeyWithoutSuccess  = "withoutSuccess"
)

var codesKeys = []string{codesKeyPointNotEnough, codesKeyFreezeNotFound, codesKeyFreezeNotEnough, codesKeySuccess, codesKeyWithoutSuccess}

// codes reads KYLIN_CRM_CODES_FILE: nil (the defaults) when unset.
func (b *binder) codes(p *Problems) (*crm.Codes, string) {
	file := b.value(CRMCodesFile)
	if file == "" {
		return nil, ""
	}
	codes, problems := ReadCodesFile(file)
	for _, problem := range problems {
		p.add(CRMCodesFile, "%s", problem)
	}
	return &codes, file
}

// ReadCodesFile reads a codes file, JSON (name ending .json) or TOML
// (.toml): the codes of each crm.Meaning, the success codes and
// withoutSuccess, each key optional, a key left out keeping its value in
// crm.DefaultCodes. It returns every problem at once, one line each naming
// the file: unreadable, an unknown key, a value of the wrong type, an empty
// code, a code listed twice or under two meanings.
func ReadCodesFile(path string) (crm.Codes, []string) {
	fail := func(format string, args ...any) (crm.Codes, []string) {
		return crm.Codes{}, []string{path + ": " + fmt.Sprintf(format, args...)}
	}
	decode, err := codesFormat(path)
	if err != nil {
		return fail("%v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail("cannot read it: %v", errors.Unwrap(err))
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxCodesFileBytes+1))
	switch {
	case err != nil:
		return fail("cannot read it: %v", err)
	case len(raw) > maxCodesFileBytes:
		return fail("is larger than %d bytes", maxCodesFileBytes)
	}
	values, err := decode(raw)
	if err != nil {
		return fail("%s", escapeControl(err.Error()))
	}
	codes, problems := codesFromValues(values)
	for i, problem := range problems {
		problems[i] = path + ": " + problem
	}
	return codes, problems
}

// codesFormat picks the decoder of path by its extension.
func codesFormat(path string) (func([]byte) (map[string]any, error), error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return decodeCodesJSON, nil
	case ".toml":
		return decodeCodesTOML, nil
	}
	return nil, errors.New("a codes file must be named *.json or *.toml, to say its format")
}

func decodeCodesJSON(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var values map[string]any
	if err := dec.Decode(&values); err != nil {
		return nil, fmt.Errorf("is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("has data after its JSON object")
	}
	if values == nil {
		return nil, errors.New("is not a JSON object")
	}
	return values, nil
}

func decodeCodesTOML(raw []byte) (map[string]any, error) {
	var values map[string]any
	if _, err := toml.Decode(string(raw), &values); err != nil {
		return nil, fmt.Errorf("is not TOML: %w", err)
	}
	return values, nil
}

// codesFromValues checks a decoded codes file, key by key, and fills the
// keys it leaves out from the defaults.
func codesFromValues(values map[string]any) (crm.Codes, []string) {
	var problems []string
	var unknown []string
	for k := range values {
		if !slices.Contains(codesKeys, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		problems = append(problems, fmt.Sprintf("unknown key %q (the keys are %s)", escapeControl(k), strings.Join(codesKeys, ", ")))
	}
	codes := crm.DefaultCodes()
	var defaulted []string
	for _, l := range []struct {
		key  string
		into *[]string
	}{
		{codesKeyPointNotEnough, &codes.PointNotEnough},
		{codesKeyFreezeNotFound, &codes.FreezeNotFound},
		{codesKeyFreezeNotEnough, &codes.FreezeNotEnough},
		{codesKeySuccess, &codes.Success},
	} {
		v, ok := values[l.key]
		if !ok {
			defaulted = append(defaulted, l.key)
			continue
		}
		list, problem := stringList(l.key, v)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		*l.into = list
	}
	if v, ok := values[codesKeyWithoutSuccess]; ok {
		s, isString := v.(string)
		if !isString {
			problems = append(problems, fmt.Sprintf("%s must be a string, %q or %q", codesKeyWithoutSuccess, crm.WithoutSuccessApplied, crm.WithoutSuccessReadCode))
		} else {
			codes.WithoutSuccess = crm.WithoutSuccess(s)
		}
	}
	for _, problem := range codes.Problems() {
		if strings.Contains(problem, " is under both ") && len(defaulted) > 0 {
			problem += fmt.Sprintf(" (keys the file leaves out keep their defaults: %s)", strings.Join(defaulted, ", "))
		}
		problems = append(problems, escapeControl(problem))
	}
	return codes, problems
}

// stringList reads a list of codes; a number is refused rather than
// guessed at, since the client compares codes as text.
func stringList(key string, v any) ([]string, string) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Sprintf("%s must be a list of codes, e.g. [\"FREEZE_NOT_FOUND\"]", key)
	}
	list := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Sprintf("%s: item %d is %v, not a string: write codes in quotes, e.g. \"40401\"", key, i+1, item)
		}
		list = append(list, s)
	}
	return list, ""
}

// EncodeCodes renders codes as a codes file of path's format (by its
// extension, as ReadCodesFile reads it), every key written out. comments,
// one line each, head a TOML file; JSON has no comments and leaves them out.
func EncodeCodes(path string, codes crm.Codes, comments []string) ([]byte, error) {
	if _, err := codesFormat(path); err != nil {
		return nil, err
	}
	if problems := codes.Problems(); len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	lists := [][]string{codes.PointNotEnough, codes.FreezeNotFound, codes.FreezeNotEnough, codes.Success}
	ws := codes.WithoutSuccess
	if ws == "" {
		ws = crm.WithoutSuccessApplied
	}
	var b bytes.Buffer
	if strings.EqualFold(filepath.Ext(path), ".json") {
		b.WriteString("{\n")
		for i, l := range lists {
			fmt.Fprintf(&b, "  %q: %s,\n", codesKeys[i], quotedList(l))
		}
		fmt.Fprintf(&b, "  %q: %s\n}\n", codesKeyWithoutSuccess, quoted(string(ws)))
		return b.Bytes(), nil
	}
	for _, c := range comments {
		b.WriteString("# " + strings.ReplaceAll(c, "\n", " ") + "\n")
	}
	for i, l := range lists {
		fmt.Fprintf(&b, "%s = %s\n", codesKeys[i], quotedList(l))
	}
	fmt.Fprintf(&b, "%s = %s\n", codesKeyWithoutSuccess, quoted(string(ws)))
	return b.Bytes(), nil
}

// WriteCodesFile writes codes to path (EncodeCodes), replacing it whole:
// a reader sees the old file or the new one, never a part.
func WriteCodesFile(path string, codes crm.Codes, comments []string) error {
	data, err := EncodeCodes(path, codes, comments)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// quoted is s as a JSON string, which is also a TOML basic string.
func quoted(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSpace(b.String())
}

func quotedList(l []string) string {
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = quoted(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
