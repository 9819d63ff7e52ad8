//! The write guard (`ansinh_web::guard`), tested over the real router's own route table
//! (`ansinh_web::route_table`), not over a hand-made list: the table is checked to be what the router
//! serves, then every route whose method is not GET is sent a write by a logged-in administrator
//! without the session's token and with a wrong one, as a form, as JSON and as a multipart upload,
//! and must answer 403 `WEB_CSRF` and write nothing. A new write route is in the table by
//! construction, so it is tested without anyone adding it here. On SQLite always, on PostgreSQL when
//! `ANSINH_TEST_PG` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod guard_support;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use ansinh_store_postgres::PgStore;
use ansinh_web::Backend;
use ansinh_web::guard::{FIRST_PART_MAX_BYTES, FORM_MAX_BYTES};
use guard_support::*;

/// Runs a scenario on SQLite, then on PostgreSQL when configured.
macro_rules! on_both {
    ($name:ident, $scenario:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (store, path) = sqlite().await;
            $scenario(store).await;
            let _ = std::fs::remove_file(&path);
            if let Some(url) = pg_url() {
                let schema = format!("g_{}_{}", stringify!($name), std::process::id());
                PgStore::drop_schema(&url, &schema).await.unwrap();
                let store = PgStore::open_in_schema(&url, &schema).await.unwrap();
                $scenario(store.clone()).await;
                store.close().await;
                PgStore::drop_schema(&url, &schema).await.unwrap();
            }
        }
    };
}

/// The route table lists each route once, and it is exactly what the router serves: the router's
/// own listing of its routes has the same `(method, path)` pairs, and on every listed path each
/// method the table does not list is answered 405 (even with a valid token, so the guard let it
/// through to the router).
async fn table_scenario<S: Backend + Clone>(store: S) {
    let t = table();
    let listed: BTreeSet<(String, String)> = t
        .iter()
        .map(|(m, p)| (m.as_str().to_string(), p.to_string()))
        .collect();
    assert_eq!(listed.len(), t.len(), "a route is listed twice");
    let app = app_of(store).await;
    let served = served(&app);
    let unlisted: Vec<_> = served.difference(&listed).collect();
    let unserved: Vec<_> = listed.difference(&served).collect();
    assert!(
        unlisted.is_empty() && unserved.is_empty(),
        "the router serves what the table lists; served but not listed (added past the route \
         table): {unlisted:?}; listed but not served: {unserved:?}"
    );
    let writes = t.iter().filter(|(m, _)| !is_safe(m)).count();
    assert!(writes >= 40, "the table lists {writes} write routes");

    let (cookie, csrf) = session(&app, "admin").await;
    let paths: BTreeSet<&str> = t.iter().map(|(_, p)| *p).collect();
    for path in paths {
        // Any value matches a parameter; the handler is never reached for an unlisted method.
        let uri = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for m in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ] {
            if t.iter().any(|(tm, tp)| *tm == m && *tp == path) {
                continue;
            }
            let r = send(
                &app,
                Request::builder()
                    .method(m.clone())
                    .uri(&uri)
                    .header(header::COOKIE, &cookie)
                    .header("x-csrf-token", &csrf)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{m} {path} is not in the table, so the router must not serve it"
            );
        }
    }
}
on_both!(the_route_table_is_what_the_router_serves, table_scenario);

