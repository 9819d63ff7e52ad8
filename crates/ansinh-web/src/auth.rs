//! Who is asking and what they may see: password hashing (argon2, off the async threads), sessions kept
//! in the database behind an HttpOnly, SameSite=Strict cookie, anti-forgery tokens, login rate limiting,
//! and the [`Authorized`] extractor every non-public handler takes.
//!
//! Authorisation lives here and in [`Scoped`] only: a handler gets data through `auth.scoped(&app)`,
//! whose methods check the role and that the record lies in the user's unit subtree. A record outside
//! the subtree is answered "not found", exactly like a record that does not exist, so guessing ids
//! reveals nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
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

use ansinh_domain::registry::{HouseholdId, UnitId};
use ansinh_store::accounts::{ClassificationFact, Role, Session, User, UserId};
use ansinh_store::{ChangeContext, HouseholdHit, StoredHousehold, StoredUnit};

use crate::error::WebError;
use crate::i18n::Lang;
use crate::{App, Backend};

mod review;
pub use review::{ReviewAccess, may_receive};

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

/// What a role may do (where: see [`Scope`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Counts and rates of the unit.
    Dashboard,
    /// Households, their members, classification, history and audit trail.
    ReadHouseholds,
    /// The lists of poor and near-poor households (names, village, class).
    ReadLists,
    /// Unit settings such as publishing the lists.
    ManageUnit,
    /// Create and change households and members, import files (commune officers, administrators).
    EditRegistry,
    /// Export the registry of the subtree as a file (not partner agencies: they have the lists).
    ExportRegistry,
    /// Create, change, disable accounts and set their passwords (administrators only).
    ManageAccounts,
    /// The support policies and the dated reference values: public-sector planning information, so
    /// every logged-in role reads them (partner agencies too). Nothing to write.
    ReadPolicies,
    /// Plan tables recomputed cell by cell and budget forecasts (with their downloads): administrators,
    /// province/district and commune officers; not partner agencies. Nothing to write.
    ReadPlans,
}

/// A user's reach: a role over a unit subtree (`root: None` is the whole registry, administrators only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub role: Role,
    pub root: Option<UnitId>,
}

impl Scope {
    pub fn of(user: &User) -> Scope {
        Scope {
            role: user.role,
            // Only an administrator may be unbounded; any other role without a unit sees nothing.
            root: match (user.role, user.unit) {
                (_, Some(u)) => Some(u),
                (Role::Admin, None) => None,
                (_, None) => Some(UnitId(-1)),
            },
        }
    }

    pub fn allows(&self, a: Action) -> bool {
        match (self.role, a) {
            (_, Action::Dashboard | Action::ReadLists | Action::ReadPolicies) => true,
            (Role::Admin, Action::ManageAccounts) => true,
            (_, Action::ManageAccounts) => false,
            (Role::Partner, Action::ReadPlans) => false,
            (Role::Supervisor, Action::ReadPlans) => true,
            (Role::Admin | Role::CommuneOfficer, _) => true,
            (Role::Supervisor, Action::ReadHouseholds) => true,
            (Role::Supervisor, Action::ManageUnit) => false,
            (Role::Partner, Action::ReadHouseholds | Action::ManageUnit) => false,
            (Role::Supervisor, Action::ExportRegistry) => true,
            (Role::Supervisor, Action::EditRegistry) => false,
            (Role::Partner, Action::EditRegistry | Action::ExportRegistry) => false,
        }
    }
}

/// A request from a logged-in user, with the session's anti-forgery token (for the pages to send
/// back; writes are checked by [`crate::guard`] before any handler runs) and the language.
pub struct Authorized {
    pub user: User,
    pub scope: Scope,
    pub csrf: String,
    pub session_hash: String,
    pub lang: Lang,
    pub client: String,
    api: bool,
}

