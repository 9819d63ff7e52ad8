//! Every user-visible error of the domain and of tabular, through `Coded`: one example of each variant,
//! each with a non-empty Vietnamese and English message that differ, and no code shared by two kinds
//! of error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::collections::BTreeMap;
use std::path::PathBuf;

use ansinh_domain::Coded;
use ansinh_domain::expr::{ExprError, Span};
use ansinh_domain::file_error::{CODES, FileError};
use ansinh_domain::registry::RegistryError;
use ansinh_domain::review::{Edit, ReviewError, Role, Stage};
use ansinh_tabular::TabularError;

fn samples() -> Vec<(&'static str, Box<dyn Coded>)> {
    let f = || PathBuf::from("h.csv");
    // A date (its type is the review's date type, inferred from the fields below).
    let d = "2024-09-01".parse().unwrap();
    let mut v: Vec<(&'static str, Box<dyn Coded>)> = Vec::new();
    for code in CODES {
        v.push((
            "FileError",
            Box::new(FileError::new("x.toml", code, "detail")),
        ));
    }
    let review = vec![
        ReviewError::OutOfOrder {
            action: "post",
            action_en: "post the results",
            action_vi: "niêm yết",
            stage: Stage::Listing,
            expected: Some(Stage::Posting),
        },
        ReviewError::Locked {
            stage: Stage::Listing,
        },
        ReviewError::NotEditable {
            edit: Edit::List,
            stage: Stage::Posting,
        },
        ReviewError::DateOrder { on: d, previous: d },
        ReviewError::OutsideWindow {
            on: d,
            start: d,
            end: d,
        },
        ReviewError::EmptyList,
        ReviewError::Unscored {
            households: vec!["H1".into()],
        },
        ReviewError::BadTally { detail: "x".into() },
        ReviewError::MissingRole { role: Role::Chair },
        ReviewError::NotPosted,
        ReviewError::PostingNotEnded { until: d },
        ReviewError::ComplaintClosed,
        ReviewError::OpenComplaints { count: 2 },
        ReviewError::ComplaintResolved,
        ReviewError::NoteRequired,
        ReviewError::ReasonRequired,
        ReviewError::ReopenTarget {
            from: Stage::Posting,
            to: Stage::Decision,
        },
        ReviewError::AlreadyListed {
            household: "H1".into(),
        },
        ReviewError::NotListed {
            household: "H1".into(),
        },
        ReviewError::NoTables {
            standard: "s".into(),
        },
        ReviewError::UnknownRegion { region: "r".into() },
        ReviewError::UnknownAnswer {
            what: "option",
            id: "o".into(),
        },
        ReviewError::MissingAnswer {
            missing: vec!["a".into()],
        },
    ];
    for e in review {
        v.push(("ReviewError", Box::new(e)));
    }
    let registry = vec![
        RegistryError::CitizenIdLength { found: 3 },
        RegistryError::CitizenIdDigit { position: 2 },
        RegistryError::CitizenIdProvince { code: "099".into() },
        RegistryError::Code {
            what: "unit",
            value: "x".into(),
        },
        RegistryError::Choice {
            field: "area",
            value: "x".into(),
        },
    ];
    for e in registry {
        v.push(("RegistryError", Box::new(e)));
    }
    v.push((
        "ExprError",
        Box::new(ExprError::new(
            Span { start: 0, end: 1 },
            "unknown name `x`",
        )),
    ));
    let tabular = vec![
        TabularError::Io {
            file: f(),
            reason: "r".into(),
        },
        TabularError::Format {
            file: f(),
            format: "CSV",
            reason: "r".into(),
        },
        TabularError::Empty { file: f() },
        TabularError::MissingColumn {
            file: f(),
            column: "c".into(),
        },
        TabularError::Cell {
            file: f(),
            row: 2,
            column: "c".into(),
            reason: "r".into(),
        },
        TabularError::UnknownType { file: f() },
        TabularError::Write {
            file: f(),
            reason: "r".into(),
        },
    ];
    for e in tabular {
        v.push(("TabularError", Box::new(e)));
    }
    v
}

#[test]
fn codes_are_unique_across_kinds_and_every_message_has_both_languages() {
    let mut owner: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    for (kind, e) in samples() {
        let code = e.code();
        assert!(
            !code.is_empty() && code == code.to_uppercase(),
            "{kind}: `{code}`"
        );
        if let Some(other) = owner.insert(code, kind) {
            assert_eq!(other, kind, "{code} is used by {other} and {kind}");
        }
        let (vi, en) = (e.vi(), e.en());
        assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{code}");
        assert_ne!(vi, en, "{code}: the Vietnamese message is the English one");
    }
    // Every kind is listed.
    assert!(owner.len() > 60, "{}", owner.len());
}
