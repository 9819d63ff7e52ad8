//! # ansinh-tabular
//!
//! Tables in and out: reads household and member tables from CSV, Parquet or XLSX into the domain's
//! columnar [`ansinh_domain::Batch`], and writes classification outputs as CSV or Parquet.
//! Every input error names the file, the row and the column.

mod builder;
mod error;
pub mod limits;
pub mod read;
pub mod stream;
pub mod write;

pub use error::TabularError;
pub use limits::{LimitError, Limits, Origin};
pub use read::{Input, read_input};
pub use stream::{Options, Summary, classify_files};
pub use write::{Format, write_outputs};
