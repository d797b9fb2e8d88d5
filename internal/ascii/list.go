package ascii

// Optional white space and comma-separated lists (RFC 9110 sections 5.6.1
// and 5.6.3), as header fields such as Connection, Transfer-Encoding and
// Trailer carry them.

// TrimOWS returns s without the optional white space (spaces and
// horizontal tabs) at either end. The result is a subslice of s.
func TrimOWS[T string | []byte](s T) T { return trimRightOWS(trimLeftOWS(s)) }

// OWSBounds returns where s starts and ends once its optional white space
// is trimmed: TrimOWS(s) is s[start:end]. It is for callers that need the
// offsets, to cut the same span out of another view of the bytes.
func OWSBounds[T string | []byte](s T) (start, end int) {
	left := trimLeftOWS(s)
	start = len(s) - len(left)
	return start, start + len(trimRightOWS(left))
}

func trimLeftOWS[T string | []byte](s T) T {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func trimRightOWS[T string | []byte](s T) T {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// CutElement splits a comma-separated list at its first comma: elem is
// the first element with its optional white space trimmed, rest what
// follows the comma, and more reports whether there was a comma (when it
// is false, elem is the last element and rest is empty). An empty list
// gives one empty element; "a,,b" gives "a", "" and "b": callers decide
// whether an empty element is ignored (RFC 9110 5.6.1) or refused.
func CutElement[T string | []byte](list T) (elem, rest T, more bool) {
	for i := 0; i < len(list); i++ {
		if list[i] == ',' {
			return TrimOWS(list[:i]), list[i+1:], true
		}
	}
	return TrimOWS(list), list[len(list):], false
}

// ListHas reports whether the comma-separated list contains token,
// compared under ASCII case folding with each element's white space
// trimmed: ListHas("keep-alive, Upgrade", "upgrade") is true.
func ListHas[T string | []byte](list T, token string) bool {
	for {
		elem, rest, more := CutElement(list)
		if EqualFold(elem, token) {
			return true
		}
		if !more {
			return false
		}
		list = rest
	}
}
