// Package cookiejar reads, writes, protects and remembers HTTP cookies
// (RFC 6265).
//
// A cookie is a name=value pair that a server asks a client to send back on
// later requests. The package covers both sides of that exchange:
//
//   - Server side: [ParseCookieHeader], [Get] and [Scan] read the Cookie
//     request header, tolerating what real browsers send and never failing
//     on junk; [Cookie.Format] writes a Set-Cookie header with every
//     attribute, and refuses (with an error naming the problem) a cookie
//     that would make a broken or ignored header.
//   - Protection: a [Codec] turns a value into a cookie value and back.
//     [Signer] authenticates values with HMAC-SHA256 (the client can read
//     but not change them); [Sealer] encrypts them with AES-GCM (the client
//     can neither read nor change them). Both take a list of keys, so keys
//     can be rotated: new values use the first key, any key verifies.
//   - Client side: [Jar] stores cookies received in responses and selects
//     the ones to send with each request (domain and path matching, expiry,
//     Secure), safely for many goroutines. It implements
//     net/http.CookieJar, and has allocation-light methods for load
//     generators that do not use net/http.
//
// The core type, [Cookie], does not depend on net/http; [FromHTTP] and
// [Cookie.HTTP] convert.
package cookiejar
