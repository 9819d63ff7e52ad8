//! The `ansinh` binary end to end: the README's main command, standards commands, classify and explain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::process::Command;

fn ansinh(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ansinh"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn demo_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo")
}

#[test]
fn the_demo_explains_every_household_in_vietnamese() {
    let (ok, out, _) = ansinh(&["demo"]);
    assert!(ok);
    assert!(out.contains("Hộ / household 1001: Hộ 4 người, khu vực nông thôn; thu nhập bình quân 1.200.000 đ/người/tháng ≤ chuẩn nghèo 1.500.000 đ"), "{out}");
    assert!(out.contains("bảo hiểm y tế (Nguyễn Văn Bảo, 34 tuổi)"));
    assert!(out.contains("Kết luận: hộ nghèo"));
    // household 1007 has neither income nor one member's insurance recorded
    assert!(out.contains("Chưa đủ dữ liệu để xếp loại hộ"), "{out}");
}

#[test]
fn standards_list_check_and_in_force() {
    let (ok, out, _) = ansinh(&["standards", "list"]);
    assert!(ok);
    for id in [
        "vn-2016-2020",
        "vn-2022-2025",
        "vn-2027-2030",
        "hanoi-2022-2025",
        "bench-2022",
    ] {
        assert!(out.contains(id), "{id} missing from\n{out}");
    }
    assert!(out.contains("1.500.000 / 2.000.000"));
    let (ok, out, _) = ansinh(&["standards", "check"]);
    assert!(ok && out.starts_with("OK: 5"), "{out}");
    let (ok, out, _) = ansinh(&["standards", "in-force", "15/06/2024", "--province", "01"]);
    assert!(ok);
    assert_eq!(out.trim(), "hanoi-2022-2025");
    let (_, out, _) = ansinh(&["standards", "in-force", "2028-01-01"]);
    assert_eq!(out.trim(), "vn-2027-2030");
}

#[test]
fn a_broken_standard_file_is_reported_with_line_and_column_and_fails() {
    let dir = std::env::temp_dir().join(format!("ansinh-cli-std-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("local.toml");
    std::fs::write(&f, "id = \"x\"\nextends = \"vn-2022-2025\"\njurisdiction = \"48\"\n\n[thresholds.poverty_line]\nrural = 1_800_000\nurban = \"lots\"\nvi = \"a\"\nen = \"b\"\n").unwrap();
    let (ok, _, err) = ansinh(&["standards", "check", f.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("local.toml:7:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn classify_writes_three_tables_and_explain_names_the_members() {
    let out = std::env::temp_dir().join(format!("ansinh-cli-out-{}", std::process::id()));
    let d = demo_dir();
    let (h, m) = (d.join("households.csv"), d.join("members.csv"));
    let (ok, _, err) = ansinh(&[
        "classify",
        "--standard",
        "vn-2022-2025",
        "--households",
        h.to_str().unwrap(),
        "--members",
        m.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(ok, "{err}");
    let households = std::fs::read_to_string(out.join("households.csv")).unwrap();
    assert!(households.starts_with(
        "household_id,n_members,income_per_capita,deficit_mask,deficit_count,class\n"
    ));
    assert!(households.contains("\n1001,4,1200000.0,"));
    assert!(out.join("commune.csv").exists() && out.join("province.csv").exists());
    let incomplete = std::fs::read_to_string(out.join("incomplete.csv")).unwrap();
    assert!(
        incomplete.contains("1007,0,health_insurance"),
        "{incomplete}"
    );
    assert!(
        err.contains("UNCONFIRMED"),
        "the summary flags the unconfirmed standard: {err}"
    );
    let (ok, text, _) = ansinh(&[
        "explain",
        "--standard",
        "hanoi-2022-2025",
        "--households",
        h.to_str().unwrap(),
        "--members",
        m.to_str().unwrap(),
        "--household",
        "1002",
        "--lang",
        "en",
    ]);
    assert!(ok);
    assert!(text.contains("Hanoi poverty line 2,000,000 VND"), "{text}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_input_fails_with_file_row_and_column_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("ansinh-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("h.csv"),
        "household_id,area,monthly_income_vnd\n1,rural,abc\n",
    )
    .unwrap();
    std::fs::write(dir.join("m.csv"), "household_id,age\n1,30\n").unwrap();
    let out = dir.join("out");
    let (ok, _, err) = ansinh(&[
        "classify",
        "--standard",
        "bench-2022",
        "--households",
        dir.join("h.csv").to_str().unwrap(),
        "--members",
        dir.join("m.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("dòng 2, cột `monthly_income_vnd`"), "{err}");
    assert!(err.contains("row 2, column `monthly_income_vnd`"), "{err}");
    assert!(!out.exists(), "no output folder for failed input");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rules folder for one test (removed first when left over).
fn rules_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ansinh-cli-rules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scoring")).unwrap();
    dir
}

fn scoring_file() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scoring/vn-2022-2025-placeholder.toml");
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn serve_refuses_to_start_on_a_broken_scoring_table_before_opening_the_database() {
    let dir = rules_dir("serve");
    let bad = scoring_file().replace("deprivation_min = 30", "deprivation_min = \"thirty\"");
    let line = bad
        .lines()
        .position(|l| l.starts_with("deprivation_min"))
        .unwrap()
        + 1;
    std::fs::write(dir.join("scoring/broken.toml"), &bad).unwrap();
    let db = dir.join("never.db");
    let (ok, _, err) = ansinh(&[
        "--rules-dir",
        dir.to_str().unwrap(),
        "serve",
        "--database",
        db.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
    ]);
    let db_created = db.exists();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok, "{err}");
    assert!(err.contains(&format!("broken.toml:{line}:")), "{err}");
    assert!(err.contains("[SCORE_TABLE]"), "{err}");
    // The reason in both languages.
    assert!(err.contains("Tệp bảng điểm rà soát không hợp lệ"), "{err}");
    assert!(err.contains("ansinh does not start"), "{err}");
    assert!(!db_created, "the database was opened");
}

#[test]
fn a_rules_folder_with_only_scoring_keeps_the_built_in_standards() {
    let dir = rules_dir("only-scoring");
    let mine = scoring_file()
        .replace(
            "id = \"vn-2022-2025-placeholder\"",
            "id = \"ha-noi-2022-2025\"\njurisdiction = \"01\"",
        )
        .replace("placeholder = true", "placeholder = false");
    std::fs::write(dir.join("scoring/ha-noi.toml"), mine).unwrap();
    let (ok, out, err) = ansinh(&["--rules-dir", dir.to_str().unwrap(), "standards", "check"]);
    assert!(ok && out.starts_with("OK: 5"), "{out}{err}");
    let (ok, out, _) = ansinh(&[
        "--rules-dir",
        dir.to_str().unwrap(),
        "standards",
        "in-force",
        "15/06/2024",
        "--province",
        "01",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ok);
    assert_eq!(out.trim(), "hanoi-2022-2025");
}
