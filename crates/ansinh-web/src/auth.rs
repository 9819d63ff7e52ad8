//! Who is asking and what they may see: password hashing (argon2, off the async threads), sessions kept
//! in the database behind an HttpOnly, SameSite=Strict cookie, anti-forgery tokens, login rate limiting,
//! and the [`Authorized`] extractor every non-public handler takes.
//!
//! Authorisation itself is decided in `ansinh-app` ([`ansinh_app::actor`]): [`Authorized`] holds the
//! [`Actor`], and a handler gets data through `auth.scoped(&app)`, the app's [`Scoped`] reader, whose
//! methods check the role and that the record lies in the user's unit subtree. A record outside the
//! subtree is answered "not found", exactly like a record that does not exist, so guessing ids
//! reveals nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

use ansinh_domain::registry::UnitId;
use ansinh_store::ChangeContext;
use ansinh_store::accounts::{Session, User, UserId};

use crate::error::WebError;
use crate::i18n::Lang;
use crate::{App, Backend};

// The authorisation policy itself (roles, actions, the unit subtree, scoped reads) is the app's.
pub use ansinh_app::actor::{Action, Actor, ReviewAccess, Scope, Scoped, may_receive};

pub const SESSION_COOKIE: &str = "ansinh_session";
pub const LOGIN_CSRF_COOKIE: &str = "ansinh_login_csrf";
pub const LANG_COOKIE: &str = "ansinh_lang";

/// How expensive password hashes are. `Standard` is argon2id with OWASP's parameters; `Fast` is for
/// tests only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordCost {
    Standard,
    Fast,
}

fn hasher(cost: PasswordCost) -> Result<Argon2<'static>, WebError> {
    let params = match cost {
        PasswordCost::Standard => Params::new(19 * 1024, 2, 1, None),
        PasswordCost::Fast => Params::new(256, 1, 1, None),
    }
    .map_err(|e| WebError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password to a PHC string on a blocking thread.
pub async fn hash_password(password: String, cost: PasswordCost) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || {
        let h = hasher(cost)?;
        h.hash_password(password.as_bytes())
            .map(|p| p.to_string())
            .map_err(|e| WebError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| WebError::Internal(format!("hashing task: {e}")))?
}

/// Checks a password against a PHC string on a blocking thread (the parameters are the hash's own).
pub async fn verify_password(password: String, phc: String) -> Result<bool, WebError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return Ok(false);
        };
        let h = hasher(PasswordCost::Fast)?;
        Ok(h.verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| WebError::Internal(format!("hashing task: {e}")))?
}

/// A fresh random token: 32 bytes from the operating system, hex.
pub fn random_token() -> Result<String, WebError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| WebError::Internal(format!("random: {e}")))?;
    Ok(hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 of a session secret, as stored.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of a cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure unless turned off.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The language of a request: its cookie, else Vietnamese.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// Past this many remembered names and clients, expired ones are dropped.
const RATE_LIMIT_KEYS: usize = 10_000;

/// Failed logins per user name and per client address within a window; past the limit, logins are
/// refused (even with the right password) until the window moves on.
pub struct RateLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max_failures: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }
    fn keys(username: &str, client: &str) -> [(String, usize); 2] {
        [
            (format!("u:{}", username.to_lowercase()), 1),
            (format!("c:{client}"), 4),
        ]
    }
    /// Whether a login for this name from this client may be tried now.
    pub fn allowed(&self, username: &str, client: &str) -> bool {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return false;
        };
        // An office behind one address gets four times the allowance of one user name.
        Self::keys(username, client).iter().all(|(k, factor)| {
            let Some(v) = map.get_mut(k) else {
                return true;
            };
            v.retain(|t| now.duration_since(*t) < self.window);
            v.len() < self.max_failures * factor
        })
    }
    pub fn failed(&self, username: &str, client: &str) {
        if let Ok(mut map) = self.failures.lock() {
            // Names tried once and long ago are forgotten, so guessing many names cannot fill memory.
            if map.len() >= RATE_LIMIT_KEYS {
                let now = Instant::now();
                map.retain(|_, v| {
                    v.retain(|t| now.duration_since(*t) < self.window);
                    !v.is_empty()
                });
            }
            for (k, _) in Self::keys(username, client) {
                map.entry(k).or_default().push(Instant::now());
            }
        }
    }
    /// How many names and clients are remembered (tests).
    pub fn remembered(&self) -> usize {
        self.failures.lock().map_or(0, |m| m.len())
    }
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("u:{}", username.to_lowercase()));
        }
    }
}

