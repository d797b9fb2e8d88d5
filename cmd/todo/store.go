package main

import (
	"strings"
	"sync"
	"time"
)

// Todo is one item of the list.
type Todo struct {
	Task    string
	Created time.Time
}

// todoList is the app's data: an ordered list of todos, safe for concurrent
// use. It lives in memory; a real app would keep it in a database.
type todoList struct {
	mu    sync.RWMutex
	items []Todo
}

// add inserts a todo at 1-based position pos (1 is the top); nil, or a
// position past the end, appends it, and a position below 1 puts it first.
// It adds nothing and returns false when the list holds maxItems todos.
func (l *todoList) add(task string, pos *int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.items) >= maxItems {
		return false
	}
	t := Todo{Task: task, Created: time.Now()}
	i := len(l.items)
	if pos != nil {
		i = min(max(*pos-1, 0), len(l.items))
	}
	l.items = append(l.items, Todo{})
	copy(l.items[i+1:], l.items[i:])
	l.items[i] = t
	return true
}

// at returns the todo at 1-based position pos, and whether there is one.
func (l *todoList) at(pos int) (Todo, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if pos < 1 || pos > len(l.items) {
		return Todo{}, false
	}
	return l.items[pos-1], true
}

// all returns a copy of the list.
func (l *todoList) all() []Todo {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]Todo(nil), l.items...)
}

// search returns the todos whose task contains any of the queries,
// ignoring case. Empty queries are ignored; no query matches nothing.
func (l *todoList) search(queries []string) []Todo {
	var qs []string
	for _, q := range queries {
		if q = strings.TrimSpace(q); q != "" {
			qs = append(qs, strings.ToLower(q))
		}
	}
	var out []Todo
	for _, t := range l.all() {
		task := strings.ToLower(t.Task)
		for _, q := range qs {
			if strings.Contains(task, q) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}
