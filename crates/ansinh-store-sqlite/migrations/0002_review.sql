-- The review of poor and near-poor households (rà soát): rounds, lists, forms, meetings, postings,
-- complaints, the round event log and the approved snapshots. Same version in
-- crates/ansinh-store-postgres/migrations. The state machine lives in ansinh_domain::review; the database
-- guards what must never change: snapshots and the event log are append-only, and nothing of an approved
-- (or reported) round can be written until it is reopened.

CREATE TABLE review_rounds (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('periodic', 'regular')),
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    year            BIGINT NOT NULL,
    standard_id     TEXT NOT NULL,
    workflow_id     TEXT NOT NULL,
    stage           TEXT NOT NULL CHECK (stage IN ('listing', 'scoring', 'meeting', 'posting',
                        'complaints', 'consultation', 'decision', 'approved', 'reported')),
    opened_on       DATE NOT NULL,
    review_start    DATE NOT NULL,
    last_action_on  DATE NOT NULL,
    stage_since     DATE NOT NULL,
    posted_on       DATE,
    meetings        BIGINT NOT NULL DEFAULT 0,
    approvals       BIGINT NOT NULL DEFAULT 0,
    reopenings      BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 1,
    household_id    INTEGER REFERENCES households (id),
    request_form    TEXT CHECK (request_form IN ('form01', 'form04')),
    request_channel TEXT,
    created_at      DATETIME NOT NULL,
    CHECK ((kind = 'regular') = (household_id IS NOT NULL))
);
-- One periodic round per commune and year.
CREATE UNIQUE INDEX review_rounds_periodic ON review_rounds (unit_id, year) WHERE kind = 'periodic';
CREATE INDEX review_rounds_household ON review_rounds (household_id);

CREATE TABLE review_list (
    round_id      INTEGER NOT NULL REFERENCES review_rounds (id),
    household_id  INTEGER NOT NULL REFERENCES households (id),
    added_on      DATE NOT NULL,
    PRIMARY KEY (round_id, household_id)
);

-- Every revision of a household's form is kept; the latest one counts.
CREATE TABLE review_forms (
    id              INTEGER PRIMARY KEY,
    round_id        INTEGER NOT NULL REFERENCES review_rounds (id),
    household_id    INTEGER NOT NULL REFERENCES households (id),
    revision        BIGINT NOT NULL,
    surveyed_on     DATE NOT NULL,
    tables_id       TEXT NOT NULL,
    placeholder     BOOLEAN NOT NULL,
    region          TEXT NOT NULL,
    answers         TEXT NOT NULL,
    deprived        TEXT NOT NULL,
    quick_screen    TEXT,
    score_a         BIGINT NOT NULL,
    score_b         BIGINT NOT NULL,
    class           TEXT NOT NULL,
    explanation_vi  TEXT NOT NULL,
    explanation_en  TEXT NOT NULL,
    recorded_at     DATETIME NOT NULL,
    actor           TEXT NOT NULL,
    UNIQUE (round_id, household_id, revision)
);

CREATE TABLE review_meetings (
    id            INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES review_rounds (id),
    village       TEXT NOT NULL,
    held_on       DATE NOT NULL,
    attendees     BIGINT NOT NULL CHECK (attendees > 0),
    participants  TEXT NOT NULL,
    minutes       TEXT NOT NULL,
    agreed        BOOLEAN NOT NULL,
    recorded_at   DATETIME NOT NULL,
    actor         TEXT NOT NULL
);

CREATE TABLE review_votes (
    meeting_id    INTEGER NOT NULL REFERENCES review_meetings (id),
    round_id      INTEGER NOT NULL REFERENCES review_rounds (id),
    household_id  INTEGER NOT NULL REFERENCES households (id),
    agree         BIGINT NOT NULL CHECK (agree >= 0),
    disagree      BIGINT NOT NULL CHECK (disagree >= 0),
    agreed        BOOLEAN NOT NULL,
    PRIMARY KEY (meeting_id, household_id)
);

CREATE TABLE review_postings (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES review_rounds (id),
    posted_on   DATE NOT NULL,
    until       DATE NOT NULL,
    ended_on    DATE
);

CREATE TABLE review_complaints (
    id            INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES review_rounds (id),
    household_id  INTEGER REFERENCES households (id),
    filed_on      DATE NOT NULL,
    text          TEXT NOT NULL,
    due           DATE NOT NULL,
    resolved_on   DATE,
    outcome       TEXT CHECK (outcome IN ('upheld', 'rejected')),
    resolution    TEXT,
    recorded_at   DATETIME NOT NULL,
    actor         TEXT NOT NULL
);
CREATE INDEX review_complaints_round ON review_complaints (round_id);