/// A request from a logged-in user, with the session's anti-forgery token (for the pages to send
/// back; writes are checked by [`crate::guard`] before any handler runs) and the language.
pub struct Authorized {
    pub user: User,
    /// Who acts, for the use cases of `ansinh-app` (role, unit, agency, `web:<client>`).
    pub actor: Actor,
    pub scope: Scope,
    pub csrf: String,
    pub session_hash: String,
    pub lang: Lang,
    pub client: String,
    api: bool,
}

impl Authorized {
    /// Data access bounded by this user's scope (the app's scoped reader).
    pub fn scoped<'a, S: Backend>(&'a self, app: &'a App<S>) -> Scoped<'a, S> {
        Scoped::new(app.store(), self.scope)
    }
    /// Refuses unless the role may do `a`.
    pub fn require(&self, a: Action) -> Result<(), WebError> {
        if self.scope.allows(a) {
            Ok(())
        } else {
            Err(WebError::Forbidden { api: self.api })
        }
    }
    /// The audit context of a change made by this user.
    pub fn ctx(&self) -> ChangeContext {
        self.actor.ctx()
    }
}

/// The client address, when the server recorded it.
pub fn client_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string())
}

/// The client address as an extractor ("local" when unknown, as in tests).
pub struct ClientAddr(pub String);

impl<T: Send + Sync> FromRequestParts<T> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &T) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_of(parts)))
    }
}

/// What anyone may read about a commune without logging in: its published lists (through the same
/// scoped reads as a partner agency of that commune).
pub fn public_scope<S: Backend>(app: &App<S>, unit: UnitId) -> Scoped<'_, S> {
    Scoped::public(app.store(), unit)
}

/// A request's session, found from its cookie: not expired, of an active account.
pub(crate) struct LiveSession {
    pub session: Session,
    pub user: User,
    /// The digest of the cookie's secret, as stored.
    pub hash: String,
}

/// The live session of a request (`None`: no cookie, an unknown or expired session, or a disabled
/// account). [`Authorized`] and the write guard ([`crate::guard`]) both find it here.
pub(crate) async fn session_of<S: Backend>(
    app: &App<S>,
    headers: &HeaderMap,
) -> Result<Option<LiveSession>, WebError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let Some(session) = app.store().session(&hash, Utc::now()).await? else {
        return Ok(None);
    };
    let user = app.store().user(session.user).await?;
    if !user.active {
        return Ok(None);
    }
    Ok(Some(LiveSession {
        session,
        user,
        hash,
    }))
}

impl<S: Backend> FromRequestParts<App<S>> for Authorized {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, Self::Rejection> {
        let api = parts.uri.path().starts_with("/api/");
        let Some(LiveSession {
            session,
            user,
            hash,
        }) = session_of(app, &parts.headers).await?
        else {
            return Err(WebError::LoginRequired { api });
        };
        let client = client_of(parts);
        Ok(Authorized {
            actor: Actor::of_user(&user, &format!("web:{client}")),
            scope: Scope::of(&user),
            user,
            csrf: session.csrf_token,
            session_hash: hash,
            lang: lang_of(&parts.headers),
            client,
            api,
        })
    }
}

/// Opens a session for a user; returns the cookie secret.
pub async fn open_session<S: Backend>(app: &App<S>, user: UserId) -> Result<String, WebError> {
    let token = random_token()?;
    let now = Utc::now();
    app.store()
        .create_session(&Session {
            token_hash: token_hash(&token),
            user,
            csrf_token: random_token()?,
            created_at: now,
            expires_at: now + chrono::Duration::hours(app.config().session_hours),
        })
        .await?;
    Ok(token)
}

/// The date pages compute "as of" (fixed in tests).
pub fn today<S>(app: &App<S>) -> NaiveDate {
    app.config()
        .today
        .unwrap_or_else(|| Utc::now().date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_limiter_counts_failures_and_forgets_expired_names() {
        let l = RateLimiter::new(2, Duration::from_secs(3600));
        assert!(l.allowed("a", "1.2.3.4"));
        assert_eq!(l.remembered(), 0, "asking remembers nothing");
        l.failed("a", "1.2.3.4");
        l.failed("A", "1.2.3.4");
        assert!(
            !l.allowed("a", "5.6.7.8"),
            "the name is locked from any client"
        );
        assert!(
            l.allowed("b", "1.2.3.4"),
            "the office still may log in other names"
        );
        l.succeeded("b");
        let gone = RateLimiter::new(2, Duration::ZERO);
        for i in 0..3 * RATE_LIMIT_KEYS {
            gone.failed(&format!("u{i}"), "c");
            assert!(gone.remembered() <= RATE_LIMIT_KEYS + 1);
        }
    }
}
