//! The write guard: one middleware on the whole router ([`crate::router`]) that every request which
//! may change something passes through. A request whose method is not GET, HEAD or OPTIONS must carry
//! the anti-forgery token of its session, else it is refused with [`WebError::Csrf`] (403, `WEB_CSRF`)
//! before any handler runs. Handlers check nothing themselves.
//!
//! Where the token is looked for, in this order:
//! - the `X-CSRF-Token` header (the JSON API, scripts); when present it alone counts;
//! - `application/x-www-form-urlencoded`: the `csrf` field. The body is read whole (at most
//!   [`FORM_MAX_BYTES`], the body limit of every form route; past it 413) and the same bytes are
//!   handed on to the handler;
//! - `multipart/form-data` (the import upload): the **first** part, named `csrf`. Only that part is
//!   read, from a stream that records the chunks it pulls (it stops pulling past
//!   [`FIRST_PART_MAX_BYTES`]); the handler then gets those chunks followed by the untouched rest of
//!   the body, so an upload is never held in memory here.
//!
//! The session is the one [`crate::auth::Authorized`] finds (same cookie, same checks). A write
//! without a live session is answered "log in" (a redirect to the login page, 401 JSON under
//! `/api/`) before anything else is looked at, as every write handler answered it before (a write to
//! a path or method that is not a route, once 404 or 405, now gets the same answer): an anonymous
//! forged request learns nothing about tokens or routes. The one write without a session is the login
//! form itself ([`login_form_token`]): its token is the login anti-forgery cookie's.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};

use crate::auth::{self, LOGIN_CSRF_COOKIE, cookie, same_secret};
use crate::error::{ApiError, WebError};
use crate::{App, Backend};

/// The header a script or API client sends the token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field (and first multipart part) the token is sent in.
pub const CSRF_FIELD: &str = "csrf";
/// The largest form body read: axum's default body limit, which every form route keeps (only the
/// two imports raise theirs, and they are multipart).
pub const FORM_MAX_BYTES: usize = 2 * 1024 * 1024;
/// How far into a multipart body the token part is looked for.
pub const FIRST_PART_MAX_BYTES: usize = 8 * 1024;

/// The middleware (see the module documentation).
pub async fn guard<S: Backend>(State(app): State<App<S>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let refuse = |e: WebError| {
        if api {
            ApiError(e).into_response()
        } else {
            e.into_response()
        }
    };
    let expected = if is_login(&req) {
        match login_form_token(req.headers()) {
            Some(t) => t,
            None => return refuse(WebError::Csrf),
        }
    } else {
        match auth::session_of(&app, req.headers()).await {
            Ok(Some(s)) => s.session.csrf_token,
            Ok(None) => return refuse(WebError::LoginRequired { api }),
            Err(e) => return refuse(e),
        }
    };
    match presented_token(req).await {
        Ok((req, Some(token))) if same_secret(&token, &expected) => next.run(req).await,
        Ok(_) => refuse(WebError::Csrf),
        Err(e) => refuse(e),
    }
}

/// The login form, posted before there is a session.
fn is_login(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path() == "/login"
}

/// The one exception to "the session's token": the login form is checked against the login
/// anti-forgery cookie the login page set (`None`: no such cookie, refused).
fn login_form_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The token the request carries, and the request to hand on (its body intact).
async fn presented_token(req: Request) -> Result<(Request, Option<String>), WebError> {
    if let Some(v) = req.headers().get(CSRF_HEADER) {
        let token = v.to_str().unwrap_or_default().to_string();
        return Ok((req, Some(token)));
    }
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => form_token(req).await,
        "multipart/form-data" => multipart_token(req).await,
        _ => Ok((req, None)),
    }
}

/// The `csrf` field of a form body, read whole (bounded).
async fn form_token(req: Request) -> Result<(Request, Option<String>), WebError> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > FORM_MAX_BYTES as u64) {
        return Err(WebError::TooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| WebError::Unreadable)?;
        if buf.len() + chunk.len() > FORM_MAX_BYTES {
            return Err(WebError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    let bytes = Bytes::from(buf);
    // The form is parsed as the handler's `Form` will parse it.
    let probe = Request::builder()
        .method(Method::POST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(bytes.clone()))
        .map_err(|e| WebError::Internal(format!("guard: {e}")))?;
    // The first `csrf` field counts (a form may repeat a field; the rest are the handler's).
    let token = axum::Form::<Vec<(String, String)>>::from_request(probe, &())
        .await
        .ok()
        .and_then(|f| f.0.into_iter().find(|(k, _)| k == CSRF_FIELD))
        .map(|(_, v)| v);
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The first part of a multipart body, if it is the `csrf` field; the body is handed on whole.
async fn multipart_token(req: Request) -> Result<(Request, Option<String>), WebError> {
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        return Ok((req, None));
    };
    let (parts, body) = req.into_parts();
    let tape = Tape::new(body);
    let token = {
        let limits = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().per_field(FIRST_PART_MAX_BYTES as u64));
        let mut mp = multer::Multipart::with_constraints(tape.clone(), boundary, limits);
        match mp.next_field().await {
            Ok(Some(field)) if field.name() == Some(CSRF_FIELD) => field.text().await.ok(),
            _ => None,
        }
    };
    let (pulled, rest) = tape.rewind();
    let replay = futures_util::stream::iter(pulled.into_iter().map(Ok::<_, axum::Error>));
    let body = match rest {
        Some(rest) => Body::from_stream(replay.chain(rest)),
        None => Body::from_stream(replay),
    };
    Ok((Request::from_parts(parts, body), token))
}

/// A body stream that records every chunk pulled through it, so that what was read can be handed on
/// again followed by the rest. Once [`FIRST_PART_MAX_BYTES`] were pulled it ends, as if the body
/// ended there: multer reads ahead as far as it can, and the token part must be complete by then.
#[derive(Clone)]
struct Tape(Arc<Mutex<TapeState>>);

struct TapeState {
    rest: Option<axum::body::BodyDataStream>,
    pulled: Vec<Bytes>,
    len: usize,
}

/// The body broke off before the token part was read.
#[derive(Debug, thiserror::Error)]
#[error("the request body broke off")]
struct BrokenBody;

impl Tape {
    fn new(body: Body) -> Tape {
        Tape(Arc::new(Mutex::new(TapeState {
            rest: Some(body.into_data_stream()),
            pulled: Vec::new(),
            len: 0,
        })))
    }

    /// The chunks pulled so far and the stream of the ones not pulled yet (`None`: the stream failed
    /// or the state was poisoned; the chunks pulled are all there is).
    fn rewind(self) -> (Vec<Bytes>, Option<axum::body::BodyDataStream>) {
        match self.0.lock() {
            Ok(mut s) => (std::mem::take(&mut s.pulled), s.rest.take()),
            Err(_) => (Vec::new(), None),
        }
    }
}

impl Stream for Tape {
    type Item = Result<Bytes, BrokenBody>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Ok(mut s) = self.0.lock() else {
            return Poll::Ready(Some(Err(BrokenBody)));
        };
        if s.len >= FIRST_PART_MAX_BYTES {
            return Poll::Ready(None);
        }
        let Some(rest) = s.rest.as_mut() else {
            return Poll::Ready(None);
        };
        match rest.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                s.len += chunk.len();
                s.pulled.push(chunk.clone());
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(_))) => {
                // A broken body: nothing more can be handed on than what was pulled.
                s.rest = None;
                Poll::Ready(Some(Err(BrokenBody)))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
