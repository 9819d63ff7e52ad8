//! Checks on the sources themselves: both backends' migrations move in lockstep.

use std::path::Path;

fn files(dir: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    v.sort();
    v
}

#[test]
fn migrations_are_in_lockstep_and_all_embedded() {
    let sqlite = files("ansinh-store-sqlite/migrations");
    let postgres = files("ansinh-store-postgres/migrations");
    assert_eq!(
        sqlite, postgres,
        "both backends need the same migration files"
    );
    let versions = |m: &[(i64, &str, &str)]| m.iter().map(|&(v, ..)| v).collect::<Vec<_>>();
    assert_eq!(
        versions(ansinh_store_sqlite::MIGRATIONS),
        versions(ansinh_store_postgres::MIGRATIONS)
    );
    assert_eq!(
        ansinh_store_sqlite::MIGRATIONS.len(),
        sqlite.len(),
        "a migration file is not embedded"
    );
    for (&(v, desc, _), file) in ansinh_store_sqlite::MIGRATIONS.iter().zip(&sqlite) {
        assert_eq!(file, &format!("{v:04}_{desc}.sql"));
    }
}
