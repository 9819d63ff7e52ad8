//! Request logging with `tracing`: one span per request carrying the method and the matched route
//! template (`/households/{id}`), never the raw URI or its query string, which can carry a name typed into
//! a search; one event at the end with the status and the latency in ms. The events of a request (errors,
//! refusals, logins) are logged inside its span. Nothing here reads a header, a cookie or a body.
//!
//! The web app only emits; the program that runs it installs the subscriber (`ansinh serve`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The route logged for a request no route matched (its path is not logged: it is typed by the client).
pub const UNMATCHED: &str = "<unmatched>";

/// Outcome codes of the account events (logged with the role, never the user name).
pub const LOGIN_OK: &str = "WEB_LOGIN_OK";
pub const LOGIN_FAILED: &str = "WEB_LOGIN_FAILED";
pub const LOGOUT: &str = "WEB_LOGOUT";

/// The middleware: layered outermost in [`crate::router`] (through `Router::layer`, so it runs after
/// routing and sees [`MatchedPath`]).
pub async fn log_request(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!("request", method = %req.method(), route = %route);
    let start = Instant::now();
    async move {
        let res = next.run(req).await;
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(status = res.status().as_u16(), ms, "response");
        res
    }
    .instrument(span)
    .await
}
