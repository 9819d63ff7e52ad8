//! The harness of the write guard's tests (`tests/guard.rs`): a seeded app on SQLite or PostgreSQL,
//! an administrator's session, real ids for path parameters, a fingerprint of everything a write
//! could change, and the router's own listing of its routes.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tower::ServiceExt;

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_rulebook::Rulebook;
use ansinh_store_sqlite::SqliteStore;
use ansinh_web::demo::{self, DemoSize};
use ansinh_web::{App, Backend, Config, PasswordCost, route_table, router};

/// The repository's rule folders, read from disk like a province's rules folder.
pub fn registry() -> Rulebook {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    Rulebook::load(std::path::Path::new(root)).unwrap()
}

pub async fn sqlite() -> (SqliteStore, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "ansinh-guard-test-{}-{}.db",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap()
    ));
    (SqliteStore::open(&path).await.unwrap(), path)
}

pub fn pg_url() -> Option<String> {
    match std::env::var("ANSINH_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
                "ANSINH_TEST_PG must be set under CI"
            );
            eprintln!("ANSINH_TEST_PG is not set: skipping the PostgreSQL run");
            None
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn set_cookies(h: &axum::http::HeaderMap) -> String {
    h.get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn hidden(html: &str, name: &str) -> String {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat).unwrap_or_else(|| panic!("no {name}")) + pat.len();
    html[i..].split('"').next().unwrap().to_string()
}

/// Logs in through the login form; returns the session cookie and the session's token.
pub async fn session(app: &Router, user: &str) -> (String, String) {
    let get = |uri: &str, cookie: &str| {
        let mut r = Request::get(uri);
        if !cookie.is_empty() {
            r = r.header(header::COOKIE, cookie);
        }
        r.body(Body::empty()).unwrap()
    };
    let form = send(app, get("/login", "")).await;
    let token = hidden(&form.body, "csrf");
    let body = format!("username={user}&password={}&csrf={token}", demo::PASSWORD);
    let res = send(
        app,
        Request::post("/login")
            .header(header::COOKIE, set_cookies(&form.headers))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login {user}");
    let cookie = set_cookies(&res.headers)
        .split("; ")
        .find(|c| c.starts_with("ansinh_session=") && c.len() > "ansinh_session=".len())
        .unwrap()
        .to_string();
    let s = send(app, get("/api/session", &cookie)).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    let v: serde_json::Value = serde_json::from_str(&s.body).unwrap();
    (cookie, v["csrf_token"].as_str().unwrap().to_string())
}

/// Real ids of the seeded registry for the path parameters of write routes.
pub struct Ids {
    pub commune: UnitId,
    pub round: i64,
    pub household: HouseholdId,
    pub member: i64,
    pub complaint: i64,
    pub user: i64,
}

pub async fn ids<S: Backend>(store: &S) -> Ids {
    let units = store.all_units().await.unwrap();
    // (has complaints, list length), commune, round, a listed household, a complaint.
    type Candidate = ((bool, usize), UnitId, i64, HouseholdId, i64);
    let mut best: Option<Candidate> = None;
    for u in units.iter().filter(|u| u.unit.kind.level() == 3) {
        for r in store.review_rounds(u.id).await.unwrap() {
            let list = store.review_list(r.id).await.unwrap();
            let complaints = store.complaints(r.id).await.unwrap();
            if let Some((h, _)) = list.first() {
                let score = (!complaints.is_empty(), list.len());
                if best.as_ref().is_none_or(|(s, ..)| score > *s) {
                    let c = complaints.first().map_or(1, |c| c.id);
                    best = Some((score, u.id, r.id.0, *h, c));
                }
            }
        }
    }
    let (_, commune, round, household, complaint) = best.expect("a listed round in the demo");
    let h = store.household(household).await.unwrap();
    let users = store.users().await.unwrap();
    let user = users.iter().find(|u| u.username != "admin").unwrap().id.0;
    Ids {
        commune,
        round,
        household,
        member: h.members[0].id.0,
        complaint,
        user,
    }
}

/// Everything a write route could change, as text: the audit trail of every kind of record, the
/// accounts (with their password hashes), every unit's publishing setting and review rounds, and
/// each round's events, list, forms, meetings, complaints and approved snapshots.
pub async fn fingerprint<S: Backend>(store: &S) -> String {
    let mut out = String::new();
    for e in ansinh_store::Entity::ALL {
        let trail = store.audit_trail(e, None).await.unwrap();
        out += &format!("{e:?}: {} audit entries\n", trail.len());
    }
    for u in store.users().await.unwrap() {
        out += &format!(
            "user {} {} {} {:?} {:?} {:?} {} {}\n",
            u.id.0, u.username, u.display_name, u.role, u.unit, u.agency, u.active, u.password_hash
        );
    }
    for u in store.all_units().await.unwrap() {
        out += &format!(
            "unit {} public {}\n",
            u.id.0,
            store.public_lists(u.id).await.unwrap()
        );
        for r in store.review_rounds(u.id).await.unwrap() {
            out += &format!("{r:?}\n");
            out += &format!("{:?}\n", store.round_events(r.id).await.unwrap());
            out += &format!("{:?}\n", store.review_list(r.id).await.unwrap());
            out += &format!("{:?}\n", store.review_forms(r.id).await.unwrap());
            out += &format!("{:?}\n", store.review_meetings(r.id).await.unwrap());
            out += &format!("{:?}\n", store.complaints(r.id).await.unwrap());
            out += &format!("{:?}\n", store.snapshots(r.id).await.unwrap());
        }
    }
    out
}

/// A write route's path with its parameters replaced by real ids. A parameter this test does not
/// know fails the test: a new write route with a new kind of id needs a value here.
pub fn concrete(path: &str, ids: &Ids) -> String {
    let segs: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        let Some(name) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            out.push(s.to_string());
            continue;
        };
        let before = segs[i - 1];
        let v = match (before, name) {
            ("households", "id") => ids.household.0,
            ("members", "member" | "member_id") => ids.member,
            ("users", "id") => ids.user,
            ("units", "id" | "unit") => ids.commune.0,
            ("rounds", "id") => ids.round,
            ("households" | "forms", "hid" | "household") => ids.household.0,
            ("complaints", "cid" | "complaint") => ids.complaint,
            _ => panic!("{path}: no test value for the parameter {{{name}}} after /{before}/"),
        };
        out.push(v.to_string());
    }
    out.join("/")
}

