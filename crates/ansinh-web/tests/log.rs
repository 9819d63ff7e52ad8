//! What the web app logs (`ansinh_web::http_log`, `WebError`, the login handlers), read from a
//! `tracing_subscriber` fmt subscriber writing into a buffer while requests go through the real router:
//! the route template and the status, the outcome codes and roles, and never the query text, the
//! path's ids or a user name. Logging does not depend on the backend: SQLite only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
mod guard_support;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tracing_subscriber::fmt::MakeWriter;

use guard_support::*;

/// A writer into a shared buffer, for the fmt subscriber.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buf {
    type Writer = Buf;
    fn make_writer(&'a self) -> Buf {
        self.clone()
    }
}

impl Buf {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

/// Installs the capturing subscriber on this thread (the tests run on a current-thread runtime, so
/// every handler is polled here) at `info`, the level `ansinh serve` logs requests at.
fn capture() -> (Buf, tracing::subscriber::DefaultGuard) {
    let buf = Buf::default();
    let sub = tracing_subscriber::fmt()
        .with_writer(buf.clone())
        .with_max_level(tracing::Level::INFO)
        .finish();
    (buf.clone(), tracing::subscriber::set_default(sub))
}

fn get(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_search_logs_the_route_template_and_status_never_the_query() {
    let (store, path) = sqlite().await;
    let app = app_of(store.clone()).await;
    let (cookie, _) = session(&app, "tinh").await;
    let ids = ids(&store).await;
    let (buf, _guard) = capture();

    let res = send(&app, get("/households?q=Nguy%E1%BB%85n", &cookie)).await;
    assert_eq!(res.status, StatusCode::OK);
    let log = buf.take();
    assert!(log.contains("route=/households"), "{log}");
    assert!(log.contains("method=GET"), "{log}");
    assert!(log.contains("status=200"), "{log}");
    assert!(log.contains("ms="), "{log}");
    assert!(!log.contains("Nguy"), "{log}");
    assert!(!log.contains("q="), "{log}");

    // A path with an id logs the template, not the id.
    let id = ids.household.0;
    let res = send(&app, get(&format!("/households/{id}"), &cookie)).await;
    assert_eq!(res.status, StatusCode::OK);
    let log = buf.take();
    assert!(log.contains("route=/households/{id}"), "{log}");
    assert!(!log.contains(&format!("/households/{id}")), "{log}");

    // A path no route matches is not logged at all (the client typed it).
    let res = send(&app, get("/Nguy%E1%BB%85n-V%C4%83n-A", &cookie)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let log = buf.take();
    assert!(log.contains("route=<unmatched>"), "{log}");
    assert!(log.contains("status=404"), "{log}");
    assert!(!log.contains("Nguy"), "{log}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn logins_log_their_outcome_and_role_never_the_user_name() {
    let (store, path) = sqlite().await;
    let app = app_of(store).await;
    let (buf, _guard) = capture();

    // A failed login: its code, not the name typed.
    let form = send(&app, get("/login", "")).await;
    let token = hidden(&form.body, "csrf");
    let res = send(
        &app,
        Request::post("/login")
            .header(header::COOKIE, set_cookies(&form.headers))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username=nguyen.van.bimat&password=wrong&csrf={token}"
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let log = buf.take();
    assert!(log.contains("WEB_LOGIN_FAILED"), "{log}");
    assert!(log.contains("status=401"), "{log}");
    assert!(!log.contains("nguyen"), "{log}");
    assert!(!log.contains("wrong"), "{log}");

    // A successful login and a logout: code and role only.
    let (cookie, csrf) = session(&app, "xa.tanlap").await;
    let log = buf.take();
    assert!(log.contains("WEB_LOGIN_OK"), "{log}");
    assert!(log.contains("role=\"commune_officer\""), "{log}");
    assert!(!log.contains("tanlap"), "{log}");

    // A forged write is refused and logged at warn with its code.
    let forged = Request::post("/logout")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, forged).await.status, StatusCode::FORBIDDEN);
    let log = buf.take();
    assert!(log.contains("WARN") && log.contains("WEB_CSRF"), "{log}");

    let res = send(
        &app,
        Request::post("/logout")
            .header(header::COOKIE, &cookie)
            .header("x-csrf-token", &csrf)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let log = buf.take();
    assert!(log.contains("WEB_LOGOUT"), "{log}");
    assert!(!log.contains("tanlap"), "{log}");
    let _ = std::fs::remove_file(&path);
}
