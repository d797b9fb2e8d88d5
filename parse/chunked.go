package parse

import (
	"io"
	"math"
)

// The overhead budget behind ErrChunkOverhead: a client sending
// "1;<4 KiB of extension>\r\nx\r\n" over and over would otherwise make the
// server read gigabytes to receive a small body. Each chunk may carry
// chunkOverheadFree bytes of framing (size line, extensions, CRLFs) plus
// twice its data size; what goes beyond accumulates, and the body fails
// when the accumulated excess passes maxChunkExcess.
const (
	chunkOverheadFree = 16
	maxChunkExcess    = 16 << 10
)

// Decoder states: what the next byte of src belongs to.
const (
	csSize        uint8 = iota // chunk-size hex digits
	csExt                      // after the size or an extension: ";", BWS or CR
	csExtBWS                   // BWS that must be followed by ";"
	csExtName                  // first byte of an extension name, after BWS
	csExtNameMore              // rest of an extension name
	csExtAfter                 // after a name: "=", ";", BWS or CR
	csExtAfterBWS              // BWS after a name: must be followed by "=" or ";"
	csExtVal                   // first byte of an extension value, after BWS
	csExtToken                 // rest of a token value
	csExtQuoted                // inside a quoted-string value
	csExtEscape                // after a backslash inside a quoted-string
	csSizeLF                   // the LF ending the chunk-size line
	csData                     // chunk data
	csDataCR                   // the CR after the data
	csDataLF                   // the LF after the data
	csTrailer                  // start of a trailer line (or of the final CRLF)
	csTrName                   // trailer field name
	csTrValue                  // trailer field value
	csTrLF                     // the LF ending a trailer field line
	csFinalLF                  // the LF of the final CRLF
	csDone                     // the body is complete
	csFailed                   // an error was returned
)

// ChunkedDecoder decodes a body in the chunked transfer coding (RFC 9112
// section 7.1) as its bytes arrive. The zero value is ready, with default
// limits; Reset it before each new body.
type ChunkedDecoder struct {
	Limits Limits

	lim     Limits
	limFrom Limits
	limOK   bool

	state   uint8
	digits  int   // hex digits of the current chunk-size
	size    int64 // the chunk-size being read, then the data left in the chunk
	line    int   // bytes of the current chunk-size line, CRLF excluded
	trailer int   // bytes of the trailer section so far
	excess  int64 // framing overhead beyond the budget (see ErrChunkOverhead)
	total   int64 // decoded bytes announced so far
	err     error
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
// A malformed body yields ErrBadChunk, ErrChunkTooLarge (a chunk-size
// that does not fit in an int64) or ErrChunkOverhead, a body whose decoded
// size passes Limits.MaxBodyBytes yields ErrBodyTooLarge, a trailer section
// larger than MaxHeaderBytes yields ErrHeaderTooLarge; after an error the
// decoder stays failed until Reset. The bytes written before an error are
// valid payload; nSrc then excludes the offending byte.
func (d *ChunkedDecoder) Decode(dst, src []byte) (nDst, nSrc int, err error) {
	switch d.state {
	case csFailed:
		return 0, 0, d.err
	case csDone:
		return 0, 0, io.EOF
	}
	if !d.limOK || d.Limits != d.limFrom {
		d.lim, d.limFrom, d.limOK = d.Limits.WithDefaults(), d.Limits, true
	}
	for nSrc < len(src) {
		if d.state == csData {
			k := min(d.size, int64(len(src)-nSrc), int64(len(dst)-nDst))
			if k == 0 {
				return nDst, nSrc, nil // dst is full
			}
			copy(dst[nDst:], src[nSrc:nSrc+int(k)])
			nDst += int(k)
			nSrc += int(k)
			d.size -= k
			if d.size == 0 {
				d.state = csDataCR
			}
			continue
		}
		if err := d.step(src[nSrc]); err != nil {
			d.state, d.err = csFailed, err
			return nDst, nSrc, err
		}
		nSrc++
		if d.state == csDone {
			return nDst, nSrc, io.EOF
		}
	}
	return nDst, nSrc, nil
}

// Done reports whether the whole body, trailers included, has been decoded.
func (d *ChunkedDecoder) Done() bool { return d.state == csDone }

// Reset prepares d for a new body. It keeps Limits.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{Limits: d.Limits, lim: d.lim, limFrom: d.limFrom, limOK: d.limOK}
}

