// Package parse is an incremental HTTP/1.1 request parser that does no I/O.
//
// The caller owns the bytes. It appends whatever arrived from the network to
// a buffer and asks the Parser again; the Parser answers "need more", a
// complete request head, or an *Error that carries the status code to send.
// Feeding a head one byte at a time gives exactly the same result as feeding
// it whole. The body is not part of the head: the Request says how the body
// is framed (Content-Length, chunked, or none) and a ChunkedDecoder decodes
// chunked bodies incrementally.
//
// Parse works in two passes. The first, a scanner, finds where the head ends:
// it looks for each line's LF with bytes.IndexByte, resuming where the
// previous call stopped, so receiving a head costs O(n) however it is split.
// It also fails early on what is already certain: a line too long, a head too
// large, a bare LF, a method that is not a token. Once the final empty line
// is in, the second pass parses the complete head in one go: request line,
// field lines, then the framing rules that need all of them.
//
// The parser is strict where leniency lets two parsers disagree about where a
// message ends (request smuggling): see the error values below and
// docs/security.md.
package parse

// Default limits, used for every zero field of Limits.
const (
	DefaultMaxRequestLineBytes = 8 << 10  // 8 KiB: longer gets 414
	DefaultMaxHeaderBytes      = 32 << 10 // 32 KiB for the whole head: more gets 431
	DefaultMaxHeaders          = 100      // header field lines: more gets 431
	DefaultMaxBodyBytes        = 10 << 20 // 10 MiB of decoded body: more gets 413
	DefaultMaxChunkLineBytes   = 4 << 10  // one chunk-size line with its extensions
)

// Limits bound what a client may send. A zero field means the default above.
type Limits struct {
	// MaxRequestLineBytes bounds the request line (method, target, version).
	// A longer one is answered 414 URI Too Long.
	MaxRequestLineBytes int
	// MaxHeaderBytes bounds the whole head, request line included, and,
	// separately, the trailer section of a chunked body. More is 431.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header field lines. More is 431.
	MaxHeaders int
	// MaxBodyBytes bounds the decoded body. A larger Content-Length is
	// rejected with 413 as soon as the head is parsed; a chunked body
	// fails with 413 when its running total passes the bound.
	// A negative value means no bound.
	MaxBodyBytes int64
	// MaxChunkLineBytes bounds one chunk-size line including extensions.
	MaxChunkLineBytes int
}

// WithDefaults returns l with every zero field replaced by its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxRequestLineBytes <= 0 {
		l.MaxRequestLineBytes = DefaultMaxRequestLineBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxChunkLineBytes <= 0 {
		l.MaxChunkLineBytes = DefaultMaxChunkLineBytes
	}
	return l
}
