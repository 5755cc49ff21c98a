//! `citizen serve`: the cloud endpoint. An axum server over one store
//! (see [`store`]): the model registry, real-time prediction (the runtime,
//! the same engine as the browser and the edge), the Open Inference
//! Protocol V2, API tokens, Prometheus metrics, and the web app's files.
//!
//! It keeps no state of its own outside the store; what it caches in
//! memory (loaded models, tokens, alias resolutions) expires within
//! seconds, so replicas can share one bucket.

pub mod api;
pub mod auth;
pub mod dataset_views;
pub mod drift;
pub mod jobs;
pub mod lake_api;
pub mod lifecycle;
pub mod models;
pub mod oip;
pub mod registry;
pub mod store;
pub mod train_jobs;

pub use crate::http::{error, metrics};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use self::auth::{Auth, Role};
use self::error::{ApiError, ApiResult};
use self::metrics::Metrics;
use self::models::Models;
use self::registry::Registry;
use self::store::Store;

/// How the server runs; every field has a command-line flag.
#[derive(Clone, Debug)]
pub struct Config {
    pub store: String,
    pub addr: SocketAddr,
    /// Origins allowed to call the API from a browser (`*` for any).
    pub cors_origins: Vec<String>,
    /// Largest request body for prediction and other JSON calls.
    pub max_body_bytes: usize,
    /// Largest model file accepted by publish.
    pub max_model_bytes: usize,
    /// Largest batch upload.
    pub max_batch_bytes: u64,
    /// Largest table predicted synchronously (CSV, JSON Lines, Parquet body of predict).
    pub max_sync_bytes: u64,
    /// A batch job whose server has not written its heartbeat for this long
    /// is started again by another (or the next) server.
    pub job_stale_after: Duration,
    /// The web app's built files, served at `/`.
    pub web_dir: Option<PathBuf>,
    /// Origins allowed to embed the web app in a frame (a Teams-like host
    /// showing it as a tab), besides the server's own.
    pub frame_ancestors: Vec<String>,
    /// Where event streams are logged before they reach the store (the
    /// server's local disk; default: `_wal` in a local store's folder, else
    /// `citizen-wal`).
    pub wal_dir: Option<PathBuf>,
    /// The first retry of a failed webhook delivery waits this long; each next one twice as long.
    pub hook_retry_base: Duration,
    /// How often the retraining policies are checked.
    pub policy_check: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            store: "citizen-store".into(),
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            cors_origins: vec![],
            max_body_bytes: 16 << 20,
            max_model_bytes: 256 << 20,
            max_batch_bytes: 10 << 30,
            max_sync_bytes: 256 << 20,
            job_stale_after: Duration::from_secs(30),
            web_dir: None,
            frame_ancestors: vec![],
            wal_dir: None,
            hook_retry_base: Duration::from_secs(1),
            policy_check: Duration::from_secs(60),
        }
    }
}

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub models: Models,
    pub auth: Auth,
    pub metrics: Arc<Metrics>,
    pub jobs: jobs::Jobs,
    pub lake: crate::lake::Lake,
    pub events: Arc<crate::lake::events::EventLog>,
    pub hooks: Arc<crate::lake::hooks::Hooks>,
    pub recent: drift::Recent,
}

/// What every handler sees.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, store: Store) -> AppState {
        let wal = config.wal_dir.clone().unwrap_or_else(|| {
            if store.location.contains("://") {
                PathBuf::from("citizen-wal")
            } else {
                PathBuf::from(&store.location).join("_wal")
            }
        });
        AppState(Arc::new(Inner {
            lake: crate::lake::Lake::new(store.clone()),
            hooks: Arc::new(crate::lake::hooks::Hooks::new(store.clone(), config.hook_retry_base)),
            events: Arc::new(crate::lake::events::EventLog::new(wal, store.clone())),
            models: Models::new(Registry::new(store.clone())),
            auth: Auth::new(store.clone()),
            metrics: Arc::new(Metrics::new()),
            jobs: jobs::Jobs::new(config.job_stale_after),
            recent: Default::default(),
            store,
            config,
        }))
    }
}

