//! The registry commands end to end on SQLite: import of the demo files (and again: nothing changes),
//! rejected rows written as a workbook that imports once fixed, an import killed with SIGKILL leaving
//! the registry as it was, export round trips, backup and restore, quality.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ansinh"));
    c.env_remove("ANSINH_DATABASE");
    c
}

fn ansinh(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = bin().current_dir(dir).args(args).output().unwrap();
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

fn demo_files() -> Vec<String> {
    ["don-vi.csv", "ho-gia-dinh.csv", "thanh-vien.csv"]
        .iter()
        .map(|f| demo(f))
        .collect()
}

fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ansinh-cli-reg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Households and members in a database, read back through a CSV export.
fn counts(dir: &Path, db: &str) -> (usize, usize) {
    let out = dir.join(format!("count-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let (ok, _, err) = ansinh(
        dir,
        &["export", "--database", db, "--out", out.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let lines = |f: &str| {
        std::fs::read_to_string(out.join(f))
            .unwrap()
            .lines()
            .count()
            - 1
    };
    let r = (lines("households.csv"), lines("members.csv"));
    std::fs::remove_dir_all(&out).unwrap();
    r
}

#[test]
fn demo_import_is_idempotent_and_round_trips_through_every_format() {
    let dir = fresh("demo");
    let mut args = vec!["import", "--as-of", "15/01/2025"];
    let files = demo_files();
    args.extend(files.iter().map(String::as_str));
    let (ok, _, err) = ansinh(&dir, &args);
    assert!(ok, "{err}");
    assert!(err.contains("8 hộ mới / new households"), "{err}");
    assert!(err.contains("26 thành viên mới / new members"), "{err}");
    let (ok, _, err) = ansinh(&dir, &args);
    assert!(ok && err.contains("nothing changed"), "{err}");
    for out in ["reg.xlsx", "reg-csv", "reg-pq"] {
        let mut a = vec!["export", "--out", out];
        if out == "reg-pq" {
            a.extend(["--format", "parquet"]);
        }
        let (ok, _, err) = ansinh(&dir, &a);
        assert!(ok, "{err}");
        // Into a fresh database: everything; into the same one: nothing changes.
        let files: Vec<String> = if out.ends_with("xlsx") {
            vec![out.to_string()]
        } else {
            std::fs::read_dir(dir.join(out))
                .unwrap()
                .map(|e| e.unwrap().path().display().to_string())
                .collect()
        };
        let db = format!("{out}.db");
        let mut a = vec!["import", "--database", &db, "--as-of", "20/01/2025"];
        a.extend(files.iter().map(String::as_str));
        let (ok, _, err) = ansinh(&dir, &a);
        assert!(
            ok && err.contains("8 hộ mới / new households"),
            "{out}: {err}"
        );
        let mut a = vec!["import", "--as-of", "21/01/2025"];
        a.extend(files.iter().map(String::as_str));
        let (ok, _, err) = ansinh(&dir, &a);
        assert!(ok && err.contains("nothing changed"), "{out}: {err}");
    }
    let (ok, out, _) = ansinh(&dir, &["quality", "--as-of", "15/01/2025", "--en"]);
    assert!(ok);
    assert!(
        out.contains("[QUAL_SAME_PERSON]") && out.contains("HN-1004") && out.contains("HN-1006"),
        "{out}"
    );
    assert!(
        out.contains("[QUAL_INCOME_MISSING] household HN-1007"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rejected_rows_are_reported_and_the_fixed_workbook_imports() {
    let dir = fresh("rejected");
    let members = std::fs::read_to_string(demo("thanh-vien.csv")).unwrap();
    // Break two member rows of HN-1002: a bad sex and a bad date.
    let broken: String = members
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
            if f[1] == "Đỗ Văn Minh" {
                f[2] = "Chồng".into();
            }
            if f[1] == "Đỗ Thị Ngọc" {
                f[3] = "31/02/2013".into();
            }
            f.join(",") + "\n"
        })
        .collect();
    assert_ne!(broken, members);
    let m = dir.join("thanh-vien.csv");
    std::fs::write(&m, &broken).unwrap();
    let (u, h) = (demo("don-vi.csv"), demo("ho-gia-dinh.csv"));
    let args = [
        "import",
        "--as-of",
        "15/01/2025",
        &u,
        &h,
        m.to_str().unwrap(),
    ];
    // Default: the whole file is rejected, nothing written, exit 1.
    let (ok, out, err) = ansinh(&dir, &args);
    assert!(!ok, "{err}");
    assert!(out.contains("dòng / row"), "{out}");
    assert!(
        out.contains("IMP_CHOICE") && out.contains("IMP_VALUE"),
        "{out}"
    );
    assert!(
        out.contains("is not a value of `relation to the head`"),
        "{out}"
    );
    assert!(err.contains("nothing written because of errors"), "{err}");
    let rejected = dir.join("ho-gia-dinh-loi.xlsx");
    assert!(rejected.exists());
    assert_eq!(counts(&dir, "ansinh.db"), (0, 0));
    // Take the valid rows: 7 households; HN-1002 and all its rows are in the rejected workbook.
    let mut a = args.to_vec();
    a.extend(["--on-error", "take-valid"]);
    let (ok, _, err) = ansinh(&dir, &a);
    assert!(ok, "{err}");
    assert!(err.contains("7 hộ mới / new households"), "{err}");
    assert_eq!(counts(&dir, "ansinh.db"), (7, 22));
    // The rejected workbook: the household row and its four member rows, with the reasons.
    let xlsx = {
        use calamine::{Reader, open_workbook_auto};
        let mut wb = open_workbook_auto(&rejected).unwrap();
        let mut text = String::new();
        for s in wb.sheet_names() {
            let r = wb.worksheet_range(&s).unwrap();
            text.push_str(&format!("[{s}] {} rows\n", r.height()));
            for row in r.rows() {
                text.push_str(
                    &row.iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join("|"),
                );
                text.push('\n');
            }
        }
        text
    };
    assert!(xlsx.contains("[Thành viên] 5 rows"), "{xlsx}");
    assert!(xlsx.contains("[Hộ gia đình] 2 rows"), "{xlsx}");
    assert!(
        xlsx.contains("Lỗi (tiếng Việt)") && xlsx.contains("Error (English)"),
        "{xlsx}"
    );
    assert!(xlsx.contains("IMP_HOUSEHOLD_REJECTED"), "{xlsx}");
    // Fix the workbook's cells (here: rewrite it with the original values) and import it alone.
    let fixed = dir.join("fixed.xlsx");
    {
        use calamine::{Data, Reader, open_workbook_auto};
        let mut wb = open_workbook_auto(&rejected).unwrap();
        let mut out = rust_xlsxwriter::Workbook::new();
        for s in wb.sheet_names() {
            let r = wb.worksheet_range(&s).unwrap();
            let ws = out.add_worksheet();
            ws.set_name(&s).unwrap();
            for (i, row) in r.rows().enumerate() {
                for (j, c) in row.iter().enumerate() {
                    let mut v = match c {
                        Data::Empty => continue,
                        other => other.to_string(),
                    };
                    if v == "Chồng" {
                        v = "Vợ/chồng".into();
                    }
                    if v == "31/02/2013" {
                        v = "28/02/2013".into();
                    }
                    ws.write_string(i as u32, j as u16, v).unwrap();
                }
            }
        }
        out.save(&fixed).unwrap();
    }
    let (ok, out, err) = ansinh(
        &dir,
        &["import", "--as-of", "15/01/2025", fixed.to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    assert!(err.contains("1 hộ mới / new households"), "{err}");
    assert_eq!(counts(&dir, "ansinh.db"), (8, 26));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A big generated import (CSV), for the kill test.
fn big_files(dir: &Path, n: usize) -> (PathBuf, PathBuf, PathBuf) {
    let u = dir.join("units.csv");
    std::fs::write(
        &u,
        "unit_code,unit_name,unit_kind,parent_code,valid_from\n01,Hà Nội,central_city,,2008-01-01\n1101,Yên Nghĩa,commune,01,2008-01-01\n",
    )
    .unwrap();
    let h = dir.join("households.csv");
    let m = dir.join("members.csv");
    let mut hs = String::from("household_code,unit_code,head_name,address,monthly_income_vnd\n");
    let mut ms = String::from("household_code,full_name,relation,date_of_birth,citizen_id\n");
    for i in 0..n {
        hs.push_str(&format!(
            "K{i},1101,Nguyễn Văn {i},Thôn 1,{}\n",
            1_000_000 + i
        ));
        ms.push_str(&format!(
            "K{i},Nguyễn Văn {i},head,1980-01-01,002080{i:06}\n"
        ));
        ms.push_str(&format!("K{i},Lê Thị {i},spouse,1982-02-02,\n"));
        ms.push_str(&format!("K{i},Nguyễn Thị {i},child,2010-03-03,\n"));
    }
    std::fs::write(&h, hs).unwrap();
    std::fs::write(&m, ms).unwrap();
    (u, h, m)
}

#[test]
fn an_import_killed_part_way_leaves_the_registry_as_it_was() {
    let dir = fresh("kill");
    let files = demo_files();
    let mut a = vec!["import", "--as-of", "15/01/2025"];
    a.extend(files.iter().map(String::as_str));
    let (ok, _, err) = ansinh(&dir, &a);
    assert!(ok, "{err}");
    let before = counts(&dir, "ansinh.db");
    let (u, h, m) = big_files(&dir, 30_000);
    let after = (before.0 + 30_000, before.1 + 90_000);
    // The store's test hook stops the import inside its write transaction (households already
    // inserted, nothing committed) and says so on stderr: the kill lands there, every time.
    let mut child = bin()
        .current_dir(&dir)
        .env("ANSINH_TEST_PAUSE_IN_WRITE", "import")
        .args([
            "import",
            "--as-of",
            "15/01/2025",
            u.to_str().unwrap(),
            h.to_str().unwrap(),
            m.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut paused = false;
    for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
        if line.unwrap().contains("ANSINH_TEST_PAUSED_IN_WRITE import") {
            paused = true;
            break;
        }
    }
    assert!(paused, "the import never reached its write phase");
    // Households inserted inside the transaction, nothing committed.
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(counts(&dir, "ansinh.db"), before, "killed inside the write");
    // The registry still works and the import then goes through whole.
    let (ok, _, err) = ansinh(
        &dir,
        &[
            "import",
            "--as-of",
            "15/01/2025",
            u.to_str().unwrap(),
            h.to_str().unwrap(),
            m.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(counts(&dir, "ansinh.db"), after);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn backup_is_verified_and_restore_replaces_everything() {
    let dir = fresh("backup");
    let files = demo_files();
    let mut a = vec!["import", "--as-of", "15/01/2025"];
    a.extend(files.iter().map(String::as_str));
    assert!(ansinh(&dir, &a).0);
    let (ok, _, err) = ansinh(&dir, &["backup", "b.db"]);
    assert!(ok, "{err}");
    assert!(dir.join("b.db.sha256").exists());
    // Change the registry after the backup.
    let (u, h, m) = big_files(&dir, 10);
    let (ok, _, err) = ansinh(
        &dir,
        &[
            "import",
            "--as-of",
            "15/01/2025",
            u.to_str().unwrap(),
            h.to_str().unwrap(),
            m.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(counts(&dir, "ansinh.db"), (18, 56));
    // A damaged backup is refused and nothing changes.
    let mut bytes = std::fs::read(dir.join("b.db")).unwrap();
    std::fs::copy(dir.join("b.db"), dir.join("bad.db")).unwrap();
    std::fs::copy(dir.join("b.db.sha256"), dir.join("bad.db.sha256")).unwrap();
    let k = bytes.len() / 2;
    bytes[k] ^= 0xff;
    std::fs::write(dir.join("bad.db"), &bytes).unwrap();
    let (ok, _, err) = ansinh(&dir, &["restore", "bad.db"]);
    assert!(!ok && err.contains("BACKUP_CHECKSUM"), "{err}");
    assert_eq!(counts(&dir, "ansinh.db"), (18, 56));
    let (ok, _, err) = ansinh(&dir, &["restore", "b.db"]);
    assert!(ok, "{err}");
    assert_eq!(counts(&dir, "ansinh.db"), (8, 26));
    // The restored registry is whole: importing the demo again changes nothing.
    let (ok, _, err) = ansinh(&dir, &a);
    assert!(ok && err.contains("nothing changed"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_template_has_every_table_and_imports_empty() {
    let dir = fresh("template");
    let (ok, _, err) = ansinh(&dir, &["template", "--out", "mau.xlsx"]);
    assert!(ok, "{err}");
    use calamine::{Reader, open_workbook_auto};
    let wb = open_workbook_auto(dir.join("mau.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Hộ gia đình",
            "Thành viên",
            "Đơn vị hành chính",
            "Hướng dẫn"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_34_provinces_since_july_2025_load_from_the_shipped_unit_list() {
    let dir = fresh("provinces");
    let list = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/units/tinh-thanh-2025.csv")
        .display()
        .to_string();
    let (ok, out, err) = ansinh(&dir, &["import", "--database", "p.db", &list]);
    assert!(ok, "{err}");
    let text = format!("{out}{err}");
    assert!(text.contains("34 đơn vị mới / new units"), "{text}");
    let (ok, out, err) = ansinh(&dir, &["import", "--database", "p.db", &list]);
    assert!(ok, "{err}");
    assert!(format!("{out}{err}").contains("nothing changed"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reimporting_a_file_with_fewer_columns_keeps_what_is_recorded() {
    let dir = fresh("fewer-columns");
    let files = demo_files();
    let mut args = vec!["import", "--database", "r.db"];
    args.extend(files.iter().map(String::as_str));
    let (ok, _, err) = ansinh(&dir, &args);
    assert!(ok, "{err}");
    // The households file without its water-source column.
    let text = std::fs::read_to_string(demo("ho-gia-dinh.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let drop = header
        .iter()
        .position(|h| *h == "Nguồn nước sinh hoạt")
        .unwrap();
    let keep = |l: &str| {
        l.split(',')
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, v)| v)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut thin = keep(&header.join(","));
    for l in lines {
        thin.push('\n');
        thin.push_str(&keep(l));
    }
    let thin_path = dir.join("ho-gia-dinh-it-cot.csv");
    std::fs::write(&thin_path, thin).unwrap();
    let (ok, out, err) = ansinh(
        &dir,
        &[
            "import",
            "--database",
            "r.db",
            thin_path.to_str().unwrap(),
            &files[2],
        ],
    );
    assert!(ok, "{err}");
    assert!(
        format!("{out}{err}").contains("nothing changed"),
        "{out}{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ansinh users`: an administrator and a commune officer made from the command line; a role other
/// than administrator needs a unit; the last administrator cannot be disabled; a new password is
/// printed once and never stored in clear.
#[test]
fn accounts_from_the_command_line() {
    let dir = fresh("users");
    let d = dir.as_path();
    let (ok, _, err) = ansinh(d, &["import", &demo("don-vi.csv")]);
    assert!(ok, "{err}");
    let (ok, out, err) = ansinh(
        d,
        &[
            "users",
            "add",
            "quantri",
            "--role",
            "admin",
            "--name",
            "Quản trị",
        ],
    );
    assert!(ok, "{err}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("mật khẩu / password: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert_eq!(password.len(), 16);
    // A commune officer without a unit is refused; with the commune's code it is made.
    let (ok, _, err) = ansinh(
        d,
        &[
            "users",
            "add",
            "xa.a",
            "--role",
            "commune",
            "--name",
            "Cán bộ",
        ],
    );
    assert!(!ok && err.contains("ACC_UNIT_REQUIRED"), "{err}");
    let (ok, _, err) = ansinh(
        d,
        &[
            "users",
            "add",
            "xa.a",
            "--role",
            "commune",
            "--name",
            "Cán bộ",
            "--unit",
            "1101",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = ansinh(
        d,
        &[
            "users",
            "add",
            "xa.a",
            "--role",
            "commune",
            "--name",
            "Cán bộ",
            "--unit",
            "NOPE",
        ],
    );
    assert!(!ok && err.contains("ACC_UNIT_UNKNOWN"), "{err}");
    // A partner agency names the agency whose list it receives, one of the partner lists.
    let partner = |agency: Option<&'static str>| {
        let mut v = vec![
            "users", "add", "bhxh.a", "--role", "partner", "--name", "BHXH", "--unit", "1101",
        ];
        if let Some(a) = agency {
            v.extend(["--agency", a]);
        }
        v
    };
    let (ok, _, err) = ansinh(d, &partner(None));
    assert!(!ok && err.contains("ACC_AGENCY_REQUIRED"), "{err}");
    let (ok, _, err) = ansinh(d, &partner(Some("nope")));
    assert!(
        !ok && err.contains("ACC_AGENCY_UNKNOWN") && err.contains("bhxh"),
        "{err}"
    );
    let (ok, _, err) = ansinh(d, &partner(Some("bhxh")));
    assert!(ok, "{err}");
    let (ok, _, err) = ansinh(d, &["users", "set", "bhxh.a", "--agency", "school"]);
    assert!(ok, "{err}");
    let (ok, out, err) = ansinh(d, &["users", "list"]);
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("bhxh.a")).unwrap();
    assert!(line.contains("school"), "{line}");
    assert!(out.contains("quantri") && out.contains("admin"), "{out}");
    assert!(
        out.contains("xa.a") && out.contains("Xã Yên Nghĩa"),
        "{out}"
    );
    assert!(
        !out.contains(&password) && !out.contains("argon2"),
        "no secrets listed"
    );
    let (ok, _, err) = ansinh(d, &["users", "disable", "quantri"]);
    assert!(!ok && err.contains("ACC_LAST_ADMIN"), "{err}");
    let (ok, out, _) = ansinh(d, &["users", "passwd", "quantri"]);
    assert!(ok && !out.contains(&password), "a new password: {out}");
    let db = std::fs::read(d.join("ansinh.db")).unwrap();
    assert!(
        !db.windows(password.len()).any(|w| w == password.as_bytes()),
        "the password is stored only as its hash"
    );
    let _ = std::fs::remove_dir_all(d);
}