impl Authorized {
    /// Data access bounded by this user's scope.
    pub fn scoped<'a, S: Backend>(&'a self, app: &'a App<S>) -> Scoped<'a, S> {
        Scoped {
            store: app.store(),
            scope: self.scope,
            api: self.api,
        }
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
        ChangeContext::new(&self.user.username, &format!("web:{}", self.client))
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
    Scoped {
        store: app.store(),
        scope: Scope {
            role: Role::Partner,
            root: Some(unit),
        },
        api: false,
    }
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
        Ok(Authorized {
            scope: Scope::of(&user),
            user,
            csrf: session.csrf_token,
            session_hash: hash,
            lang: lang_of(&parts.headers),
            client: client_of(parts),
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

/// The store seen through a user's scope: the one place where "may this user see that" is decided.
pub struct Scoped<'a, S> {
    store: &'a S,
    scope: Scope,
    api: bool,
}

impl<S: Backend> Scoped<'_, S> {
    fn not_found(&self) -> WebError {
        WebError::NotFound { api: self.api }
    }
    fn require(&self, a: Action) -> Result<(), WebError> {
        if self.scope.allows(a) {
            Ok(())
        } else {
            Err(WebError::Forbidden { api: self.api })
        }
    }

    pub fn root(&self) -> Option<UnitId> {
        self.scope.root
    }

    /// Whether a unit lies in the subtree (walking up its parents).
    pub async fn covers(&self, unit: UnitId) -> Result<bool, WebError> {
        let Some(root) = self.scope.root else {
            return Ok(true);
        };
        let mut next = Some(unit);
        let mut steps = 0;
        while let Some(u) = next {
            if u == root {
                return Ok(true);
            }
            steps += 1;
            if steps > 16 {
                break;
            }
            next = match self.store.unit(u).await {
                Ok(su) => su.unit.parent,
                Err(ansinh_store::StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            };
        }
        Ok(false)
    }

    /// A unit of the subtree.
    pub async fn unit(&self, id: UnitId) -> Result<StoredUnit, WebError> {
        self.require(Action::Dashboard)?;
        if !self.covers(id).await? {
            return Err(self.not_found());
        }
        self.store.unit(id).await.map_err(|_| self.not_found())
    }

    /// The root unit, if any.
    pub async fn root_unit(&self) -> Result<Option<StoredUnit>, WebError> {
        match self.scope.root {
            Some(r) => Ok(Some(self.unit(r).await?)),
            None => Ok(None),
        }
    }

    /// A unit whose settings the user may change.
    pub async fn unit_to_manage(&self, id: UnitId) -> Result<StoredUnit, WebError> {
        self.require(Action::ManageUnit)?;
        self.unit(id).await
    }

    /// Every unit of the subtree (current and past), with the root first.
    pub async fn units(&self) -> Result<Vec<StoredUnit>, WebError> {
        let all = self.store.all_units().await?;
        let Some(root) = self.scope.root else {
            return Ok(all);
        };
        let mut children: BTreeMap<UnitId, Vec<usize>> = BTreeMap::new();
        for (i, u) in all.iter().enumerate() {
            if let Some(p) = u.unit.parent {
                children.entry(p).or_default().push(i);
            }
        }
        let mut keep = BTreeSet::new();
        let mut todo = vec![root];
        while let Some(u) = todo.pop() {
            if keep.insert(u) {
                for &i in children.get(&u).into_iter().flatten() {
                    todo.push(all[i].id);
                }
            }
        }
        let mut out: Vec<StoredUnit> = all.into_iter().filter(|u| keep.contains(&u.id)).collect();
        out.sort_by_key(|u| u.id != root);
        Ok(out)
    }

    /// Live households of the subtree with their members, by code.
    pub async fn households(&self, units: &[StoredUnit]) -> Result<Vec<StoredHousehold>, WebError> {
        self.require(Action::ReadLists)?;
        let ids: Vec<UnitId> = units.iter().map(|u| u.id).collect();
        Ok(self.store.households_in_units(&ids).await?)
    }

    /// One household of the subtree.
    pub async fn household(&self, id: HouseholdId) -> Result<StoredHousehold, WebError> {
        self.require(Action::ReadHouseholds)?;
        let h = match self.store.household(id).await {
            Ok(h) => h,
            Err(ansinh_store::StoreError::NotFound { .. }) => return Err(self.not_found()),
            Err(e) => return Err(e.into()),
        };
        if !self.covers(h.household.unit).await? {
            return Err(self.not_found());
        }
        Ok(h)
    }

    /// Households of the subtree matching a search (diacritics optional).
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<HouseholdHit>, WebError> {
        self.require(Action::ReadHouseholds)?;
        Ok(self
            .store
            .search_households_under(self.scope.root, query, limit)
            .await?)
    }

    /// The classification history of the subtree's households.
    pub async fn classifications(&self) -> Result<Vec<ClassificationFact>, WebError> {
        self.require(Action::ReadLists)?;
        Ok(self.store.classifications_under(self.scope.root).await?)
    }

    /// The classification history of some households found through this scope (search results).
    pub async fn classifications_of(
        &self,
        found: &[HouseholdId],
    ) -> Result<Vec<ClassificationFact>, WebError> {
        self.require(Action::ReadLists)?;
        Ok(self.store.classifications_of(found).await?)
    }

    /// The approved results in force for the communes among `units` (units already read through
    /// this scope): for each household, the class of the latest approved snapshot of any round of its
    /// commune (the periodic round or a later in-year decision), with its approval date. What the
    /// commune decided, not what the engine computes today: the lists posted and published.
    pub async fn approved_results(
        &self,
        units: &[StoredUnit],
    ) -> Result<HashMap<HouseholdId, (NaiveDate, ansinh_domain::Class)>, WebError> {
        self.require(Action::ReadLists)?;
        let mut out: HashMap<HouseholdId, (NaiveDate, i64, ansinh_domain::Class)> = HashMap::new();
        for u in units.iter().filter(|u| u.unit.kind.level() == 3) {
            let rounds = self
                .store
                .review_rounds(u.id)
                .await
                .map_err(crate::review::refusal)?;
            for r in rounds {
                let Some(snap) = self
                    .store
                    .snapshots(r.id)
                    .await
                    .map_err(crate::review::refusal)?
                    .pop()
                else {
                    continue;
                };
                for e in snap.entries {
                    let key = (snap.approved_on, snap.id);
                    let newer = out
                        .get(&e.household)
                        .is_none_or(|&(d, id, _)| key > (d, id));
                    if newer {
                        out.insert(e.household, (snap.approved_on, snap.id, e.class));
                    }
                }
            }
        }
        Ok(out.into_iter().map(|(h, (d, _, c))| (h, (d, c))).collect())
    }

    /// The store, for reads about a record already checked through this scope.
    pub fn checked_store(&self) -> &S {
        self.store
    }
}

/// Writes: what a user may change, decided here like the reads above.
impl<S: Backend> Scoped<'_, S> {
    /// A household of the subtree the user may change (not found outside it, as for reads).
    pub async fn household_to_edit(&self, id: HouseholdId) -> Result<StoredHousehold, WebError> {
        self.require(Action::EditRegistry)?;
        self.household(id).await
    }

    /// A unit of the subtree a household may be recorded under on `on`: a commune-level unit or a
    /// village, valid that day.
    pub async fn unit_to_record(&self, id: UnitId, on: NaiveDate) -> Result<StoredUnit, WebError> {
        self.require(Action::EditRegistry)?;
        let u = self.unit(id).await?;
        if u.unit.kind.level() < 3 || !u.unit.is_valid_on(on) {
            return Err(self.not_found());
        }
        Ok(u)
    }

    /// The units a household may be recorded under on `on`, the root's first, in the order of
    /// [`Scoped::units`].
    pub async fn units_to_record(&self, on: NaiveDate) -> Result<Vec<StoredUnit>, WebError> {
        self.require(Action::EditRegistry)?;
        Ok(self
            .units()
            .await?
            .into_iter()
            .filter(|u| u.unit.kind.level() >= 3 && u.unit.is_valid_on(on))
            .collect())
    }

    /// The units an import may write to: every unit of the subtree (`None`: the whole registry).
    pub async fn import_scope(&self) -> Result<Option<BTreeSet<UnitId>>, WebError> {
        self.require(Action::EditRegistry)?;
        if self.scope.root.is_none() {
            return Ok(None);
        }
        Ok(Some(
            self.units().await?.into_iter().map(|u| u.id).collect(),
        ))
    }

    /// The units of an export: `unit` (of the subtree) and every unit below it, or the whole
    /// subtree; `None` only for an administrator exporting the whole registry.
    pub async fn units_to_export(
        &self,
        unit: Option<UnitId>,
    ) -> Result<Option<Vec<StoredUnit>>, WebError> {
        self.require(Action::ExportRegistry)?;
        let all = self.units().await?;
        let Some(root) = unit.or(self.scope.root) else {
            return Ok(None);
        };
        if !all.iter().any(|u| u.id == root) {
            return Err(self.not_found());
        }
        let mut keep = BTreeSet::from([root]);
        let mut grew = true;
        while grew {
            grew = false;
            for u in &all {
                if u.unit.parent.is_some_and(|p| keep.contains(&p)) && keep.insert(u.id) {
                    grew = true;
                }
            }
        }
        Ok(Some(
            all.into_iter().filter(|u| keep.contains(&u.id)).collect(),
        ))
    }
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
