package store

// AsDialect returns a copy of db that claims to be of dialect d, so that
// tests can exercise PostgreSQL-only logic over a SQLite connection.
func (db *DB) AsDialect(d Dialect) *DB {
	c := *db
	c.Dialect = d
	c.closers = nil
	if d != SQLite {
		c.commits = nil // other engines do not group commits
	}
	return &c
}