// step consumes one byte of framing (anything but chunk data).
func (d *ChunkedDecoder) step(c byte) error {
	if d.state < csSizeLF && c != '\r' {
		d.line++
		if d.line > d.lim.MaxChunkLineBytes {
			return ErrBadChunk
		}
	}
	if d.state >= csTrailer {
		d.trailer++
		if d.trailer > d.lim.MaxHeaderBytes {
			return ErrHeaderTooLarge
		}
	}
	for {
		switch d.state {
		case csSize:
			if class[c]&cHex != 0 {
				if d.size > math.MaxInt64>>4 {
					return ErrChunkTooLarge
				}
				d.size = d.size<<4 | int64(unhex(c))
				d.digits++
				return nil
			}
			if d.digits == 0 {
				return ErrBadChunk
			}
			d.state = csExt
			continue // c ends the size: look at it again
		case csExt:
			switch c {
			case ';':
				d.state = csExtName
			case ' ', '\t':
				d.state = csExtBWS
			case '\r':
				d.state = csSizeLF
			default:
				return ErrBadChunk
			}
		case csExtBWS:
			switch c {
			case ';':
				d.state = csExtName
			case ' ', '\t':
			default:
				return ErrBadChunk // whitespace is allowed only before ";"
			}
		case csExtName:
			switch {
			case c == ' ' || c == '\t':
			case isToken(c):
				d.state = csExtNameMore
			default:
				return ErrBadChunk
			}
		case csExtNameMore:
			if isToken(c) {
				return nil
			}
			d.state = csExtAfter
			continue
		case csExtAfter, csExtAfterBWS:
			switch {
			case c == '=':
				d.state = csExtVal
			case c == ';':
				d.state = csExtName
			case c == ' ' || c == '\t':
				d.state = csExtAfterBWS
			case c == '\r' && d.state == csExtAfter:
				d.state = csSizeLF
			default:
				return ErrBadChunk
			}
		case csExtVal:
			switch {
			case c == ' ' || c == '\t':
			case c == '"':
				d.state = csExtQuoted
			case isToken(c):
				d.state = csExtToken
			default:
				return ErrBadChunk
			}
		case csExtToken:
			if isToken(c) {
				return nil
			}
			d.state = csExt
			continue
		case csExtQuoted:
			switch {
			case c == '"':
				d.state = csExt
			case c == '\\':
				d.state = csExtEscape
			case !isValue(c): // qdtext is a field value byte but '"' and '\'
				return ErrBadChunk
			}
		case csExtEscape:
			if !isValue(c) {
				return ErrBadChunk
			}
			d.state = csExtQuoted
		case csSizeLF:
			if c != '\n' {
				return ErrBadChunk
			}
			return d.endSizeLine()
		case csDataCR:
			if c != '\r' {
				return ErrBadChunk
			}
			d.state = csDataLF
		case csDataLF:
			if c != '\n' {
				return ErrBadChunk
			}
			d.state, d.digits, d.size, d.line = csSize, 0, 0, 0
		case csTrailer:
			switch {
			case c == '\r':
				d.state = csFinalLF
			case isToken(c):
				d.state = csTrName
			default:
				return ErrBadChunk // includes obs-fold, a line starting with whitespace
			}
		case csTrName:
			switch {
			case c == ':':
				d.state = csTrValue
			case !isToken(c):
				return ErrBadChunk
			}
		case csTrValue:
			switch {
			case c == '\r':
				d.state = csTrLF
			case !isValue(c):
				return ErrBadChunk
			}
		case csTrLF:
			if c != '\n' {
				return ErrBadChunk
			}
			d.state = csTrailer
		case csFinalLF:
			if c != '\n' {
				return ErrBadChunk
			}
			d.state = csDone
		}
		return nil
	}
}

// endSizeLine accounts for a complete chunk-size line and moves on to the
// chunk's data, or to the trailer section after the last chunk.
func (d *ChunkedDecoder) endSizeLine() error {
	// Framing of this chunk: its size line, the line's CRLF and the CRLF
	// after the data.
	d.excess += int64(d.line) + 4 - chunkOverheadFree - min(d.size, maxChunkExcess)*2
	if d.excess < 0 {
		d.excess = 0
	}
	if d.excess > maxChunkExcess {
		return ErrChunkOverhead
	}
	if d.size == 0 {
		d.state = csTrailer
		return nil
	}
	if limit := d.lim.MaxBodyBytes; limit >= 0 {
		if d.size > limit-d.total {
			return ErrBodyTooLarge
		}
		d.total += d.size
	}
	d.state = csData
	return nil
}
