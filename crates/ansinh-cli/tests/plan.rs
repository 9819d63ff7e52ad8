//! `ansinh policies …` and `ansinh plan …` end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::collections::BTreeSet;
use std::process::Command;

fn ansinh(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ansinh"))
        .args(args)
        .env_remove("ANSINH_POLICIES")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn policies_list_show_and_check() {
    let (ok, out, _) = ansinh(&["policies", "list"]);
    assert!(ok);
    for id in [
        "vn-bhyt-poor",
        "hn-r17-monthly",
        "hd-savings-book",
        "vn-electricity-support",
    ] {
        assert!(out.contains(id), "{id} missing from\n{out}");
    }
    assert!(out.contains("[UNCONFIRMED]"));
    let (ok, out, _) = ansinh(&["policies", "show", "vn-bhyt-poor", "--year", "2023"]);
    assert!(ok, "{out}");
    assert!(out.contains("2023: 888.300 đ"), "{out}");
    assert!(
        out.contains("06/2023: 67.050 đ") && out.contains("07/2023: 81.000 đ"),
        "{out}"
    );
    let (ok, out, _) = ansinh(&["policies", "check"]);
    assert!(ok && out.starts_with("OK: "), "{out}");
    let (ok, _, err) = ansinh(&["policies", "show", "nope"]);
    assert!(!ok && err.contains("unknown policy `nope`"));
}

#[test]
fn a_broken_policy_file_is_reported_with_line_and_column() {
    let dir = std::env::temp_dir().join(format!("ansinh-cli-pol-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.toml");
    std::fs::write(
        &f,
        "[[policy]]\nid = \"x\"\nname.vi = \"a\"\nname.en = \"b\"\nlegal_basis = \"c\"\nvalid_from = 2022-01-01\nagency = \"d\"\neligible = \"status == rich\"\nunit = \"person\"\namount = { formula = \"1\", per = \"month\" }\nfunding = [{ source = \"city_budget\", share = \"100%\" }]\n",
    )
    .unwrap();
    let (ok, _, err) = ansinh(&["policies", "check", f.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok);
    assert!(err.contains("bad.toml:8:23: [POL_EXPR]"), "{err}");
}

#[test]
fn plan_check_reports_the_hanoi_inconsistencies_with_their_formula() {
    let (ok, out, _) = ansinh(&["plan", "check", "hanoi-2022-2025-appendix-1"]);
    assert!(!ok, "inconsistent cells make the check fail");
    assert!(out.contains("poor_hh[y2025]"), "{out}");
    assert!(out.contains("printed 1.416; recomputed 1.415"));
    assert!(out.contains("formula: prev(poor_hh) - prev(poor_reduced)"));
    assert!(out.contains("farm_amount[y2022]") && out.contains("printed 6.437; recomputed 1.931"));
    assert!(out.contains("reproduces the printed value"));
    assert!(out.contains("UNCONFIRMED"));
    assert!(out.contains("26 không khớp / inconsistent"), "{out}");
}

#[test]
fn plan_check_of_da_nang_as_json() {
    let (ok, out, _) = ansinh(&["plan", "check", "da-nang-2023-plan-66", "--json"]);
    assert!(!ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bad: Vec<String> = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "inconsistent")
        .map(|c| {
            format!(
                "{}[{}] {} → {}",
                c["row"].as_str().unwrap(),
                c["column"].as_str().unwrap(),
                c["printed"].as_str().unwrap(),
                c["recomputed"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        bad,
        vec![
            "city[np_reduced_pct] 0,44 → 0,43",
            "hai_chau[np_reduced_pct] 0,18 → 0,17",
            "lien_chieu[np_reduced_pct] 0,30 → 0,28"
        ]
    );
}

#[test]
fn plan_check_of_a_plan_file_path_and_a_consistent_plan() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = root.join("plans/ha-dong-2024-near-poor-exit.toml");
    let (ok, out, _) = ansinh(&["plan", "check", p.to_str().unwrap(), "--all"]);
    assert!(!ok);
    assert!(
        out.contains("education[amount]")
            && out.contains("printed 811.500.000; recomputed 873.000.000"),
        "{out}"
    );
    assert!(
        out.contains("grand_total[amount]"),
        "--all prints consistent cells too"
    );
}

#[test]
fn plan_forecast_per_policy_year_and_source() {
    let (ok, out, err) = ansinh(&["plan", "forecast", "hanoi-2022-2025-forecast"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("poor_households: 2022: 3.612 (0,16%) −723"),
        "{out}"
    );
    assert!(out.contains("hn-bhyt-poor-near-poor"));
    assert!(out.contains("by funding source:") && out.contains("city_budget"));
    assert!(out.contains("total: "));
    let (ok, out, _) = ansinh(&["plan", "forecast", "hanoi-2022-2025-forecast", "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let total: i128 = v["total_vnd"].as_str().unwrap().parse().unwrap();
    let by_year: i128 = v["by_year"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_str().unwrap().parse::<i128>().unwrap())
        .sum();
    assert_eq!(total, by_year);
}

#[test]
fn targets_list_show_check_and_progress() -> Result<(), Box<dyn std::error::Error>> {
    let (ok, out, _) = ansinh(&["targets", "list"]);
    assert!(ok);
    for id in [
        "da-nang-2023",
        "hanoi-2022-2025",
        "ha-nam-2017",
        "demo-2025-2026",
    ] {
        assert!(out.contains(id), "{id} missing from\n{out}");
    }
    // The Đà Nẵng projection prints the plan's own rates, city and districts.
    let (ok, out, err) = ansinh(&["targets", "show", "da-nang-2023", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let city = &v["units"][0];
    assert_eq!(city["code"], "48");
    let poor = &city["tracks"][0]["years"][0];
    assert_eq!(
        (
            &poor["start"],
            &poor["reduced"],
            &poor["end"],
            &poor["end_rate"]
        ),
        (
            &serde_json::json!(6271),
            &serde_json::json!(2083),
            &serde_json::json!(4188),
            &serde_json::json!("1.39")
        )
    );
    assert_eq!(v["unconfirmed"].as_array().map(Vec::len), Some(1));
    let (ok, out, _) = ansinh(&["targets", "show", "hanoi-2022-2025"]);
    assert!(ok);
    assert!(
        out.contains("2022        3.612    0,16%        723"),
        "{out}"
    );
    // Checking: the built-in files pass; a broken file names its line and column and fails.
    let (ok, out, _) = ansinh(&["targets", "check"]);
    assert!(
        ok && out.contains("targets/da-nang-2023.toml: ok (8 units"),
        "{out}"
    );
    let dir = std::env::temp_dir().join(format!("ansinh-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"x\"\ntitle.vi = \"a\"\ntitle.en = \"a\"\nsource = \"s\"\njurisdiction = \"01\"\nyears = [2025]\n[[unit]]\ncode = \"01\"\nlabel = \"T\"\npoor = { start = 10, reductions = [\"1pt\"] }\n",
    )?;
    let bad_path = bad.to_string_lossy();
    let (ok, _, err) = ansinh(&["targets", "check", &bad_path]);
    assert!(!ok);
    assert!(
        err.contains("bad.toml:10:8: [TGT_VALUE]") && err.contains("needs the unit's `households`"),
        "{err}"
    );
    // Progress on a registry without approved rounds: every year waits for its data.
    let db = dir.join("empty.db");
    let (ok, out, err) = ansinh(&[
        "targets",
        "progress",
        "demo-2025-2026",
        "--database",
        &db.to_string_lossy(),
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let list = |x: &serde_json::Value| x.as_array().cloned().unwrap_or_default();
    let statuses: BTreeSet<String> = list(&v["units"])
        .iter()
        .flat_map(|u| list(&u["tracks"]))
        .flat_map(|t| list(&t["years"]))
        .map(|y| y["status"].as_str().unwrap_or("missing").to_string())
        .collect();
    assert_eq!(statuses, BTreeSet::from(["no_data".to_string()]));
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
