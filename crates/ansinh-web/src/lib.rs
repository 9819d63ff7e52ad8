//! # ansinh-web
//!
//! The web application: an axum [`router`] over any backend that implements [`ansinh_store::Store`] and
//! [`ansinh_store::accounts::AccountStore`] (generic, no dynamic dispatch), server-rendered pages
//! (askama, Vietnamese first, English switchable), every asset served from the binary, a JSON API under
//! `/api` described by an OpenAPI document, and the synthetic demo province ([`demo`]).
//!
//! Every handler that shows registry data takes [`auth::Authorized`] and reads through
//! [`auth::Scoped`], which decides in one place what a role may do and which units it reaches.

pub mod admin;
pub mod analysis;
pub mod api;
pub mod auth;
pub mod demo;
mod demo_review;
pub mod entitlements_pages;
pub mod error;
pub mod guard;
pub mod http_log;
pub mod i18n;
pub mod pages;
// Support policies, plan checks and budget forecasts.
pub mod plans;
pub mod plans_api;
pub mod plans_pdf;
pub mod policies_export;
pub mod targets_api;
pub mod targets_pages;
// Editing, import and export of the registry.
pub mod api_edit;
pub mod edit;
pub mod review;
pub mod review_api;
pub mod review_outputs;
pub mod review_pages;
pub mod routing;
pub mod simulations;
pub mod transfer;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use ansinh_domain::{Standard, StandardSet};
use ansinh_rulebook::Rulebook;
use ansinh_store::Store;
use ansinh_store::accounts::AccountStore;
use ansinh_store::review::ReviewStore;

use routing::{Router, get, post};

pub use auth::PasswordCost;
pub use error::WebError;

/// What the application needs from storage.
pub trait Backend: Store + AccountStore + ReviewStore + Send + Sync + 'static {}
impl<T: Store + AccountStore + ReviewStore + Send + Sync + 'static> Backend for T {}

/// Settings of the application.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (browsers then send them over HTTPS, and to `localhost`, only).
    pub secure_cookies: bool,
    /// Lifetime of a login session.
    pub session_hours: i64,
    pub password_cost: PasswordCost,
    /// The standard the pages classify with; `None`: the national standard in force.
    pub standard: Option<String>,
    /// A fixed "today" (tests); `None`: the clock.
    pub today: Option<NaiveDate>,
    /// Failed logins allowed per user name and per client within `login_window`.
    pub login_failures: usize,
    pub login_window: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: true,
            session_hours: 8,
            password_cost: PasswordCost::Standard,
            standard: None,
            today: None,
            login_failures: 5,
            login_window: Duration::from_secs(15 * 60),
        }
    }
}

struct Inner<S> {
    store: S,
    /// Every rule, loaded and checked once at start by the caller (`ansinh serve`).
    rules: Rulebook,
    config: Config,
    limiter: auth::RateLimiter,
    downloads: transfer::Downloads,
    /// The rulebook's review workflows and scoring tables, as the review operations take them.
    review: review::Rules,
}

/// The application state, cheap to clone.
pub struct App<S> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for App<S> {
    fn clone(&self) -> Self {
        App {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: Backend> App<S> {
    /// The application over `store` with the rules loaded at start: the pages, the API and the
    /// downloads read only this rulebook.
    pub fn new(store: S, rules: Rulebook, config: Config) -> App<S> {
        let limiter = auth::RateLimiter::new(config.login_failures, config.login_window);
        let review = review::Rules {
            workflows: rules.workflows().clone(),
            scoring: rules.scoring().clone(),
        };
        App {
            inner: Arc::new(Inner {
                store,
                rules,
                config,
                limiter,
                downloads: transfer::Downloads::default(),
                review,
            }),
        }
    }
}

impl<S> App<S> {
    pub fn store(&self) -> &S {
        &self.inner.store
    }
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    /// The poverty standards.
    pub fn standards(&self) -> &StandardSet {
        self.inner.rules.standards()
    }
    /// Every rule the application works by.
    pub fn rules(&self) -> &Rulebook {
        &self.inner.rules
    }
    pub(crate) fn limiter(&self) -> &auth::RateLimiter {
        &self.inner.limiter
    }
    pub(crate) fn downloads(&self) -> &transfer::Downloads {
        &self.inner.downloads
    }
    /// The review workflows and scoring tables.
    pub fn review_rules(&self) -> &review::Rules {
        &self.inner.review
    }
    /// The support policies and dated reference values.
    pub fn policies(&self) -> &ansinh_domain::policy::PolicySet {
        self.inner.rules.policies()
    }
    /// The standards and what-if scenarios the simulations page offers.
    pub fn scenarios(&self) -> &StandardSet {
        self.inner.rules.scenarios()
    }
    /// The standard pages classify with on `on`: the configured one, else the national one in force.
    pub fn standard(&self, on: NaiveDate) -> Result<&Standard, WebError> {
        let reg = self.inner.rules.standards();
        let s = match &self.inner.config.standard {
            Some(id) => reg.get(id),
            None => reg.in_force(on, None),
        };
        s.ok_or_else(|| WebError::Internal(format!("no poverty standard in force on {on}")))
    }
}

/// The static files, compiled in: no CDN, works offline.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "/static/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "/static/htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/htmx-2.0.11.min.js"),
    ),
    (
        "/static/review.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/review.js"),
    ),
    (
        "/static/htmx-LICENSE.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../static/htmx-LICENSE.txt"),
    ),
];

