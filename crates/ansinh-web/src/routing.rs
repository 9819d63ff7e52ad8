//! The router's table of routes: axum's `Router` cannot list what it serves, so every route is added
//! through these thin wrappers, which record `(method, path)` as they go. They have the names of
//! axum's (`Router`, `get`, `post`, `put`), so a module's `routes()` reads as before; [`crate::router`]
//! serves the routes and [`crate::route_table`] lists the same ones (the write guard's test sends a
//! forged request to every non-GET route of that list).

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;

/// A router that remembers its routes.
pub struct Router<St> {
    inner: axum::Router<St>,
    table: Vec<(Method, &'static str)>,
}

impl<St: Clone + Send + Sync + 'static> Default for Router<St> {
    fn default() -> Self {
        Router::new()
    }
}

impl<St: Clone + Send + Sync + 'static> Router<St> {
    pub fn new() -> Self {
        Router {
            inner: axum::Router::new(),
            table: Vec::new(),
        }
    }

    /// Serves `methods` on `path` (as [`axum::Router::route`]) and records them.
    pub fn route(mut self, path: &'static str, methods: MethodRouter<St>) -> Self {
        self.inner = self.inner.route(path, methods.inner);
        self.table
            .extend(methods.methods.into_iter().map(|m| (m, path)));
        self
    }

    /// Adds the routes of another router (as [`axum::Router::merge`]).
    pub fn merge(mut self, other: Router<St>) -> Self {
        self.inner = self.inner.merge(other.inner);
        self.table.extend(other.table);
        self
    }

    /// The axum router and the table of what it serves.
    pub fn into_parts(self) -> (axum::Router<St>, Vec<(Method, &'static str)>) {
        (self.inner, self.table)
    }
}

/// The handlers of one path, by method, remembering which methods they are.
pub struct MethodRouter<St> {
    inner: axum::routing::MethodRouter<St>,
    methods: Vec<Method>,
}

/// A `GET` (and `HEAD`) handler.
pub fn get<H, T, St>(handler: H) -> MethodRouter<St>
where
    H: Handler<T, St>,
    T: 'static,
    St: Clone + Send + Sync + 'static,
{
    MethodRouter {
        inner: axum::routing::get(handler),
        methods: vec![Method::GET],
    }
}

/// A `POST` handler.
pub fn post<H, T, St>(handler: H) -> MethodRouter<St>
where
    H: Handler<T, St>,
    T: 'static,
    St: Clone + Send + Sync + 'static,
{
    MethodRouter {
        inner: axum::routing::post(handler),
        methods: vec![Method::POST],
    }
}

/// A `PUT` handler.
pub fn put<H, T, St>(handler: H) -> MethodRouter<St>
where
    H: Handler<T, St>,
    T: 'static,
    St: Clone + Send + Sync + 'static,
{
    MethodRouter {
        inner: axum::routing::put(handler),
        methods: vec![Method::PUT],
    }
}

impl<St: Clone + Send + Sync + 'static> MethodRouter<St> {
    pub fn get<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, St>,
        T: 'static,
    {
        self.inner = self.inner.get(handler);
        self.methods.push(Method::GET);
        self
    }
    pub fn post<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, St>,
        T: 'static,
    {
        self.inner = self.inner.post(handler);
        self.methods.push(Method::POST);
        self
    }
    pub fn put<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, St>,
        T: 'static,
    {
        self.inner = self.inner.put(handler);
        self.methods.push(Method::PUT);
        self
    }
    /// A body limit of its own for these handlers (the imports).
    pub fn layer(mut self, limit: DefaultBodyLimit) -> Self {
        self.inner = self.inner.layer(limit);
        self
    }
}
