//! The web layer's one error type: an HTTP status, a stable code and a message in both languages.
//! Internal causes are logged with `tracing` (the stable code; a storage failure's driver text too, never
//! form values); the user sees a generic message. Refusals are logged at `warn` with their code.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use ansinh_app::AppError;
use ansinh_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No valid session. Pages redirect to the login page, the API answers 401.
    #[error("login required")]
    LoginRequired { api: bool },
    /// The role may not use this function.
    #[error("forbidden")]
    Forbidden { api: bool },
    /// Not found, or outside the user's units (the two are not told apart).
    #[error("not found")]
    NotFound { api: bool },
    /// A form without the session's anti-forgery token.
    #[error("form expired")]
    Csrf,
    /// A request body past its limit (the write guard reads form bodies before the handler).
    #[error("request too large")]
    TooLarge,
    /// A request body that broke off while it was read.
    #[error("request body unreadable")]
    Unreadable,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
    /// A step the review refuses (out of order, locked, a form not filled in, …): its stable code and
    /// messages; nothing was written.
    #[error("refused: {code}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        vi: String,
        en: String,
    },
}

impl WebError {
    pub fn code(&self) -> &'static str {
        match self {
            WebError::LoginRequired { .. } => "WEB_LOGIN_REQUIRED",
            WebError::Forbidden { .. } => "WEB_FORBIDDEN",
            WebError::NotFound { .. } => "WEB_NOT_FOUND",
            WebError::Csrf => "WEB_CSRF",
            WebError::TooLarge => "WEB_TOO_LARGE",
            WebError::Unreadable => "WEB_BODY_UNREADABLE",
            WebError::BadRequest(_) => "WEB_BAD_REQUEST",
            WebError::TooManyAttempts => "WEB_TOO_MANY_ATTEMPTS",
            WebError::Store(e) => e.code(),
            WebError::Internal(_) => "WEB_INTERNAL",
            WebError::Refused { code, .. } => code,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            WebError::Forbidden { .. } => StatusCode::FORBIDDEN,
            WebError::NotFound { .. } => StatusCode::NOT_FOUND,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Unreadable => StatusCode::BAD_REQUEST,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            WebError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            WebError::Store(StoreError::StaleVersion { .. } | StoreError::Conflict { .. }) => {
                StatusCode::CONFLICT
            }
            WebError::Store(StoreError::Invalid(_) | StoreError::Duplicate { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            WebError::Store(StoreError::Backend { .. }) | WebError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebError::Refused { status, .. } => *status,
        }
    }

    fn api(&self) -> bool {
        matches!(
            self,
            WebError::LoginRequired { api: true }
                | WebError::Forbidden { api: true }
                | WebError::NotFound { api: true }
        )
    }

    /// The same error, answered as JSON.
    pub fn for_api(self) -> WebError {
        match self {
            WebError::LoginRequired { .. } => WebError::LoginRequired { api: true },
            WebError::Forbidden { .. } => WebError::Forbidden { api: true },
            WebError::NotFound { .. } => WebError::NotFound { api: true },
            WebError::Store(StoreError::NotFound { .. }) => WebError::NotFound { api: true },
            e => e,
        }
    }

    /// Logs the error once, as it is shown: internal causes at `error`, refusals at `warn`, by code.
    /// `Internal` carries texts built from uploaded rows and typed values (import and export errors,
    /// parsed codes), so only its code is logged; a storage failure's text is the driver's.
    fn log(&self) {
        let code = self.code();
        match self {
            WebError::Store(e @ StoreError::Backend { .. }) => tracing::error!(code, error = %e),
            WebError::Internal(_) => tracing::error!(code),
            WebError::Csrf | WebError::Forbidden { .. } | WebError::TooManyAttempts => {
                tracing::warn!(code)
            }
            _ => {}
        }
    }

    /// The vi/en messages shown for this error (called once per error shown, so it logs it too).
    pub(crate) fn messages(&self) -> (String, String) {
        self.log();
        let t = (&crate::i18n::VI, &crate::i18n::EN);
        match self {
            WebError::LoginRequired { .. } => (t.0.login_expired.into(), t.1.login_expired.into()),
            WebError::Forbidden { .. } => (t.0.forbidden.into(), t.1.forbidden.into()),
            WebError::NotFound { .. } | WebError::Store(StoreError::NotFound { .. }) => {
                (t.0.not_found.into(), t.1.not_found.into())
            }
            WebError::Csrf => (t.0.form_expired.into(), t.1.form_expired.into()),
            WebError::TooLarge => (t.0.request_too_large.into(), t.1.request_too_large.into()),
            WebError::Unreadable => (t.0.request_unreadable.into(), t.1.request_unreadable.into()),
            WebError::TooManyAttempts => (t.0.login_limited.into(), t.1.login_limited.into()),
            WebError::BadRequest(m) => (m.clone(), m.clone()),
            WebError::Store(StoreError::Backend { .. }) => {
                (t.0.server_error.into(), t.1.server_error.into())
            }
            WebError::Store(e) => (e.message_vi(), e.message_en()),
            WebError::Internal(_) => (t.0.server_error.into(), t.1.server_error.into()),
            WebError::Refused { vi, en, .. } => (vi.clone(), en.clone()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        if let WebError::LoginRequired { api: false } = self {
            return (
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, "/login"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
            )
                .into_response();
        }
        let (vi, en) = self.messages();
        if self.api() {
            let body = serde_json::json!({ "code": code, "message_vi": vi, "message_en": en });
            return (status, axum::Json(body)).into_response();
        }
        let page = crate::pages::ErrorPage {
            code,
            status: status.as_u16(),
            vi: &vi,
            en: &en,
        };
        (status, crate::pages::html(&page)).into_response()
    }
}

/// A use case's error as the web answers it, with the status codes and codes the web always gave: not
/// found 404, forbidden 403, a refusal of the state machine 409, bad input 422, storage as
/// [`WebError::Store`]. Pages and the API (through [`ApiError`]) render it alike.
impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        match e {
            AppError::NotFound => WebError::NotFound { api: false },
            AppError::Forbidden => WebError::Forbidden { api: false },
            AppError::Refused { code, vi, en } => WebError::Refused {
                status: StatusCode::CONFLICT,
                code,
                vi,
                en,
            },
            AppError::BadInput { code, vi, en, .. } => WebError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code,
                vi,
                en,
            },
            AppError::Store(e) => WebError::Store(e),
            AppError::Internal(m) => WebError::Internal(m),
        }
    }
}

/// An error answered as JSON whatever its kind (the API's handlers return it).
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0.for_api();
        let status = e.status();
        let code = e.code();
        let (vi, en) = e.messages();
        let body = serde_json::json!({ "code": code, "message_vi": vi, "message_en": en });
        (status, axum::Json(body)).into_response()
    }
}
