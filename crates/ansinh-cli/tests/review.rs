//! `ansinh review` end to end on SQLite: the demo registry imported, a periodic round opened with every
//! household of the commune listed, its status, and the list to post at the village house, which
//! carries the head's name, the village and the class and never a citizen ID or a date of birth.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::path::{Path, PathBuf};
use std::process::Command;

fn ansinh(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ansinh"))
        .env_remove("ANSINH_DATABASE")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn demo(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../demo/registry")
        .join(file)
        .display()
        .to_string()
}

fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ansinh-cli-review-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn open_status_and_posted_list_without_personal_ids() {
    let dir = fresh("walk");
    let files: Vec<String> = ["don-vi.csv", "ho-gia-dinh.csv", "thanh-vien.csv"]
        .iter()
        .map(|f| demo(f))
        .collect();
    let mut import = vec!["import"];
    import.extend(files.iter().map(String::as_str));
    let (ok, _, err) = ansinh(&dir, &import);
    assert!(ok, "{err}");

    // Open the 2025 periodic round of Xã Yên Nghĩa (1101), listing its households.
    let (ok, out, err) = ansinh(
        &dir,
        &[
            "review",
            "open",
            "--commune",
            "1101",
            "--year",
            "2025",
            "--date",
            "15/09/2025",
            "--list-all",
        ],
    );
    assert!(ok, "{err}");
    let round = out.trim().to_string();
    assert!(round.parse::<i64>().is_ok(), "round id: {out:?}");
    // A second periodic round for the same commune and year is refused.
    let (ok, _, err) = ansinh(
        &dir,
        &[
            "review",
            "open",
            "--commune",
            "1101",
            "--year",
            "2025",
            "--date",
            "16/09/2025",
        ],
    );
    assert!(!ok, "second periodic round opened: {err}");

    // Status: the listing step, four households, the window deadline and the next actions.
    let (ok, out, err) = ansinh(&dir, &["review", "status", &round]);
    assert!(ok, "{err}");
    assert!(out.contains("lập danh sách hộ cần rà soát"), "{out}");
    assert!(out.contains("listing the households to review"), "{out}");
    assert!(out.contains("4 trong danh sách / listed"), "{out}");
    assert!(out.contains("14/12/2025"), "{out}");
    assert!(out.contains("--to close-list"), "{out}");

    // A step out of order is refused (nothing is written).
    let (ok, _, err) = ansinh(
        &dir,
        &[
            "review",
            "advance",
            &round,
            "--to",
            "post",
            "--date",
            "16/09/2025",
        ],
    );
    assert!(!ok && err.contains("REVIEW_OUT_OF_ORDER"), "{err}");

    // The posted list: one row per listed household, head's name, village, class; no personal IDs.
    let list = dir.join("niem-yet.csv");
    let (ok, _, err) = ansinh(
        &dir,
        &[
            "review",
            "posted-list",
            &round,
            "--out",
            list.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&list).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rows.headers().unwrap().iter().map(str::to_string).collect();
    assert!(
        headers.iter().any(|h| h == "Họ và tên chủ hộ"),
        "{headers:?}"
    );
    for h in &headers {
        let l = h.to_lowercase();
        assert!(
            !l.contains("định danh") && !l.contains("cccd") && !l.contains("citizen"),
            "citizen ID column: {h}"
        );
        assert!(!l.contains("ngày sinh") && !l.contains("birth"), "{h}");
    }
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 4);
    assert!(
        records
            .iter()
            .any(|r| r.iter().any(|c| c == "Nguyễn Văn An"))
    );
    assert!(
        records
            .iter()
            .all(|r| r.iter().any(|c| c == "Thôn Đồng Mai"))
    );
    // No member's citizen ID (12 digits in the demo file) and no birth date appears anywhere.
    let members = std::fs::read_to_string(demo("thanh-vien.csv")).unwrap();
    let mut m = csv::Reader::from_reader(members.as_bytes());
    let mh = m.headers().unwrap().clone();
    let id_col = mh.iter().position(|h| h == "Số định danh cá nhân").unwrap();
    let dob_col = mh.iter().position(|h| h == "Ngày sinh").unwrap();
    let mut checked = 0;
    for r in m.records().map(Result::unwrap) {
        for col in [id_col, dob_col] {
            let v = r.get(col).unwrap_or("");
            if !v.is_empty() {
                assert!(!text.contains(v), "personal value {v} in the posted list");
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
    assert!(
        !text
            .split(|c: char| !c.is_ascii_digit())
            .any(|w| w.len() == 12),
        "a 12-digit number in the posted list:\n{text}"
    );

    // The workbook form is written too.
    let xlsx = dir.join("niem-yet.xlsx");
    let (ok, _, err) = ansinh(
        &dir,
        &[
            "review",
            "posted-list",
            &round,
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