fn asset_response(ty: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// Security headers on every response; pages are never cached (they hold personal data).
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    if !is_static {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

/// The whole application. Every request passes the write guard ([`guard`]): anything but GET, HEAD
/// and OPTIONS needs the session's anti-forgery token.
pub fn router<S: Backend>(app: App<S>) -> axum::Router {
    let (routes, _) = routes::<S>().into_parts();
    routes
        .fallback(|| async { WebError::NotFound { api: false } })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::guard::<S>,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(http_log::log_request))
        .with_state(app)
}

/// Every `(method, path)` the [`router`] serves (GET also answers HEAD), from the same routes.
pub fn route_table<S: Backend>() -> Vec<(Method, &'static str)> {
    routes::<S>().into_parts().1
}

fn routes<S: Backend>() -> Router<App<S>> {
    let mut r = Router::new()
        .route("/", get(pages::home::<S>))
        .route(
            "/login",
            get(pages::login_form::<S>).post(pages::login::<S>),
        )
        .route("/logout", post(pages::logout::<S>))
        .route("/lang/{lang}", get(pages::set_lang))
        .route("/dashboard", get(pages::dashboard::<S>))
        .route("/households", get(pages::households::<S>))
        .route("/households/{id}", get(pages::household::<S>))
        .route("/lists", get(pages::lists::<S>))
        .route(
            "/password",
            get(pages::password_form::<S>).post(pages::password::<S>),
        )
        .route(
            "/units/{id}/public-lists",
            post(pages::set_public_lists::<S>),
        )
        .route("/public", get(pages::public_index::<S>))
        .route("/public/{unit}", get(pages::public_list::<S>));
    for (path, ty, body) in ASSETS {
        r = r.route(path, get(move || async move { asset_response(ty, body) }));
    }
    r.merge(api::routes::<S>())
        .merge(edit::routes::<S>())
        .merge(admin::routes::<S>())
        .merge(entitlements_pages::routes::<S>())
        .merge(transfer::routes::<S>())
        .merge(api_edit::routes::<S>())
        .merge(review_pages::routes::<S>())
        .merge(review_api::routes::<S>())
        // Policies, plan checks and forecasts: pages, downloads and their API.
        .merge(plans::routes::<S>())
        .merge(targets_pages::routes::<S>())
        .merge(targets_api::routes::<S>())
        .merge(plans_pdf::routes::<S>())
        .merge(policies_export::routes::<S>())
        .merge(simulations::routes::<S>())
        .merge(plans_api::routes::<S>())
        // The review's printable outputs (ansinh-reports).
        .merge(review_outputs::routes::<S>())
}

/// Serves the application on `addr` until Ctrl-C; `on_ready` is told the bound address.
pub async fn serve<S: Backend>(
    app: App<S>,
    addr: std::net::SocketAddr,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    let svc = router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, svc)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// On a registry without any account, creates `admin` with a random password and returns it (to be
/// shown once to whoever started the server).
pub async fn ensure_admin<S: Backend>(
    store: &S,
    cost: PasswordCost,
) -> Result<Option<String>, WebError> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let password: String = auth::random_token()?.chars().take(16).collect();
    let hash = auth::hash_password(password.clone(), cost).await?;
    store
        .create_user(
            &ansinh_store::ChangeContext::new("ansinh", "first start"),
            &ansinh_store::accounts::NewUser {
                username: "admin".into(),
                display_name: "Quản trị viên".into(),
                password_hash: hash,
                role: ansinh_store::accounts::Role::Admin,
                unit: None,
                agency: None,
            },
        )
        .await?;
    Ok(Some(password))
}
