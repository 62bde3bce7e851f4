-- casemgr schema, version 3 (PostgreSQL). Mirrors sqlite/0003_web.sql: web
-- UI sessions and calendar feeds.

-- A browser session of the web UI. It rides on a login session
-- (auth_sessions), so that logout, disabling the user, or a change of
-- password, role or shelter (which revoke auth_sessions) end it at once.
-- The cookie holds an opaque random token; only its SHA-256 is stored.
-- csrf_token is the per-session token echoed in every form.
CREATE TABLE web_sessions (
  session_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES auth_sessions(id),
  token_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
  csrf_token   TEXT COLLATE "C" NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL
);

-- A personal iCalendar feed (GET /api/v1/deadlines.ics?token=...): one per
-- user, the token stored as its SHA-256. The role and shelter of the user
-- when the feed was made are kept, so that a later change of either stops
-- the feed.
CREATE TABLE calendar_feeds (
  username   TEXT COLLATE "C" PRIMARY KEY REFERENCES users(username),
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  role       TEXT COLLATE "C" NOT NULL,
  shelter_id TEXT COLLATE "C" NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
