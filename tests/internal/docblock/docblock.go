// Package docblock reads the code blocks of the documentation that tests
// run or compare: a block is the fenced code between <!-- name:start -->
// and <!-- name:end --> in a page, so that the page says what a test runs.
package docblock

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Block returns the text of the fenced code block named name in page (a
// path relative to the module root root), without its fences.
func Block(root, page, name string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		return "", err
	}
	text := string(raw)
	start, end := "<!-- "+name+":start -->", "<!-- "+name+":end -->"
	i, j := strings.Index(text, start), strings.Index(text, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("%s has no block %s", page, name)
	}
	block := text[i+len(start) : j]
	f := strings.Index(block, "\n```")
	if f < 0 {
		return "", fmt.Errorf("block %s of %s has no fenced code", name, page)
	}
	block = block[f+4:]
	block = block[strings.Index(block, "\n")+1 : strings.LastIndex(block, "```")]
	return block, nil
}

// Words splits a script of simple commands into their words: one
// command a line (a backslash at the end continues it), words separated by
// blanks, '…' and "…" quoting (\" and \\ inside double quotes), and a #
// starting a word begins a comment. Nothing is expanded.
func Words(script string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var word strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	rs := []rune(script)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			endWord()
			i++
		case c == '\n':
			endCmd()
		case c == ' ' || c == '\t':
			endWord()
		case c == '#' && !inWord:
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			endCmd()
		case c == '\'':
			inWord = true
			k := strings.IndexRune(string(rs[i+1:]), '\'')
			if k < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", string(rs[i:]))
			}
			quoted := []rune(string(rs[i+1:])[:k])
			word.WriteString(string(quoted))
			i += len(quoted) + 1
		case c == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(rs) {
					return nil, fmt.Errorf("unclosed \" in script")
				}
				if rs[i] == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\') {
					i++
				} else if rs[i] == '"' {
					break
				}
				word.WriteRune(rs[i])
			}
		default:
			inWord = true
			word.WriteRune(c)
		}
	}
	endCmd()
	return cmds, nil
}
