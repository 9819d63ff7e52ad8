//! The storage conformance suite lives in `tests/conformance/` (one test binary): every storage
//! behaviour, run against a temporary SQLite file always, and against PostgreSQL when `ANSINH_TEST_PG`
//! holds a connection URL (`scripts/pg-test-setup.sh` prints one). Each test gets its own SQLite file or
//! PostgreSQL schema. Under `CI=true` a missing `ANSINH_TEST_PG` fails the PostgreSQL tests instead of
//! skipping them.
//!
//! It is a crate of its own so that it can depend on both backends without a dependency cycle.
