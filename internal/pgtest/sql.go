package pgtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// URL is the connection URL of database db on the server, for any driver
// that takes PostgreSQL URLs (pgx, lib/pq, psql).
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", User, s.port, db)
}

// CreateDatabase creates database name (an SQL identifier: letters,
// digits and underscores) and returns its URL. It fails if the database
// exists or the name is not a plain identifier.
func (s *Server) CreateDatabase(name string) (string, error) {
	if !identifier(name) {
		return "", fmt.Errorf("pgtest: database name %q is not a plain identifier", name)
	}
	if err := s.Exec("postgres", "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// Exec runs sql (one or more statements) in database db with psql,
// stopping at the first error, which it returns with psql's message.
func (s *Server) Exec(db, sql string) error {
	_, err := s.psql(db, sql)
	return err
}

// Query runs sql in database db and returns psql's unaligned output: one
// line per row, columns separated by '|', without the trailing newline.
func (s *Server) Query(db, sql string) (string, error) {
	out, err := s.psql(db, sql)
	return strings.TrimSuffix(out, "\n"), err
}

func (s *Server) psql(db, sql string) (string, error) {
	cmd := exec.Command(filepath.Join(s.bin, "psql"), "-X", "-q", "-A", "-t",
		"-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", User, "-d", db)
	cmd.Stdin = strings.NewReader(sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=5")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pgtest: psql %s: %v: %s", db, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func identifier(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
