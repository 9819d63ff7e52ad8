//! # ansinh-tidy
//!
//! No code: its tests (`tests/house.rs`) hold the workspace to what ARCHITECTURE.md says, the way
//! rust-analyzer's tidy tests do. They read `cargo metadata` and the source tree:
//! - each crate depends only on the workspace crates its row allows, and on none of the crates its
//!   "must not know" column names, directly or through another crate;
//! - every crate has a row, and every row a crate;
//! - no source file grows past the size limit (files already over it may only shrink);
//! - no crate compiles another crate's source (`include!` or `#[path]` leaving the crate).
