-- The registry on PostgreSQL. Applied migrations are never edited: add a new numbered file instead, and the
-- same version in crates/ansinh-store-sqlite/migrations (the conformance suite checks they match).
-- *_key columns hold the search key (ansinh_domain::text::search_key), *_sort the Vietnamese sort key
-- (ansinh_domain::collation::vi_sort_key); both are computed in Rust. Key columns use COLLATE "C" so that
-- comparisons are bytewise, as on SQLite, and prefix ranges use the B-tree index.

CREATE TABLE units (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL,
    name_sort   BYTEA NOT NULL,
    kind        TEXT NOT NULL,
    area        TEXT CHECK (area IN ('rural', 'urban')),
    parent_id   BIGINT REFERENCES units (id),
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT units_code_valid_from UNIQUE (code, valid_from)
);
CREATE INDEX units_name_key ON units (name_key);
CREATE INDEX units_parent ON units (parent_id, valid_from);

-- Old unit -> new unit, from the date of a merge, split or rename.
CREATE TABLE unit_successors (
    from_id    BIGINT NOT NULL REFERENCES units (id),
    to_id      BIGINT NOT NULL REFERENCES units (id),
    effective  DATE NOT NULL,
    PRIMARY KEY (from_id, to_id)
);

CREATE TABLE households (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                   TEXT NOT NULL,
    unit_id                BIGINT NOT NULL REFERENCES units (id),
    version                BIGINT NOT NULL DEFAULT 1,
    deleted_at             TIMESTAMPTZ,
    address                TEXT NOT NULL,
    address_key            TEXT COLLATE "C" NOT NULL,
    head_name              TEXT NOT NULL,
    head_key               TEXT COLLATE "C" NOT NULL,
    head_sort              BYTEA NOT NULL,
    area                   TEXT CHECK (area IN ('rural', 'urban')),
    housing_quality        TEXT,
    floor_area_m2          DOUBLE PRECISION,
    water_source           TEXT,
    toilet                 TEXT,
    uses_telecom           BOOLEAN,
    has_info_device        BOOLEAN,
    hears_loudspeaker      BOOLEAN,
    uses_internet          BOOLEAN,
    uses_digital_services  BOOLEAN,
    waste_treated          BOOLEAN,
    CONSTRAINT households_code UNIQUE (code)
);
CREATE INDEX households_unit ON households (unit_id);
CREATE INDEX households_head_key ON households (head_key);
CREATE INDEX households_address_key ON households (address_key);

CREATE TABLE household_incomes (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id        BIGINT NOT NULL REFERENCES households (id),
    recorded_on         DATE NOT NULL,
    monthly_income_vnd  BIGINT NOT NULL,
    note                TEXT
);
CREATE INDEX household_incomes_household ON household_incomes (household_id);

CREATE TABLE members (
    id                         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id               BIGINT NOT NULL REFERENCES households (id),
    full_name                  TEXT NOT NULL,
    name_key                   TEXT COLLATE "C" NOT NULL,
    name_sort                  BYTEA NOT NULL,
    date_of_birth              DATE,
    sex                        TEXT,
    relation                   TEXT NOT NULL,
    citizen_id                 TEXT CHECK (citizen_id IS NULL OR char_length(citizen_id) = 12),
    ethnicity                  TEXT,
    labour_status              TEXT,
    has_health_insurance       BOOLEAN,
    education_level            TEXT,
    attending_school           BOOLEAN,
    in_training                BOOLEAN,
    stunted_or_underweight     BOOLEAN,
    is_disabled                BOOLEAN,
    receives_social_allowance  BOOLEAN,
    sick_untreated             BOOLEAN,
    start_date                 DATE,
    end_date                   DATE
);
CREATE INDEX members_household ON members (household_id);
CREATE INDEX members_name_key ON members (name_key);
-- One live membership per person: the database itself refuses a second one.
CREATE UNIQUE INDEX members_live_citizen_id ON members (citizen_id)
    WHERE citizen_id IS NOT NULL AND end_date IS NULL;

-- Classification history: kept forever.
CREATE TABLE classifications (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id           BIGINT NOT NULL REFERENCES households (id),
    standard_id            TEXT NOT NULL,
    as_of                  DATE NOT NULL,
    class                  TEXT NOT NULL,
    deficit_count          BIGINT NOT NULL,
    deprived               TEXT NOT NULL,
    income_per_capita_vnd  BIGINT,
    unconfirmed            BOOLEAN NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL,
    actor                  TEXT NOT NULL
);
CREATE INDEX classifications_household ON classifications (household_id, as_of);

-- Audit trail: append-only.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    origin     TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'event')),
    entity     TEXT NOT NULL,
    entity_id  BIGINT,
    old_value  TEXT,
    new_value  TEXT,
    reason     TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The database refuses to change or remove history, whoever asks.
CREATE FUNCTION ansinh_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ansinh_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ansinh_append_only();
CREATE TRIGGER classifications_append_only BEFORE UPDATE OR DELETE ON classifications
    FOR EACH ROW EXECUTE FUNCTION ansinh_append_only();
CREATE TRIGGER classifications_no_truncate BEFORE TRUNCATE ON classifications
    FOR EACH STATEMENT EXECUTE FUNCTION ansinh_append_only();
