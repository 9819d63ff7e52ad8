//! # ansinh-rulebook
//!
//! Every rule ansinh works by, loaded once at start into one [`Rulebook`]: the poverty standards, the
//! support policies with their dated reference values, the partner exports, the plan tables and
//! planning inputs, the reduction targets, the review workflows, the scoring tables and the what-if
//! scenarios (layered on the standards), all parsed and checked by `ansinh-domain`.
//!
//! - [`Rulebook::builtin`]: the files shipped with ansinh, compiled in ([`builtin`]).
//! - [`Rulebook::load`]: a rules folder laid out like the repository root (`standards/`, `policies/`,
//!   `policies/exports/`, `plans/`, `targets/`, `review/`, `scoring/`, `simulations/`). **Each
//!   subfolder present replaces the built-in files of that kind; an absent one keeps the built-ins**,
//!   so a province can ship only its own `scoring/`. In `plans/`, files named `*-forecast.toml` are
//!   planning inputs, the others plan tables; `policies/` must hold `reference-values.toml`.
//!
//! Loading reports every bad file at once ([`ansinh_domain::FileError`]: file, line, column, stable
//! code, Vietnamese and English reason) and loads nothing when one is bad. The binaries refuse to
//! start on such an error. This crate reads files; it knows nothing of households, storage or the web.

pub mod builtin;
pub mod files;

use std::path::Path;

use ansinh_domain::FileError;
use ansinh_domain::policy::PolicySet;
use ansinh_domain::policy::forecast::{self, Inputs};
use ansinh_domain::policy::partner::{self, Partner};
use ansinh_domain::policy::plan::Plan;
use ansinh_domain::policy::targets::TargetPlan;
use ansinh_domain::review::{ScoringSet, WorkflowSet};
use ansinh_domain::standard::StandardSet;

pub use files::{File, Files, Kind};

/// Which planning inputs forecast the budget of which plan table: `(plan id, inputs id)`. A plan table
/// without an entry has no forecast (the Đà Nẵng and Hà Đông tables are targets, not budgets).
pub const FORECAST_OF_PLAN: &[(&str, &str)] =
    &[("hanoi-2022-2025-appendix-1", "hanoi-2022-2025-forecast")];

/// The id of a rule file: its name without folder and extension (`plans/x.toml` → `x`).
pub fn id_of(file: &str) -> &str {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name.strip_suffix(".toml").unwrap_or(name)
}

/// One loaded file's value with the id of its file.
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    /// The file's id ([`id_of`] its name).
    pub id: String,
    pub file: String,
    pub value: T,
}

/// Every rule, parsed and checked. Built once at start; cheap to share behind an `Arc`.
#[derive(Clone, Debug)]
pub struct Rulebook {
    standards: StandardSet,
    scenarios: StandardSet,
    scenario_ids: Vec<String>,
    policies: PolicySet,
    partners: Vec<Partner>,
    plans: Vec<Loaded<Plan>>,
    plan_inputs: Vec<Loaded<Inputs>>,
    targets: Vec<TargetPlan>,
    workflows: WorkflowSet,
    scoring: ScoringSet,
    files: Files,
}

impl Rulebook {
    /// The rules shipped with ansinh.
    pub fn builtin() -> Result<Rulebook, Vec<FileError>> {
        Rulebook::from_files(Files::builtin())
    }

    /// A rules folder: each subfolder present replaces the built-in files of its kind.
    pub fn load(dir: &Path) -> Result<Rulebook, Vec<FileError>> {
        Rulebook::from_files(Files::from_folder(dir)?)
    }

