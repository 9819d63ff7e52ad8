//! A whole periodic round with the CLI alone, through the same use cases as the web (`ansinh-app`):
//! open with every household listed, close the list, fill in each household's form (a TOML file from
//! `form-template`, and `--set` flags), finish scoring, the village meeting, posting, a complaint filed
//! and settled, the upper level's opinion, the approval with its snapshot, then a reopening and a
//! second approval. The state is read back from the database: the round approved twice, two
//! immutable snapshots with one entry per listed household. Refusals show their code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::path::{Path, PathBuf};
use std::process::Command;

use ansinh_domain::review::Stage;
use ansinh_store::review::{ReviewStore, RoundId};

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

fn ok(dir: &Path, args: &[&str]) -> String {
    let (ok, out, err) = ansinh(dir, args);
    assert!(ok, "ansinh {args:?}:\n{out}\n{err}");
    out
}

fn demo(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../demo/registry")
        .join(file)
        .display()
        .to_string()
}

fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ansinh-cli-walk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The household codes of the round, from `status`.
fn listed(dir: &Path, round: &str) -> Vec<String> {
    ok(dir, &["review", "status", round])
        .lines()
        .filter_map(|l| l.strip_prefix("Hộ / household "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

/// What the officer still has to fill in on a template, as `--set` values: every unanswered
/// characteristic (its first option) and every undecided indicator (not deprived).
fn completions(template: &str) -> Vec<String> {
    let (mut section, mut options) = ("", String::new());
    let mut out = Vec::new();
    for l in template.lines() {
        match l {
            "[a]" | "[b]" | "[q]" => section = l,
            _ => {}
        }
        let Some(c) = l.strip_prefix("# ") else {
            continue;
        };
        let kv = c
            .split_once(" = ")
            .filter(|(k, _)| !k.is_empty() && !k.contains([' ', ':']));
        match (section, kv) {
            ("[a]", Some((k, _))) => {
                let first = options.split(" | ").next().unwrap_or("").trim().to_string();
                out.push(format!("a.{k}={first}"));
            }
            ("[b]", Some((k, _))) => out.push(format!("b.{k}=0")),
            _ => {
                if let Some((_, o)) = c.rsplit_once(": ") {
                    options = o.to_string();
                }
            }
        }
    }
    out
}

fn round_state(dir: &Path, round: i64) -> (Stage, u32, Vec<usize>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = ansinh_store_sqlite::SqliteStore::open(&dir.join("ansinh.db"))
            .await
            .unwrap();
        let r = s.review_round(RoundId(round)).await.unwrap();
        let snaps = s.snapshots(RoundId(round)).await.unwrap();
        s.close().await;
        (
            r.round.stage,
            r.round.approvals,
            snaps.iter().map(|x| x.entries.len()).collect(),
        )
    })
}

#[test]
fn a_round_walks_from_open_to_approved_with_the_cli_alone() {
    let dir = fresh("walk");
    let mut import = vec!["import".to_string()];
    import.extend(
        ["don-vi.csv", "ho-gia-dinh.csv", "thanh-vien.csv"]
            .iter()
            .map(|f| demo(f)),
    );
    let args: Vec<&str> = import.iter().map(String::as_str).collect();
    ok(&dir, &args);

    let review = |rest: &[&str]| -> Vec<String> {
        let mut v = vec!["review".to_string(), "--actor".into(), "can-bo-xa".into()];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let run = |rest: &[&str]| {
        let v = review(rest);
        let a: Vec<&str> = v.iter().map(String::as_str).collect();
        ok(&dir, &a)
    };
    let fails = |rest: &[&str]| {
        let v = review(rest);
        let a: Vec<&str> = v.iter().map(String::as_str).collect();
        let (ok, out, err) = ansinh(&dir, &a);
        assert!(!ok, "ansinh {a:?} succeeded:\n{out}");
        err
    };

    let round = run(&[
        "open",
        "--commune",
        "1101",
        "--year",
        "2025",
        "--date",
        "15/09/2025",
    ])
    .trim()
    .to_string();
    let id: i64 = round.parse().unwrap();
    // The list: every household of the commune, added in the listing step.
    let status = run(&["status", &round]);
    assert!(
        status.contains(&format!("ansinh review list {round}")),
        "{status}"
    );
    assert!(
        !status.contains("review reopen"),
        "no reopen at the first step: {status}"
    );
    run(&["list", &round, "--all", "--date", "16/09/2025"]);
    let codes = listed(&dir, &round);
    assert_eq!(codes.len(), 4, "{codes:?}");
    run(&[
        "advance",
        &round,
        "--to",
        "close-list",
        "--date",
        "17/09/2025",
    ]);
    let err = fails(&["list", &round, "--all", "--date", "17/09/2025"]);
    assert!(err.contains("REVIEW_"), "list closed: {err}");

    // Scoring: the next actions are the web's (forms, finish, and reopen from the second step on).
    let status = run(&["status", &round]);
    assert!(status.contains("form-template"), "{status}");
    assert!(
        status.contains(&format!("review reopen {round} --to listing")),
        "{status}"
    );
    let err = fails(&[
        "advance",
        &round,
        "--to",
        "finish-scoring",
        "--date",
        "18/09/2025",
    ]);
    assert!(err.contains("REVIEW_UNSCORED"), "{err}");
    // The first household through a file the officer edits, the others with flags only.
    let template = run(&[
        "form-template",
        &round,
        "--household",
        &codes[0],
        "--date",
        "20/09/2025",
    ]);
    assert!(
        template.contains("[a]") && template.contains("[b]"),
        "{template}"
    );
    let mut filled = String::new();
    for l in template.lines() {
        filled.push_str(l);
        filled.push('\n');
        if l == "[a]" || l == "[b]" {
            let key = if l == "[a]" { "a." } else { "b." };
            for c in completions(&template)
                .iter()
                .filter_map(|c| c.strip_prefix(key))
            {
                let (k, v) = c.split_once('=').unwrap();
                filled.push_str(&format!("{k} = \"{v}\"\n"));
            }
        }
    }
    let file = dir.join("phieu.toml");
    std::fs::write(&file, &filled).unwrap();
    let saved = run(&[
        "form",
        &round,
        "--household",
        &codes[0],
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(saved.contains("score A"), "{saved}");
    for c in &codes[1..] {
        // Unanswered questions are refused with their code, then filled in with flags.
        let err = fails(&["form", &round, "--household", c, "--date", "20/09/2025"]);
        assert!(err.contains("SCORE_MISSING_ANSWER"), "{err}");
        let t = run(&[
            "form-template",
            &round,
            "--household",
            c,
            "--date",
            "20/09/2025",
        ]);
        let mut v = vec!["form", &round, "--household", c, "--date", "20/09/2025"];
        let sets = completions(&t);
        for x in &sets {
            v.push("--set");
            v.push(x);
        }
        run(&v);
    }
    let err = fails(&[
        "form",
        &round,
        "--household",
        "HN-9999",
        "--date",
        "20/09/2025",
    ]);
    assert!(err.contains("HN-9999"), "{err}");
    run(&[
        "advance",
        &round,
        "--to",
        "finish-scoring",
        "--date",
        "21/09/2025",
    ]);

    // The village meeting: a vote missing is refused with its code; then every result agreed.
    let meeting = |votes: &[String]| {
        let mut v = vec![
            "meeting".to_string(),
            round.clone(),
            "--village".into(),
            "Thôn Đồng Mai".into(),
            "--date".into(),
            "25/09/2025".into(),
            "--attendees".into(),
            "30".into(),
            "--participant".into(),
            "chair=Trưởng thôn".into(),
            "--participant".into(),
            "secretary=Thư ký".into(),
        ];
        for x in votes {
            v.push("--vote".into());
            v.push(x.clone());
        }
        v
    };
    let some: Vec<String> = vec![format!("{}=25:5", codes[0])];
    let v = meeting(&some);
    let a: Vec<&str> = v.iter().map(String::as_str).collect();
    let err = fails(&a);
    assert!(err.contains("REVIEW_VOTES_MISSING"), "{err}");
    let all: Vec<String> = codes.iter().map(|c| format!("{c}=25:5")).collect();
    let v = meeting(&all);
    let a: Vec<&str> = v.iter().map(String::as_str).collect();
    let out = run(&a);
    assert!(out.contains("→"), "{out}");

    // Posting, a complaint and its settlement, the end of posting after the posting period.
    run(&["advance", &round, "--to", "post", "--date", "01/10/2025"]);
    let out = run(&[
        "complaint",
        &round,
        "--household",
        &codes[1],
        "--date",
        "02/10/2025",
        "--text",
        "Hộ đề nghị xem lại điểm B",
    ]);
    let complaint = out
        .trim()
        .rsplit("filed complaint ")
        .next()
        .unwrap()
        .to_string();
    assert!(complaint.parse::<i64>().is_ok(), "{out}");
    let status = run(&["status", &round]);
    assert!(
        status.contains(&format!("complaint {complaint}")),
        "{status}"
    );
    run(&[
        "resolve",
        &round,
        "--complaint",
        &complaint,
        "--outcome",
        "rejected",
        "--date",
        "05/10/2025",
        "--note",
        "Giữ nguyên kết quả",
    ]);
    run(&[
        "advance",
        &round,
        "--to",
        "end-posting",
        "--date",
        "10/10/2025",
    ]);
    run(&[
        "advance",
        &round,
        "--to",
        "close-complaints",
        "--date",
        "10/10/2025",
    ]);
    // Approving before the upper level's opinion is refused by the state machine.
    let err = fails(&["approve", &round, "--date", "11/10/2025"]);
    assert!(err.contains("REVIEW_OUT_OF_ORDER"), "{err}");
    run(&[
        "advance",
        &round,
        "--to",
        "record-consultation",
        "--date",
        "12/10/2025",
    ]);
    let out = run(&["approve", &round, "--date", "20/10/2025"]);
    assert!(
        out.contains("snapshot") && out.contains("(4 households)"),
        "{out}"
    );
    let (stage, approvals, snaps) = round_state(&dir, id);
    assert_eq!((stage, approvals, snaps), (Stage::Approved, 1, vec![4]));
    let status = run(&["status", &round]);
    assert!(status.contains("--to report"), "{status}");

    // Reopened with a reason to the decision, approved again: a new snapshot, the old one kept.
    let err = fails(&[
        "reopen",
        &round,
        "--to",
        "decision",
        "--date",
        "21/10/2025",
        "--reason",
        " ",
    ]);
    assert!(err.contains("REVIEW_REASON_REQUIRED"), "{err}");
    run(&[
        "reopen",
        &round,
        "--to",
        "decision",
        "--date",
        "21/10/2025",
        "--reason",
        "Sửa sai sót trong quyết định",
    ]);
    run(&["approve", &round, "--date", "22/10/2025"]);
    let (stage, approvals, snaps) = round_state(&dir, id);
    assert_eq!((stage, approvals, snaps), (Stage::Approved, 2, vec![4, 4]));
    let _ = std::fs::remove_dir_all(&dir);
}
