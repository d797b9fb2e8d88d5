package parse

// Error is a request the parser refuses. Status is the HTTP status code to
// answer with; the connection must be closed after that answer, because
// where the request ends is no longer known.
type Error struct {
	Status int    // 400, 413, 414, 431, 501 or 505
	Reason string // short, for logs and the response body
}

// Error returns "parse: " followed by the reason.
func (e *Error) Error() string { return "parse: " + e.Reason }

// The errors Parse and ChunkedDecoder return. Compare with errors.Is.
var (
	ErrBadRequest       = &Error{400, "malformed request"} // generic syntax error
	ErrBadRequestLine   = &Error{400, "malformed request line"}
	ErrBadMethod        = &Error{400, "invalid method"}
	ErrBadTarget        = &Error{400, "invalid request target"}
	ErrBadVersion       = &Error{400, "malformed HTTP version"}
	ErrBadHeader        = &Error{400, "malformed header field"}
	ErrObsFold          = &Error{400, "obsolete line folding"}
	ErrSpaceBeforeColon = &Error{400, "whitespace between header name and colon"}
	ErrBareLF           = &Error{400, "line not terminated by CRLF"}
	ErrMissingHost      = &Error{400, "missing Host header"}
	ErrDuplicateHost    = &Error{400, "more than one Host header"}
	ErrBadHost          = &Error{400, "invalid Host header"}
	ErrBadContentLength = &Error{400, "invalid Content-Length"}
	ErrCLAndTE          = &Error{400, "both Content-Length and Transfer-Encoding"}
	ErrChunkedNotLast   = &Error{400, "Transfer-Encoding does not end in chunked"}
	ErrTEInHTTP10       = &Error{400, "Transfer-Encoding in an HTTP/1.0 request"}
	ErrBadChunk         = &Error{400, "malformed chunked body"}
	ErrChunkTooLarge    = &Error{400, "chunk size overflows"}
	ErrChunkOverhead    = &Error{400, "too much chunked framing overhead"} // framing outweighs data
	ErrBodyTooLarge     = &Error{413, "body larger than the limit"}
	ErrURITooLong       = &Error{414, "request line too long"}
	ErrHeaderTooLarge   = &Error{431, "header section too large"}
	ErrTooManyHeaders   = &Error{431, "too many header fields"}
	ErrUnknownCoding    = &Error{501, "unsupported transfer coding"}
	ErrVersion          = &Error{505, "HTTP version not supported"}
)