    /// Parses and checks every file. Every bad file is reported, each with all its problems; kinds
    /// that depend on a failing kind (plans and partner exports on the policies, scenarios on the
    /// standards) are checked only when it loads.
    pub fn from_files(files: Files) -> Result<Rulebook, Vec<FileError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let standards = ok(e, StandardSet::load(&files.standards));
        let (rn, rt) = &files.reference_values;
        let policies = ok(e, PolicySet::load((rn, rt), &files.policies));
        let workflows = ok(e, WorkflowSet::load(&files.workflows));
        let scoring = ok(e, ScoringSet::load(&files.scoring));
        let targets = ok(
            e,
            collect(
                files
                    .targets
                    .iter()
                    .map(|(n, t)| TargetPlan::load(n, t))
                    .collect(),
            ),
        );
        let plan_inputs = ok(
            e,
            collect(
                files
                    .plan_inputs
                    .iter()
                    .map(|(n, t)| forecast::load_inputs(n, t).map(|v| loaded(n, v)))
                    .collect(),
            ),
        );
        let (mut plans, mut partners) = (None, None);
        if let Some(set) = &policies {
            plans = ok(
                e,
                collect(
                    files
                        .plans
                        .iter()
                        .map(|(n, t)| Plan::load(n, t, set).map(|v| loaded(n, v)))
                        .collect(),
                ),
            );
            partners = ok(
                e,
                collect(
                    files
                        .partners
                        .iter()
                        .map(|(n, t)| partner::load(n, t, set))
                        .collect(),
                ),
            )
            .map(|v: Vec<Vec<Partner>>| v.into_iter().flatten().collect::<Vec<_>>());
        }
        let mut scenarios = None;
        if standards.is_some() {
            let layered: Vec<File> = files
                .standards
                .iter()
                .chain(&files.scenarios)
                .cloned()
                .collect();
            scenarios = ok(e, StandardSet::load(&layered));
        }
        match (
            standards,
            scenarios,
            policies,
            partners,
            plans,
            plan_inputs,
            targets,
            workflows,
            scoring,
        ) {
            (
                Some(standards),
                Some(scenarios),
                Some(policies),
                Some(partners),
                Some(plans),
                Some(plan_inputs),
                Some(targets),
                Some(workflows),
                Some(scoring),
            ) if errors.is_empty() => {
                let scenario_ids = scenarios
                    .all()
                    .iter()
                    .filter(|s| files.scenarios.iter().any(|(n, _)| *n == s.file))
                    .map(|s| s.id.clone())
                    .collect();
                Ok(Rulebook {
                    standards,
                    scenarios,
                    scenario_ids,
                    policies,
                    partners,
                    plans,
                    plan_inputs,
                    targets,
                    workflows,
                    scoring,
                    files,
                })
            }
            _ => Err(errors),
        }
    }

    /// The poverty standards.
    pub fn standards(&self) -> &StandardSet {
        &self.standards
    }
    /// The standards with the what-if scenarios layered on them.
    pub fn scenarios(&self) -> &StandardSet {
        &self.scenarios
    }
    /// The ids of the scenarios (the standards of `simulations/`), in file order.
    pub fn scenario_ids(&self) -> &[String] {
        &self.scenario_ids
    }
    /// The support policies and the reference values they are priced with.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }
    /// The partner exports.
    pub fn partners(&self) -> &[Partner] {
        &self.partners
    }
    /// The plan tables, in file order.
    pub fn plans(&self) -> &[Loaded<Plan>] {
        &self.plans
    }
    /// The plan table `id` (its file's id or its own).
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans
            .iter()
            .find(|p| p.id == id || p.value.id == id)
            .map(|p| &p.value)
    }
    /// The planning inputs, in file order.
    pub fn plan_inputs(&self) -> &[Loaded<Inputs>] {
        &self.plan_inputs
    }
    /// The planning inputs `id`, or those that forecast the plan table `id` ([`FORECAST_OF_PLAN`]).
    pub fn inputs(&self, id: &str) -> Option<&Inputs> {
        let id = FORECAST_OF_PLAN
            .iter()
            .find(|(p, _)| *p == id)
            .map_or(id, |(_, i)| *i);
        self.plan_inputs
            .iter()
            .find(|i| i.id == id)
            .map(|i| &i.value)
    }
    /// Whether a plan table (or planning-inputs id) has a forecast.
    pub fn has_forecast(&self, id: &str) -> bool {
        self.inputs(id).is_some()
    }
    /// The planning inputs that forecast no plan table (they get their own forecast).
    pub fn standalone_inputs(&self) -> impl Iterator<Item = &str> {
        self.plan_inputs
            .iter()
            .map(|i| i.id.as_str())
            .filter(|i| !FORECAST_OF_PLAN.iter().any(|(_, x)| x == i))
    }
    /// The reduction targets, in file order.
    pub fn targets(&self) -> &[TargetPlan] {
        &self.targets
    }
    /// The target file `id` (its file's id or its own).
    pub fn target_plan(&self, id: &str) -> Option<&TargetPlan> {
        self.targets
            .iter()
            .zip(&self.files.targets)
            .find(|(t, (n, _))| t.id == id || id_of(n) == id)
            .map(|(t, _)| t)
    }
    /// The ids of the target files, in file order.
    pub fn target_ids(&self) -> impl Iterator<Item = &str> {
        self.files.targets.iter().map(|(n, _)| id_of(n))
    }
    /// The review workflows.
    pub fn workflows(&self) -> &WorkflowSet {
        &self.workflows
    }
    /// The review's scoring tables.
    pub fn scoring(&self) -> &ScoringSet {
        &self.scoring
    }
    /// The files the rulebook was built from (to layer a file given on the command line on them).
    pub fn files(&self) -> &Files {
        &self.files
    }
}

/// The value, or `None` with its errors added to `errors`.
fn ok<T>(errors: &mut Vec<FileError>, r: Result<T, Vec<FileError>>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    }
}

fn loaded<T>(file: &str, value: T) -> Loaded<T> {
    Loaded {
        id: id_of(file).to_string(),
        file: file.to_string(),
        value,
    }
}

/// Every file's value, or every file's errors.
fn collect<T>(results: Vec<Result<T, Vec<FileError>>>) -> Result<Vec<T>, Vec<FileError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(v) => out.push(v),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Every error of a failed load, one per line: `file:line:column: [CODE]`, then the reason in
/// Vietnamese and in English (what `ansinh` prints when it refuses to start).
pub fn report(errors: &[FileError]) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(&format!(
            "{}: [{}]\n  {}\n  {}\n",
            e.place(),
            e.code,
            e.vi,
            e.en
        ));
    }
    out
}
