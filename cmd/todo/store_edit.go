package main

import "slices"

// set replaces the task of the todo at 1-based position pos and returns
// the updated todo; ok is false when there is none.
func (l *todoList) set(pos int, task string) (t Todo, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pos < 1 || pos > len(l.items) {
		return Todo{}, false
	}
	l.items[pos-1].Task = task
	t = l.items[pos-1]
	t.Pos = pos
	return t, true
}

// remove deletes the todo at 1-based position pos; the ones after it move
// up. It reports whether there was one.
func (l *todoList) remove(pos int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pos < 1 || pos > len(l.items) {
		return false
	}
	l.items = slices.Delete(l.items, pos-1, pos)
	return true
}