/// The bodies a forged write is tried with, each without the session's token or with a wrong one.
fn forged_requests(
    method: &Method,
    uri: &str,
    cookie: &str,
    wrong: &str,
) -> Vec<(String, Request<Body>)> {
    let base = || {
        Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::COOKIE, cookie)
    };
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    let b = "guard-test-boundary";
    let mp = format!("multipart/form-data; boundary={b}");
    let part = |name: &str, v: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{v}\r\n")
    };
    let file = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\nContent-Type: text/csv\r\n\r\nhousehold_code,unit_code,head_name\r\n--{b}--\r\n"
    );
    let fields = "on=1&step=finish_listing&to=listing&reason=x&version=1&role=admin&display_name=x\
                  &on_error=take_valid&username=x&password=x&current=x&new=xxxxxxxxxxxx&repeat=xxxxxxxxxxxx";
    vec![
        (
            "form without a token".into(),
            base()
                .header(header::CONTENT_TYPE, form)
                .body(Body::from(fields))
                .unwrap(),
        ),
        (
            "form with a wrong token".into(),
            base()
                .header(header::CONTENT_TYPE, form)
                .body(Body::from(format!("csrf={wrong}&{fields}")))
                .unwrap(),
        ),
        (
            "form with an empty token".into(),
            base()
                .header(header::CONTENT_TYPE, form)
                .body(Body::from(format!("csrf=&{fields}")))
                .unwrap(),
        ),
        (
            "JSON without the header".into(),
            base()
                .header(header::CONTENT_TYPE, json)
                .body(Body::from(
                    r#"{"on":"2026-06-01","reason":"x","fields":{}}"#,
                ))
                .unwrap(),
        ),
        (
            "JSON with a wrong header".into(),
            base()
                .header(header::CONTENT_TYPE, json)
                .header("x-csrf-token", wrong)
                .body(Body::from(
                    r#"{"on":"2026-06-01","reason":"x","fields":{}}"#,
                ))
                .unwrap(),
        ),
        (
            "no body, no token".into(),
            base().body(Body::empty()).unwrap(),
        ),
        (
            "multipart without a token part".into(),
            base()
                .header(header::CONTENT_TYPE, &mp)
                .body(Body::from(format!(
                    "{}{file}",
                    part("on_error", "take_valid")
                )))
                .unwrap(),
        ),
        (
            "multipart with a wrong token part".into(),
            base()
                .header(header::CONTENT_TYPE, &mp)
                .body(Body::from(format!("{}{file}", part("csrf", wrong))))
                .unwrap(),
        ),
    ]
}

