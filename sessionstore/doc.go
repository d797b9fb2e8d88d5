// Package sessionstore keeps per-user state on the server, behind a cookie.
//
// HTTP is stateless: every request stands alone. A session gives a series of
// requests from one client a shared, server-side memory. The client holds
// only an unguessable id (a random UUID v4) in a cookie; the data lives in a
// [Store]. The package has three layers, each usable on its own:
//
//   - [Session] is the data of one session: string values with typed helpers
//     ([Session.GetInt], [Session.PutInt], ...), a creation time and an
//     expiry. Values are strings so that any backend can store them.
//   - [Store] keeps sessions by id. [MemoryStore], the embedded default, is a
//     sharded, lock-free map (xsync.MapOf) with a background sweeper and a cap
//     on the number of sessions; when full, it evicts the least recently
//     used sessions of visitors who never logged in, never those of users
//     who did. Other backends (Redis, SQL) implement the
//     same five-method interface; package storetest checks that they honour
//     its contract.
//   - [Manager] ties a Store to a cookie: it turns the cookie a request
//     carried into a lazy [Handle] ([Manager.Load]), applies the idle timeout
//     and the absolute lifetime, and produces the Set-Cookie line to send
//     back ([Handle.Commit]). [Manager.Middleware] does all of that for
//     net/http handlers; [FromContext] finds the Handle.
//
// # Concurrency
//
// A browser sends several requests of one session at once (tabs, images,
// fetches). Every change goes to the store as an atomic read-modify-write
// ([Store.Update], [Handle.Update]), so concurrent requests never lose an
// update: a hundred requests each adding one to a counter leave it exactly a
// hundred higher. This differs from stores that load the whole session at the
// start of a request and save it at the end, where the last writer wins.
//
// # Security
//
//   - Ids come from crypto/rand (UUID v4, 122 random bits). The store issues
//     them; an id a client invents is unknown, and an unknown id starts a
//     fresh session under a new id. A client cannot choose its session id
//     (no session fixation).
//   - Call [Handle.Renew] on login and on any change of privilege: the data
//     moves to a new id and the old id dies, so an id seen before login is
//     worthless after it. Call [Handle.Destroy] on logout.
//   - The cookie is HttpOnly, SameSite=Lax, Path=/ and Secure when the request
//     came over TLS, unless configured otherwise. A [cookiejar.Codec] may
//     additionally sign or encrypt the id.
//   - An unknown, expired, malformed or tampered id is "not found", never an
//     error: errors mean the store failed.
//   - Floods: a client that creates sessions without end (no cookie on each
//     request) only evicts other never-renewed sessions; a renewed session
//     ([Handle.Renew] on login) is never evicted. [Manager.AnonymousIdleTimeout]
//     makes such sessions expire sooner.
//   - Size: every store refuses a session over its per-session size limit
//     ([DefaultMaxSessionSize], 4 KiB of keys and values) with
//     [ErrSessionTooLarge], so a client cannot grow server memory through
//     its session.
package sessionstore
