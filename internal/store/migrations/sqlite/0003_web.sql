-- casemgr schema, version 3 (SQLite): web UI sessions and calendar feeds.

-- A browser session of the web UI. It rides on a login session
-- (auth_sessions), so that logout, disabling the user, or a change of
-- password, role or shelter (which revoke auth_sessions) end it at once.
-- The cookie holds an opaque random token; only its SHA-256 is stored.
-- csrf_token is the per-session token echoed in every form.
CREATE TABLE web_sessions (
  session_id   TEXT PRIMARY KEY REFERENCES auth_sessions(id),
  token_hash   TEXT NOT NULL UNIQUE,
  csrf_token   TEXT NOT NULL,
  created_at   DATETIME NOT NULL,
  last_seen_at DATETIME NOT NULL
);

-- A personal iCalendar feed (GET /api/v1/deadlines.ics?token=...): one per
-- user, the token stored as its SHA-256. The role and shelter of the user
-- when the feed was made are kept, so that a later change of either stops
-- the feed.
CREATE TABLE calendar_feeds (
  username   TEXT PRIMARY KEY REFERENCES users(username),
  token_hash TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL,
  shelter_id TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
