package router

import (
	"strconv"
	"strings"
)

// tokKind is what one piece of a parsed pattern matches.
type tokKind uint8

const (
	tokStatic   tokKind = iota // text matched byte for byte
	tokParam                   // {name}: one non-empty segment
	tokWildcard                // {name...}: the rest of the path
)

// token is one piece of a parsed pattern. A pattern alternates static text
// (always ending in '/' before a parameter) with parameters, and ends with
// static text, a parameter or a wildcard.
type token struct {
	kind tokKind
	text string // the static text, or the parameter's name
}

// parsePattern splits pattern into tokens. On a malformed pattern it returns
// a reason, for the panic message.
func parsePattern(pattern string) (toks []token, reason string) {
	if pattern == "" || pattern[0] != '/' {
		return nil, "must start with '/'"
	}
	seen := map[string]bool{}
	start := 0 // start of the pending static text
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '}':
			return nil, "'}' without '{'"
		case c <= ' ' || c == 0x7f:
			return nil, "space or control character at byte " + strconv.Itoa(i)
		case c >= 0x80:
			return nil, "non-ASCII byte at byte " + strconv.Itoa(i) + " (write it percent-encoded, as clients send it)"
		case c == '?' || c == '#':
			return nil, "'" + string(c) + "' cannot appear in a path"
		case c != '{':
			i++
			continue
		}
		// A parameter: it must fill a whole segment.
		if pattern[i-1] != '/' {
			return nil, "parameter must start a segment (\"/{name}\")"
		}
		end := strings.IndexByte(pattern[i:], '}')
		if end < 0 {
			return nil, "'{' without '}'"
		}
		end += i
		name := pattern[i+1 : end]
		kind := tokParam
		if n, ok := strings.CutSuffix(name, "..."); ok {
			name, kind = n, tokWildcard
		}
		if !isIdent(name) {
			return nil, "parameter name " + strconv.Quote(name) + " is not a Go identifier"
		}
		if seen[name] {
			return nil, "parameter name " + strconv.Quote(name) + " used twice"
		}
		seen[name] = true
		next := end + 1
		if kind == tokWildcard && next != len(pattern) {
			return nil, "wildcard {" + name + "...} must be the last segment"
		}
		if next < len(pattern) && pattern[next] != '/' {
			return nil, "parameter must end its segment (\"{name}/\")"
		}
		toks = append(toks, token{tokStatic, pattern[start:i]}, token{kind, name})
		start, i = next, next
	}
	if start < len(pattern) {
		toks = append(toks, token{tokStatic, pattern[start:]})
	}
	return toks, ""
}

// paramNames returns the names of the parameters and wildcard in toks, in
// order. The slice is shared by every Params the route fills.
func paramNames(toks []token) []string {
	var names []string
	for _, t := range toks {
		if t.kind != tokStatic {
			names = append(names, t.text)
		}
	}
	return names
}

// isIdent reports whether s is a Go identifier in ASCII.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}
