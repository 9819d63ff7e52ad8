//! # ansinh-domain
//!
//! The pure domain of ansinh: the field catalogue, the rule language, poverty standards as data, the
//! vectorised three-valued evaluator, explained classification, unit aggregates and Alkire-Foster
//! measures. No I/O, no async, no database, no web: every other crate depends on this one, never the
//! reverse.

pub mod af;
pub mod aggregate;
pub mod classify;
pub mod coded;
pub mod collation;
pub mod columnar;
pub mod compile;
pub mod eval;
mod explain_text;
pub mod expr;
pub mod file_error;
pub mod money;
pub mod policy;
pub mod registry;
pub mod review;
pub mod schema;
pub mod simulate;
pub mod standard;
pub mod text;

pub use classify::{Explanation, Outcome, Results, classify, explain};
pub use coded::Coded;
pub use columnar::{Batch, Column};
pub use file_error::FileError;
pub use standard::{Class, Standard, StandardSet};
