//! The review's rules: the workflows (steps, deadlines, meeting rule) and the scoring tables.

use chrono::NaiveDate;

use ansinh_domain::review::{ScoringSet, ScoringTables, Workflow, WorkflowSet};
use ansinh_store::review::StoredRound;

use crate::error::{AppError, AppResult};

/// The review procedures and scoring tables the application uses. Plain data, taken from the
/// rulebook the binary loaded at start (`ansinh-rulebook`: built in or `--rules-dir`).
#[derive(Clone, Debug)]
pub struct Rules {
    pub workflows: WorkflowSet,
    pub scoring: ScoringSet,
}

/// A date as officers write it.
pub fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

impl Rules {
    /// The workflow a round follows.
    pub fn workflow(&self, r: &StoredRound) -> AppResult<&Workflow> {
        self.workflows
            .get(&r.workflow_id, None)
            .ok_or_else(|| AppError::Internal(format!("unknown workflow {}", r.workflow_id)))
    }

    /// The workflow in force on a date.
    pub fn workflow_on(&self, on: NaiveDate) -> AppResult<&Workflow> {
        self.workflows
            .in_force(on, None)
            .ok_or_else(|| AppError::BadInput {
                field: "on",
                code: "REVIEW_NO_WORKFLOW",
                vi: format!("không có quy trình rà soát áp dụng ngày {}", dmy(on)),
                en: format!("no review procedure is in force on {}", dmy(on)),
            })
    }

    /// The scoring tables of a standard: the province's own when loaded, else the national ones.
    pub fn tables(&self, standard: &str, province: Option<&str>) -> AppResult<&ScoringTables> {
        self.scoring
            .for_standard(standard, province)
            .map_err(|e| AppError::review(&e))
    }
}
