//! # ansinh-registry-io
//!
//! Getting registry data in and out, on top of the [`ansinh_store::Store`] trait:
//!
//! - [`import`]: XLSX (Vietnamese headers, the template of [`export::write_template`]), CSV (UTF-8 or a
//!   legacy code page) and Parquet. Every row is parsed into typed records first and every problem kept
//!   with file, row, column and a reason in Vietnamese and English; then one store transaction writes
//!   the valid households (or nothing, if the officer chose to reject the file on any error).
//!   Re-importing changes nothing; an import killed part-way leaves the registry as it was.
//! - [`report`]: the rejected rows as a workbook to fix and import again.
//! - [`export`]: the registry or the part under some units as XLSX (split sheets, never truncated), CSV
//!   or Parquet, in the import's own format.
//! - [`backup`]: consistent online backup and verified, all-or-nothing restore of the SQLite registry.
//! - [`neutral`]: text cells that would run as a spreadsheet formula are written as text.
//! - [`quality`]: likely problems (fuzzy duplicate persons, impossible ages and relations, …).
//! - [`simulate`]: the registry (or the part under a unit) as one batch with commune and province keys,
//!   for what-if simulation (`ansinh_domain::simulate`).
//!
//! Personal data (names, citizen IDs) goes into files and onto the officer's screen, never into logs.

pub mod backup;
pub mod columns;
pub mod entitlements;
pub mod error;
pub mod export;
pub mod import;
pub mod neutral;
pub mod quality;
pub mod raw;
pub mod report;
pub mod simulate;

pub use error::{IoError, Result};