/// Request ids: this process's id in hex, then a counter (`1a2b3c4d-17`).
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        // Asked once: `process::id` is a system call.
        RequestIds { prefix: format!("{:08x}-", std::process::id()).into(), next: Default::default() }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut id = String::with_capacity(self.prefix.len() + 20);
        id.push_str(&self.prefix);
        let _ = std::fmt::Write::write_fmt(&mut id, format_args!("{n}"));
        HeaderValue::try_from(id).ok().map(RequestId::new)
    }
}

/// All routes, each measured by `metrics::track` (which needs the route
/// matched); [`serve`] puts the layers every request goes through around it.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/models", get(api::list_models))
        .route("/models/{name}", get(api::get_model))
        .route("/models/{name}/versions", post(api::publish))
        .route("/models/{name}/versions/{version}", get(api::get_version).delete(api::delete_version))
        .route("/models/{name}/versions/{version}/model.onnx", get(api::download))
        .route("/models/{name}/aliases/{alias}", put(api::set_alias).delete(api::delete_alias))
        .route("/models/{name}/openapi.json", get(api::openapi_latest))
        .route("/models/{name}/swagger.json", get(api::swagger_latest))
        .route("/models/{name}/versions/{version}/openapi.json", get(api::openapi_version))
        .route("/models/{name}/versions/{version}/swagger.json", get(api::swagger_version))
        .route("/openapi.json", get(api::server_openapi))
        .route("/models/{name}/drift", get(drift::drift))
        .route("/models/{name}/policy", get(lifecycle::get_policy).put(lifecycle::put_policy))
        .route("/models/{name}/retrain", post(lifecycle::retrain))
        .route("/models/{name}/decisions", get(lifecycle::decisions))
        .route("/models/{name}/rollback", post(lifecycle::rollback))
        .route("/models/{name}/predict", post(api::predict_latest))
        .route("/models/{name}/versions/{version}/predict", post(api::predict_version))
        .route("/models/{name}/batch", post(jobs::submit_latest))
        .route("/models/{name}/versions/{version}/batch", post(jobs::submit_version))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}", get(jobs::get).delete(jobs::cancel))
        .route("/jobs/{id}/result", get(jobs::result))
        .route("/jobs/{id}/errors", get(jobs::errors))
        .route("/datasets", get(lake_api::list))
        .route("/datasets/{name}", get(lake_api::get))
        .route("/datasets/{name}/files", post(lake_api::ingest))
        .route("/datasets/{name}/events", post(lake_api::append_events).get(lake_api::read_events))
        .route("/datasets/{name}/table", get(lake_api::table))
        .route("/datasets/{name}/rows", get(dataset_views::rows))
        .route("/datasets/{name}/schema", get(dataset_views::schema))
        .route("/datasets/{name}/scored", get(dataset_views::scored))
        .route("/datasets/{name}/scored/{model}/rows", get(dataset_views::scored_rows))
        .route("/datasets/{name}/score", post(lake_api::score))
        .route("/train", post(train_jobs::submit).get(train_jobs::list))
        .route("/train/{id}", get(train_jobs::get).delete(train_jobs::cancel))
        .route("/train/{id}/publish", post(train_jobs::publish))
        .route("/whoami", get(whoami))
        .route("/hooks", get(lake_api::list_hooks).post(lake_api::create_hook))
        .route("/hooks/{id}", get(lake_api::get_hook).delete(lake_api::delete_hook))
        .route("/hooks/{id}/deliveries", get(lake_api::deliveries))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/v2", get(oip::server_metadata))
        .route("/v2/health/live", get(oip::live))
        .route("/v2/health/ready", get(oip::ready))
        .route("/v2/models/{name}", get(oip::model_metadata))
        .route("/v2/models/{name}/ready", get(oip::model_ready))
        .route("/v2/models/{name}/infer", post(oip::infer))
        .route("/v2/models/{name}/versions/{version}", get(oip::version_metadata))
        .route("/v2/models/{name}/versions/{version}/infer", post(oip::infer_version))
        .route("/metrics", get(metrics::handler).with_state(state.metrics.clone()));
    let api = match &state.config.web_dir {
        Some(dir) => api.fallback_service(web_app(dir, &state.config.frame_ancestors)),
        None => api.fallback(|| async { ApiError::not_found("no such route") }),
    };
    api.layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track)).with_state(state)
}