-- The round's event log: every step, edit and reopening, with who, from where and why. Append-only.
CREATE TABLE review_events (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES review_rounds (id),
    at          DATETIME NOT NULL,
    actor       TEXT NOT NULL,
    origin      TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_stage  TEXT,
    to_stage    TEXT,
    on_date     DATE NOT NULL,
    reason      TEXT,
    detail      TEXT
);
CREATE INDEX review_events_round ON review_events (round_id);

-- Approved results: one snapshot per approval, never changed.
CREATE TABLE review_snapshots (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES review_rounds (id),
    seq          BIGINT NOT NULL,
    approved_on  DATE NOT NULL,
    standard_id  TEXT NOT NULL,
    approved_at  DATETIME NOT NULL,
    actor        TEXT NOT NULL,
    UNIQUE (round_id, seq)
);

CREATE TABLE review_snapshot_entries (
    snapshot_id          INTEGER NOT NULL REFERENCES review_snapshots (id),
    household_id         INTEGER NOT NULL REFERENCES households (id),
    household_code       TEXT NOT NULL,
    unit_id              INTEGER NOT NULL REFERENCES units (id),
    class                TEXT NOT NULL,
    transition           TEXT NOT NULL,
    newly_escaped_until  DATE,
    score_a              BIGINT,
    score_b              BIGINT,
    deprived             TEXT NOT NULL,
    explanation_vi       TEXT NOT NULL,
    explanation_en       TEXT NOT NULL,
    caveats              TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, household_id)
);
CREATE INDEX review_snapshot_entries_household ON review_snapshot_entries (household_id);

CREATE TRIGGER review_snapshots_no_update BEFORE UPDATE ON review_snapshots
BEGIN SELECT RAISE(ABORT, 'approved review snapshots are immutable'); END;
CREATE TRIGGER review_snapshots_no_delete BEFORE DELETE ON review_snapshots
BEGIN SELECT RAISE(ABORT, 'approved review snapshots are immutable'); END;
CREATE TRIGGER review_snapshot_entries_no_update BEFORE UPDATE ON review_snapshot_entries
BEGIN SELECT RAISE(ABORT, 'approved review snapshots are immutable'); END;
CREATE TRIGGER review_snapshot_entries_no_delete BEFORE DELETE ON review_snapshot_entries
BEGIN SELECT RAISE(ABORT, 'approved review snapshots are immutable'); END;
-- Entries are written only with their snapshot, while the round is at the decision step.
CREATE TRIGGER review_snapshot_entries_sealed BEFORE INSERT ON review_snapshot_entries
WHEN (SELECT r.stage FROM review_snapshots s JOIN review_rounds r ON r.id = s.round_id
      WHERE s.id = NEW.snapshot_id) <> 'decision'
BEGIN SELECT RAISE(ABORT, 'approved review snapshots are immutable'); END;
CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events
BEGIN SELECT RAISE(ABORT, 'the review event log is append-only'); END;
CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events
BEGIN SELECT RAISE(ABORT, 'the review event log is append-only'); END;

-- Nothing of an approved or reported round is written until it is reopened.
CREATE TRIGGER review_list_locked_insert BEFORE INSERT ON review_list
WHEN (SELECT stage FROM review_rounds WHERE id = NEW.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_list_locked_update BEFORE UPDATE ON review_list
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_list_locked_delete BEFORE DELETE ON review_list
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_forms_locked_insert BEFORE INSERT ON review_forms
WHEN (SELECT stage FROM review_rounds WHERE id = NEW.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_forms_locked_update BEFORE UPDATE ON review_forms
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_forms_locked_delete BEFORE DELETE ON review_forms
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_meetings_locked_insert BEFORE INSERT ON review_meetings
WHEN (SELECT stage FROM review_rounds WHERE id = NEW.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_meetings_locked_update BEFORE UPDATE ON review_meetings
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_meetings_locked_delete BEFORE DELETE ON review_meetings
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_votes_locked_insert BEFORE INSERT ON review_votes
WHEN (SELECT stage FROM review_rounds WHERE id = NEW.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_votes_locked_update BEFORE UPDATE ON review_votes
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_votes_locked_delete BEFORE DELETE ON review_votes
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_postings_locked_insert BEFORE INSERT ON review_postings
WHEN (SELECT stage FROM review_rounds WHERE id = NEW.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_postings_locked_update BEFORE UPDATE ON review_postings
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_postings_locked_delete BEFORE DELETE ON review_postings
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_complaints_locked_insert BEFORE INSERT ON review_complaints
WHEN (SELECT stage FROM review_rounds WHERE id = NEW.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_complaints_locked_update BEFORE UPDATE ON review_complaints
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
CREATE TRIGGER review_complaints_locked_delete BEFORE DELETE ON review_complaints
WHEN (SELECT stage FROM review_rounds WHERE id = OLD.round_id) IN ('approved', 'reported')
BEGIN SELECT RAISE(ABORT, 'the review round is approved and locked'); END;
