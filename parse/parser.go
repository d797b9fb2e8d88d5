package parse

// Parser finds and parses one request head at a time. The zero value uses
// default limits; set Limits before the first call. A Parser remembers how
// far it has already scanned, so calling Parse again after more bytes
// arrived costs only the new bytes: it is safe and cheap to call it after
// every read, even one byte at a time.
//
// A Parser is owned by one goroutine (in the engine, one connection).
type Parser struct {
	Limits Limits
	// unexported progress state (implementation-defined)
}

// Parse looks for a complete request head at the start of buf. buf must hold
// every byte received for this head so far, starting at its first byte (the
// caller appends new bytes and calls again with the longer slice).
//
// It returns:
//   - n > 0, nil: the head is complete and req is filled in; n counts the
//     bytes of the head, including empty lines before the request line and
//     the final empty line. The body, if any, starts at buf[n].
//   - 0, nil: more bytes are needed.
//   - 0, *Error: the request is refused; answer with err.Status and close.
//
// Errors are reported as early as they are certain: a request line longer
// than MaxRequestLineBytes fails with ErrURITooLong before its end arrives,
// and a head longer than MaxHeaderBytes fails with ErrHeaderTooLarge.
//
// After a complete head or an error the Parser is ready for the next head;
// Reset also makes it forget a partial one.
func (p *Parser) Parse(buf []byte, req *Request) (n int, err error) {
	panic("not implemented")
}

// Reset forgets any partially scanned head.
func (p *Parser) Reset() {}

// ChunkedDecoder decodes a body in the chunked transfer coding (RFC 9112
// section 7.1) as its bytes arrive. The zero value is ready, with default
// limits; Reset it before each new body.
type ChunkedDecoder struct {
	Limits Limits
	// unexported state (implementation-defined)
}

// Decode consumes encoded bytes from src and writes decoded payload bytes to
// dst. It returns how many bytes it wrote (nDst) and consumed (nSrc). It
// stops when dst is full, src is exhausted, or the body ends. dst may be the
// same memory as src (in-place decoding): writes never overtake reads.
//
// Chunk extensions are checked for syntax and skipped; trailer fields are
// checked like header fields and discarded. Decode returns io.EOF (with the
// final counts) once the last chunk and trailer section have been consumed;
// bytes after that in src belong to the next request and are not consumed.
// A malformed body yields ErrBadChunk or ErrChunkTooLarge, a body whose
// decoded size passes Limits.MaxBodyBytes yields ErrBodyTooLarge, a trailer
// section larger than MaxHeaderBytes yields ErrHeaderTooLarge; after an
// error the decoder stays failed until Reset.
func (d *ChunkedDecoder) Decode(dst, src []byte) (nDst, nSrc int, err error) {
	panic("not implemented")
}

// Done reports whether the whole body, trailers included, has been decoded.
func (d *ChunkedDecoder) Done() bool { return false }

// Reset prepares d for a new body.
func (d *ChunkedDecoder) Reset() {}