/// Every write route of the table refuses a forged write from a logged-in administrator, in every
/// body, with 403 `WEB_CSRF` (JSON under `/api/`, the error page elsewhere), and nothing is written;
/// without a session the same writes are answered "log in" as before. The same session's real token
/// does write (so the fingerprint would have seen a write).
async fn forged_scenario<S: Backend + Clone>(store: S) {
    let app = app_of(store.clone()).await;
    let ids = ids(&store).await;
    let (cookie, csrf) = session(&app, "admin").await;
    let wrong: String = csrf
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let before = fingerprint(&store).await;
    let mut tried = 0;
    for (method, path) in table().into_iter().filter(|(m, _)| !is_safe(m)) {
        let uri = concrete(path, &ids);
        for (what, req) in forged_requests(&method, &uri, &cookie, &wrong) {
            let r = send(&app, req).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{method} {uri}, {what}: {}",
                r.body
            );
            if path.starts_with("/api/") {
                let v: serde_json::Value = serde_json::from_str(&r.body)
                    .unwrap_or_else(|_| panic!("{method} {uri}, {what}: JSON {}", r.body));
                assert_eq!(v["code"], "WEB_CSRF", "{method} {uri}, {what}");
                assert!(v["message_vi"].as_str().is_some_and(|m| !m.is_empty()));
                assert!(v["message_en"].as_str().is_some_and(|m| !m.is_empty()));
            } else {
                assert!(
                    r.body.contains("WEB_CSRF") && r.body.contains("<html"),
                    "{method} {uri}, {what}: {}",
                    r.body
                );
            }
            tried += 1;
        }
        // Without a session: as before the guard, "log in" (nothing about tokens).
        let r = send(
            &app,
            Request::builder()
                .method(method.clone())
                .uri(&uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={wrong}")))
                .unwrap(),
        )
        .await;
        if path == "/login" {
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "a login without its cookie"
            );
        } else if path.starts_with("/api/") {
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "anonymous {method} {uri}"
            );
            assert!(r.body.contains("WEB_LOGIN_REQUIRED"), "{}", r.body);
        } else {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous {method} {uri}");
            assert_eq!(r.headers[header::LOCATION], "/login");
        }
    }
    assert!(tried >= 40 * 8, "{tried} forged writes tried");
    assert_eq!(
        fingerprint(&store).await,
        before,
        "a forged write wrote something"
    );
    // The session survived every forged logout and password change.
    let r = send(
        &app,
        Request::get("/api/session")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    // The real token, in the form field and in the header, goes through and writes.
    let unit = ids.commune.0;
    let r = send(
        &app,
        Request::post(format!("/units/{unit}/public-lists"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&on=0")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!store.public_lists(ids.commune).await.unwrap());
    let r = send(
        &app,
        Request::post(format!("/units/{unit}/public-lists"))
            .header(header::COOKIE, &cookie)
            .header("x-csrf-token", &csrf)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("on=1"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(store.public_lists(ids.commune).await.unwrap());
    assert_ne!(
        fingerprint(&store).await,
        before,
        "the real writes are seen"
    );
}
on_both!(every_write_route_refuses_a_forged_write, forged_scenario);

/// How the guard reads bodies: a form past the body limit is refused with 413 before any handler;
/// in a multipart upload the token counts only as the first part, found within the first few KB.
async fn bodies_scenario<S: Backend + Clone>(store: S) {
    let app = app_of(store.clone()).await;
    let ids = ids(&store).await;
    let (cookie, csrf) = session(&app, "admin").await;
    let unit = ids.commune.0;
    let before = fingerprint(&store).await;
    let big = format!("csrf={csrf}&on=0&pad={}", "a".repeat(FORM_MAX_BYTES));
    let r = send(
        &app,
        Request::post(format!("/units/{unit}/public-lists"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(big))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("WEB_TOO_LARGE"), "{}", r.body);

    let b = "guard-test-boundary";
    let part = |name: &str, v: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{v}\r\n")
    };
    let file = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\nContent-Type: text/csv\r\n\r\nhousehold_code,unit_code,head_name\r\n--{b}--\r\n"
    );
    let upload = |body: String| {
        Request::post("/registry/import")
            .header(header::COOKIE, &cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    for (what, body) in [
        (
            "the right token, but not first",
            format!(
                "{}{}{file}",
                part("on_error", "take_valid"),
                part("csrf", &csrf)
            ),
        ),
        (
            "a first part past the bound",
            format!(
                "{}{}{file}",
                part(
                    "csrf",
                    &format!("{csrf}{}", "0".repeat(FIRST_PART_MAX_BYTES))
                ),
                part("on_error", "take_valid")
            ),
        ),
    ] {
        let r = send(&app, upload(body)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
        assert!(r.body.contains("WEB_CSRF"), "{what}: {}", r.body);
    }
    assert_eq!(
        fingerprint(&store).await,
        before,
        "a refused body wrote something"
    );
    // The token first: the upload goes on, whole, to the import (a dry run, which writes nothing),
    // also when it arrives in many small chunks, far past what the guard reads: the import answers
    // the same as for the body in one piece.
    let body = format!(
        "{}{}{}{file}",
        part("csrf", &csrf),
        part("dry_run", "1"),
        part("note", &"x".repeat(4 * FIRST_PART_MAX_BYTES))
    );
    let whole = send(&app, upload(body.clone())).await;
    assert_ne!(whole.status, StatusCode::FORBIDDEN, "{}", whole.body);
    assert!(
        !whole.body.contains("WEB_CSRF") && whole.body.contains("<html"),
        "{}",
        whole.body
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .into_bytes()
        .chunks(100)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let streamed = Request::post("/registry/import")
        .header(header::COOKIE, &cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let r = send(&app, streamed).await;
    assert_eq!((r.status, &r.body), (whole.status, &whole.body));
    assert_eq!(
        fingerprint(&store).await,
        before,
        "dry runs wrote something"
    );
}
on_both!(the_guard_reads_bodies_within_bounds, bodies_scenario);