/// The router inside the layers every request goes through: request ids,
/// the trace span, panics caught, CORS. Around the router once, not around
/// each route (`Router::layer`), which boxed and cloned every layer per
/// request.
fn app(
    state: AppState,
) -> impl tower::Service<
    axum::http::Request<Body>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let request_id = header::HeaderName::from_static("x-request-id");
    let cors = cors(&state.config.cors_origins);
    tower::ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(SetRequestIdLayer::new(request_id.clone(), RequestIds::new()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<Body>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal(
                "the server hit a bug answering this request",
            ))
        }))
        .layer(cors)
        .service(router(state))
}

/// The web app's files, gzipped ahead of time where `scripts/build-web.sh`
/// left a `.gz` beside a file. Browsers revalidate every file (`no-cache`), so a new
/// build is picked up at once; who may frame the app is said by a
/// `frame-ancestors` policy (the server's own origin, plus the configured
/// hosts).
fn web_app(dir: &std::path::Path, frame_ancestors: &[String]) -> axum::routing::MethodRouter {
    let policy = std::iter::once("'self'".to_string()).chain(frame_ancestors.iter().cloned()).collect::<Vec<_>>();
    let policy = HeaderValue::from_str(&format!("frame-ancestors {}", policy.join(" ")))
        .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"));
    let service = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, policy))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .service(tower_http::services::ServeDir::new(dir).precompressed_gzip());
    axum::routing::get_service(service)
}

/// Checks an origin given for `frame-ancestors`: `https://host[:port]`,
/// `http://...`, or a wildcard host like `https://*.example.com`. Nothing
/// else, so a value cannot add policy directives.
pub fn check_frame_ancestor(origin: &str) -> Result<(), String> {
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*' | '[' | ']'))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{origin:?} is not an origin a frame-ancestors policy can name: give it as https://host or https://host:port"
        ))
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(AllowOrigin::any())
    } else {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

#[derive(Deserialize)]
struct NewToken {
    role: Role,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    label: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.auth.caller(&headers).await?.admin()?;
    let req: NewToken = api::json_body(&headers, body, 4096).await?;
    let (token, record) = state
        .auth
        .create(req.role, req.model, req.label)
        .await
        .map_err(|e| ApiError::bad_request("invalid_token_request", format!("{e:#}")))?;
    let mut body = serde_json::to_value(record).map_err(ApiError::internal)?;
    body["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /whoami`: the caller's token id, role and model (what the web app
/// shows or hides by).
async fn whoami(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    Ok(Json(json!({ "id": caller.0.id, "role": caller.0.role, "model": caller.0.model })))
}

async fn list_tokens(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?.admin()?;
    Ok(Json(json!({ "tokens": state.auth.list().await? })))
}

async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.auth.caller(&headers).await?.admin()?;
    if state.auth.revoke(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("there is no token {id:?}")))
    }
}

/// Runs the server until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(config: Config) -> Result<()> {
    let store = Store::open(&config.store)?;
    let state = AppState::new(config.clone(), store);
    if state.auth.list().await?.is_empty() {
        tracing::warn!(
            "the store has no API tokens yet: create one with `citizen token create --role admin --store {}`",
            config.store
        );
    }
    let listener =
        tokio::net::TcpListener::bind(config.addr).await.with_context(|| format!("listening on {}", config.addr))?;
    let addr = listener.local_addr()?;
    tokio::spawn(jobs::recover(state.clone()));
    state.events.recover().await?;
    if let Err(e) = train_jobs::sweep(&state, config.job_stale_after).await {
        tracing::warn!("looking for abandoned training jobs: {e:#}");
    }
    tokio::spawn(state.events.clone().flusher(state.hooks.clone()));
    tokio::spawn(state.hooks.clone().worker());
    tokio::spawn(lifecycle::scheduler(state.clone(), config.policy_check));
    // The one line on standard output: tests and scripts read the address from it.
    println!("citizen serve: listening on http://{addr} (store: {})", state.store.location);
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let app = axum::ServiceExt::<axum::http::Request<Body>>::into_make_service(app(state));
    axum::serve(listener, app).with_graceful_shutdown(crate::http::shutdown()).await.context("serving")?;
    tracing::info!("stopped");
    Ok(())
}
