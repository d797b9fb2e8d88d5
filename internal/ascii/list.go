package ascii

// Optional white space and comma-separated lists (RFC 9110 sections 5.6.1
// and 5.6.3), as header fields such as Connection, Transfer-Encoding and
// Trailer carry them.

// TrimOWS returns s without the optional white space (spaces and
// horizontal tabs) at either end. The result is a subslice of s.
func TrimOWS[T string | []byte](s T) T {
	start, end := OWSBounds(s)
	return s[start:end]
}

// OWSBounds returns where s starts and ends once its optional white space
// is trimmed: TrimOWS(s) is s[start:end]. It is for callers that need the
// offsets, to cut the same span out of another view of the bytes.
func OWSBounds[T string | []byte](s T) (start, end int) {
	start, end = 0, len(s)
	for start < end && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	return start, end
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