/// `(method, path)` of every route the router serves, read from its `Debug` output (axum lists each
/// route id with its path and its method router). Only a cross-check of the route table: if axum
/// changes that output, this parse fails loudly.
pub fn served(app: &Router) -> BTreeSet<(String, String)> {
    let dbg = format!("{app:?}");
    let start = dbg.find("path_router").expect("axum Router debug output");
    let end = dbg
        .find("fallback_router")
        .expect("axum Router debug output");
    let section = &dbg[start..end];
    let mut paths: BTreeMap<u64, String> = BTreeMap::new();
    let mut methods: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for piece in section.split("RouteId(").skip(1) {
        let (id, rest) = piece.split_once("): ").expect("RouteId(n): …");
        let id: u64 = id.parse().expect("a route id");
        if let Some(p) = rest.strip_prefix('"') {
            paths.insert(id, p.split('"').next().unwrap().to_string());
        } else if let Some(m) = rest.strip_prefix("MethodRouter(MethodRouter { ") {
            let fields = m.split(", allow_header").next().unwrap();
            let found = fields
                .split(", ")
                .filter_map(|f| f.split_once(": "))
                .filter(|(k, v)| *v != "None" && !["head", "fallback"].contains(k))
                .map(|(k, _)| k.to_uppercase())
                .collect();
            methods.insert(id, found);
        } else {
            panic!("unexpected route entry in the router's debug output: {rest:.80}");
        }
    }
    assert_eq!(
        paths.keys().collect::<Vec<_>>(),
        methods.keys().collect::<Vec<_>>(),
        "every route id has a path and a method router"
    );
    let mut out = BTreeSet::new();
    for (id, p) in paths {
        for m in &methods[&id] {
            out.insert((m.clone(), p.clone()));
        }
    }
    out
}

pub fn table() -> Vec<(Method, &'static str)> {
    route_table::<SqliteStore>()
}

pub fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn app_of<S: Backend + Clone>(store: S) -> Router {
    demo::load(&store, &registry(), DemoSize::SMALL, PasswordCost::Fast)
        .await
        .unwrap();
    let config = Config {
        password_cost: PasswordCost::Fast,
        today: Some(chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
        ..Config::default()
    };
    router(App::new(store, registry(), config))
}
