//! # ansinh-app
//!
//! The use cases of ansinh: every operation a person performs (the review's steps, forms and scoring,
//! meetings, complaints, approval with its snapshot and reopening, what can be done next, the dashboard
//! and the lists) as a function over the storage traits ([`ansinh_store::Store`],
//! [`ansinh_store::accounts::AccountStore`], [`ansinh_store::review::ReviewStore`]) that takes an
//! [`Actor`] and returns typed results or an [`AppError`].
//!
//! Authorisation of a use case is decided here, once: the actor's role decides the action, its unit
//! bounds the subtree, and a record outside it is "not found" like a missing one ([`actor::Scoped`]).
//! The web application and the CLI only translate a request into a call and the result (or the error,
//! with its stable code and Vietnamese and English messages) into a page, a JSON body or a line of text.
//!
//! What this crate must not know: HTTP (status codes, cookies, sessions, anti-forgery tokens), HTML,
//! SQL and files. It reads no clock (the caller passes "today") and writes no log.

pub mod actor;
pub mod dashboard;
pub mod error;
pub mod review;

pub use actor::{Action, Actor, ReviewAccess, Scope, Scoped, may_receive};
pub use error::{AppError, AppResult};
