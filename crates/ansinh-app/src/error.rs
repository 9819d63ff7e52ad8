//! The one error of the use cases. Every variant has a stable code and a message in Vietnamese and in
//! English; the web maps it to an HTTP status (see `ansinh-web`'s `From<AppError> for WebError`), the
//! CLI prints it. Messages name households by their code, never by a person's name or ID number.
//!
//! The codes are the ones the web showed before the use cases moved here (`WEB_BAD_INPUT`,
//! `REVIEW_…`), so API clients and tests see the same codes.

use ansinh_domain::review::ReviewError;
use ansinh_store::StoreError;
use ansinh_store::review::ReviewStoreError;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not found, or outside the actor's units (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The actor's role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A step the state machine (or the review's rules) refuses: out of order, locked, a deadline not
    /// reached, someone else changed the round meanwhile. Nothing was written.
    #[error("refused: {code}")]
    Refused {
        code: &'static str,
        vi: String,
        en: String,
    },
    /// A value the actor gave is not usable (a form that does not score, a missing date, an unknown
    /// standard): `field` names what to correct. Nothing was written.
    #[error("bad input in {field}: {code}")]
    BadInput {
        field: &'static str,
        code: &'static str,
        vi: String,
        en: String,
    },
    /// Storage said no (a conflict, a stale version, a record that does not exist) or failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something that should not happen (an unknown workflow of a stored round, rules that failed to
    /// load): logged by the caller, shown as a generic message.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "APP_NOT_FOUND",
            AppError::Forbidden => "APP_FORBIDDEN",
            AppError::Refused { code, .. } | AppError::BadInput { code, .. } => code,
            AppError::Store(e) => e.code(),
            AppError::Internal(_) => "APP_INTERNAL",
        }
    }

    pub fn vi(&self) -> String {
        match self {
            AppError::NotFound => "Không tìm thấy (hoặc nằm ngoài đơn vị của bạn).".into(),
            AppError::Forbidden => "Vai trò của bạn không được làm việc này.".into(),
            AppError::Refused { vi, .. } | AppError::BadInput { vi, .. } => vi.clone(),
            AppError::Store(e) => e.message_vi(),
            AppError::Internal(_) => "Lỗi hệ thống; xin thử lại hoặc báo quản trị viên.".into(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            AppError::NotFound => "Not found (or outside your units).".into(),
            AppError::Forbidden => "Your role may not do this.".into(),
            AppError::Refused { en, .. } | AppError::BadInput { en, .. } => en.clone(),
            AppError::Store(e) => e.message_en(),
            AppError::Internal(_) => "Internal error; try again or tell the administrator.".into(),
        }
    }

    /// A refusal of the review: a form that does not score is bad input (`form`), anything else a
    /// refusal of the state machine.
    pub fn review(e: &ReviewError) -> AppError {
        if e.code().starts_with("SCORE_") {
            AppError::BadInput {
                field: "form",
                code: e.code(),
                vi: e.message_vi(),
                en: e.message_en(),
            }
        } else {
            AppError::Refused {
                code: e.code(),
                vi: e.message_vi(),
                en: e.message_en(),
            }
        }
    }

    /// Bad input with the web's historical code `WEB_BAD_INPUT`.
    pub fn bad_input(field: &'static str, vi: &str, en: &str) -> AppError {
        AppError::BadInput {
            field,
            code: "WEB_BAD_INPUT",
            vi: vi.to_string(),
            en: en.to_string(),
        }
    }

    /// Whether the error is one to show beside the form that caused it (a refusal, bad input, a
    /// conflict), rather than as an error page.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            AppError::Refused { .. }
                | AppError::BadInput { .. }
                | AppError::Store(
                    StoreError::Invalid(_)
                        | StoreError::Duplicate { .. }
                        | StoreError::Conflict { .. }
                        | StoreError::StaleVersion { .. }
                )
        )
    }
}

impl From<ReviewStoreError> for AppError {
    fn from(e: ReviewStoreError) -> AppError {
        match e {
            ReviewStoreError::Store(e) => AppError::Store(e),
            ReviewStoreError::Review(r) => AppError::review(&r),
            e @ ReviewStoreError::Stale { .. } => AppError::Refused {
                code: e.code(),
                vi: e.message_vi(),
                en: e.message_en(),
            },
        }
    }
}

impl From<ReviewError> for AppError {
    fn from(e: ReviewError) -> AppError {
        AppError::review(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_code_and_both_languages() {
        let all = [
            AppError::NotFound,
            AppError::Forbidden,
            AppError::Refused {
                code: "REVIEW_X",
                vi: "từ chối".into(),
                en: "refused".into(),
            },
            AppError::bad_input("on", "ngày", "date"),
            AppError::Store(StoreError::backend("down")),
            AppError::Internal("x".into()),
        ];
        for e in &all {
            assert!(!e.code().is_empty());
            assert!(!e.vi().is_empty() && !e.en().is_empty(), "{e:?}");
        }
        assert!(all[2].is_refusal() && all[3].is_refusal() && !all[0].is_refusal());
    }
}
