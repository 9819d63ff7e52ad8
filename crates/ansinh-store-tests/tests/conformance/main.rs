//! The storage conformance suite: every case in `cases.rs` runs once on SQLite (`sqlite::…`) and once on
//! PostgreSQL (`postgres::…`, when `ANSINH_TEST_PG` is set; required under CI), and once more on SQLite
//! through `ansinh_store_any::AnyStore` (`any::…`), the store value the CLI and the web open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod bulk;
mod cases;
mod harness;
mod review;
mod tidy;

/// Declares each case once per backend. A case is `async fn name<S: TestDb>(s: &S, h: Reopen)`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = crate::harness::sqlite(stringify!($name)).await;
                    let again = h.reopen().await;
                    crate::cases::$name(&h.store, &again).await;
                    again.close().await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(h) = crate::harness::postgres(stringify!($name)).await else { return };
                    let again = h.reopen().await;
                    crate::cases::$name(&h.store, &again).await;
                    again.close().await;
                    h.finish().await;
                }
            )*
        }
        /// The same cases through `AnyStore`, the one store value the binaries open (on SQLite).
        mod any {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = crate::harness::sqlite(concat!("any-", stringify!($name))).await;
                    let store = ansinh_store_any::AnyStore::Sqlite(h.store.clone());
                    let again = ansinh_store_any::AnyStore::Sqlite(h.reopen().await);
                    crate::cases::$name(&store, &again).await;
                    again.close().await;
                    h.finish().await;
                }
            )*
        }
    };
}

conformance!(
    migrations_run_once_and_reopen,
    units_have_validity_and_are_found_by_date,
    reorganisations_map_records_onto_todays_units,
    invalid_reorganisations_are_refused,
    households_round_trip_with_members_and_incomes,
    text_is_stored_nfc,
    household_codes_are_unique,
    citizen_id_is_unique_among_live_memberships,
    stale_saves_are_refused_and_nothing_is_overwritten,
    concurrent_saves_one_wins,
    changes_and_deletions_need_a_reason,
    deleted_households_are_kept_and_frozen,
    search_ignores_case_and_diacritics,
    search_keys_are_indexed,
    classification_history_is_kept_and_append_only,
    audit_trail_records_who_when_where_what_why,
    audit_trail_cannot_be_altered,
    stored_households_can_be_classified,
    import_inserts_everything_and_reimport_changes_nothing,
    import_updates_what_differs_under_a_new_version,
    a_file_without_a_column_keeps_the_recorded_values,
    a_failed_import_writes_nothing,
    pages_filter_by_unit_and_skip_deleted,
);
