package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// TestScriptsAreIdempotent runs each script call twice, as go-redis does
// when a reply is lost on the way back: the second run must report
// success without applying the change again.
func TestScriptsAreIdempotent(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer client.Close()
	s := New(client, Options{Prefix: "i:"})
	ctx := context.Background()

	sess := &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
	sess.PutInt("n", 1)
	id, err := s.Create(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	key, idx := s.key(id), s.indexKey(id)
	old, err := client.Get(ctx, key).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	sess.PutInt("n", 2)
	v, err := encode(sess)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 1} { // first run, then a resend
		got, err := updateScript.Run(ctx, client, []string{key, idx}, old[:tokenLen], v, int64(60000), "", id).Int()
		if err != nil || got != want {
			t.Fatalf("update run %d = %d, %v; want %d", i+1, got, err, want)
		}
	}
	// Another writer's stale token loses.
	if got, err := updateScript.Run(ctx, client, []string{key, idx}, old[:tokenLen], append([]byte("other-writer-tok"), v[tokenLen:]...), int64(60000), "", id).Int(); err != nil || got != 0 {
		t.Fatalf("update with a stale token = %d, %v; want 0", got, err)
	}
	if cur, _ := client.Get(ctx, key).Bytes(); string(cur) != string(v) {
		t.Fatal("the stored value is not the one the update wrote")
	}

	newID, err := sameSlotID(id)
	if err != nil {
		t.Fatal(err)
	}
	newKey := s.key(newID)
	sess.Renewed = true
	rv, err := encode(sess)
	if err != nil {
		t.Fatal(err)
	}
	renew := func() (int, error) {
		return renewScript.Run(ctx, client, []string{key, newKey, idx}, v[:tokenLen], rv, sess.Expires.UnixMilli(), id, newID).Int()
	}
	for i, want := range []int{1, 1} {
		got, err := renew()
		if err != nil || got != want {
			t.Fatalf("renew run %d = %d, %v; want %d", i+1, got, err, want)
		}
	}
	if n, _ := client.Exists(ctx, key).Result(); n != 0 {
		t.Fatal("old key survived the renew")
	}
	if cur, _ := client.Get(ctx, newKey).Bytes(); string(cur) != string(rv) {
		t.Fatal("the renewed value is not the session")
	}
	// A renew onto a key that holds another session reports it taken.
	if err := client.Set(ctx, key, v, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, newKey, append([]byte("someone-else-tok"), v[tokenLen:]...), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := renew(); err != nil || got != -1 {
		t.Fatalf("renew onto a taken key = %d, %v; want -1", got, err)
	}
}

func TestTTLRounding(t *testing.T) {
	now := time.Unix(1000, 0)
	tests := []struct {
		expires time.Time
		want    time.Duration
	}{
		{now.Add(time.Hour), time.Hour},
		{now.Add(1500 * time.Microsecond), time.Millisecond}, // rounded down
		{now.Add(999 * time.Microsecond), 0},                 // under a millisecond: dead
		{now, 0},
		{now.Add(-time.Second), 0},
	}
	for _, tt := range tests {
		if got := ttl(tt.expires, now); got != tt.want {
			t.Errorf("ttl(now+%v) = %v, want %v", tt.expires.Sub(now), got, tt.want)
		}
	}
}
