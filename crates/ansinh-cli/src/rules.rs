//! The rulebook of a run: built in, or from `--rules-dir`, with `--standards-dir` and `--policies-dir`
//! replacing just their kind; and how file errors are reported.

use std::path::Path;

use anyhow::{Result, anyhow};

use ansinh_domain::{FileError, StandardSet};
use ansinh_rulebook::{Files, Kind, Rulebook};

/// The rulebook: the built-in rules or a rules folder's, with the standards and the policies replaced
/// by their own folders when given.
pub fn load_rules(
    rules_dir: Option<&Path>,
    standards_dir: Option<&Path>,
    policies_dir: Option<&Path>,
) -> std::result::Result<Rulebook, Vec<FileError>> {
    let mut files = match rules_dir {
        Some(d) => Files::from_folder(d)?,
        None => Files::builtin(),
    };
    if let Some(d) = standards_dir {
        files.replace(Kind::Standards, d)?;
    }
    if let Some(d) = policies_dir {
        files.replace(Kind::Policies, d)?;
    }
    Rulebook::from_files(files)
}

/// Every error of a failed load, one per line, each in English and Vietnamese.
pub fn file_errors(errs: &[FileError]) -> anyhow::Error {
    anyhow!(
        "{}",
        errs.iter()
            .map(|e| format!("{e}\n  {}", e.vi))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Loads a set of standard files, all or nothing.
pub fn load_standards(files: &[(String, String)]) -> Result<StandardSet> {
    StandardSet::load(files)
        .map_err(|errs| file_errors(&errs).context("standards failed to load (nothing was loaded)"))
}
