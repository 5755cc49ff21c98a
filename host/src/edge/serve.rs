//! `citizen-edge serve`: the cloud's predict API for the models the edge
//! holds, plus health and metrics.
//!
//! `POST /models/{name}/predict` (and `/versions/{v}/predict` when the edge
//! holds that version) takes JSON rows (`application/json`, an object or an
//! array) and answers `{"model", "version", "predictions"}` as the cloud
//! does, or a CSV / JSON Lines body and answers the file `citizen predict`
//! writes. Errors are the cloud's JSON body; a call that runs out of fuel
//! or memory is a 422 `limit_exceeded` and the host keeps serving.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use runtime_wasm::format::Format;
use serde_json::{Map, Value, json};

use super::{Edge, EdgeModel};
use crate::http::error::{ApiError, ApiResult};
use crate::http::metrics::{self, Metrics};
use crate::http::read_body;
use crate::wasi_engine::ModuleError;

pub struct Config {
    pub addr: SocketAddr,
    pub max_body_bytes: usize,
    /// The models the edge should hold: it is ready when it holds them all.
    pub expected: Vec<String>,
}

#[derive(Clone)]
pub struct AppState {
    edge: Arc<Edge>,
    metrics: Arc<Metrics>,
    max_body_bytes: usize,
    expected: Arc<Vec<String>>,
    /// One module call per core at a time; more wait here instead of
    /// taking more memory.
    calls: Arc<tokio::sync::Semaphore>,
}

pub fn check_name(name: &str) -> ApiResult<()> {
    crate::http::check_name("model", name)
}

pub fn router(edge: Arc<Edge>, max_body_bytes: usize, expected: Vec<String>) -> Router {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let state = AppState {
        edge,
        metrics: Arc::new(Metrics::new()),
        max_body_bytes,
        expected: Arc::new(expected),
        calls: Arc::new(tokio::sync::Semaphore::new(cores)),
    };
    Router::new()
        .route("/models", get(list_models))
        .route("/models/{name}/predict", post(predict_latest))
        .route("/models/{name}/versions/{version}/predict", post(predict_version))
        .route("/v2/health/live", get(|| async { Json(json!({ "live": true })) }))
        .route("/v2/health/ready", get(ready))
        .route("/metrics", get(metrics::handler).with_state(state.metrics.clone()))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::internal("the edge hit a bug answering this request").into_response()
        }))
        .with_state(state)
}

pub async fn serve(config: Config, edge: Arc<Edge>) -> Result<()> {
    let listener =
        tokio::net::TcpListener::bind(config.addr).await.with_context(|| format!("listening on {}", config.addr))?;
    let addr = listener.local_addr()?;
    // The one line on standard output: tests and scripts read the address from it.
    println!("citizen-edge: listening on http://{addr} (models: {})", config.expected.join(", "));
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router(edge, config.max_body_bytes, config.expected))
        .with_graceful_shutdown(crate::http::shutdown())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

fn describe(m: &EdgeModel) -> Value {
    json!({ "name": m.name, "version": m.version, "sha256": m.sha256 })
}

async fn list_models(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "models": state.edge.list().iter().map(|m| describe(m)).collect::<Vec<_>>() }))
}

/// Ready when the edge holds every model it was told to serve (a synced
/// model is missing until its first sync, unless a copy was kept on disk).
async fn ready(State(state): State<AppState>) -> Response {
    let missing: Vec<&String> = state.expected.iter().filter(|n| state.edge.get(n).is_none()).collect();
    let ready = missing.is_empty();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "ready": ready, "missing": missing }))).into_response()
}

async fn predict_latest(
    state: State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    predict(state, headers, name, None, body).await
}

async fn predict_version(
    state: State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Response> {
    predict(state, headers, name, Some(version), body).await
}

/// What a request's body holds, from its Content-Type.
enum Rows {
    Json,
    File(Format),
}

fn rows_kind(headers: &HeaderMap) -> ApiResult<Rows> {
    let essence = crate::http::content_type(headers);
    match Format::from_content_type(&essence) {
        Some(Format::Json) => Ok(Rows::Json),
        Some(f) => Ok(Rows::File(f)),
        None if essence.is_empty() => Err(ApiError::unsupported_media(
            "say what the body is: Content-Type: application/json (rows), text/csv or application/x-ndjson",
        )),
        None => Err(ApiError::unsupported_media(format!(
            "cannot read rows sent as {essence:?} at the edge: use application/json, text/csv or application/x-ndjson"
        ))),
    }
}

async fn predict(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: String,
    version: Option<String>,
    body: Body,
) -> ApiResult<Response> {
    check_name(&name)?;
    let kind = rows_kind(&headers)?;
    let model =
        state.edge.get(&name).ok_or_else(|| ApiError::not_found(format!("this edge holds no model named {name:?}")))?;
    if let Some(v) = version {
        let wanted: u64 = v
            .parse()
            .map_err(|_| ApiError::bad_request("invalid_version", format!("version {v:?} is not a number")))?;
        if model.version != Some(wanted) {
            return Err(ApiError::not_found(format!("this edge does not hold version {wanted} of {name:?}")));
        }
    }
    let bytes = read_body(body, state.max_body_bytes).await?;
    match kind {
        Rows::Json => {
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request("invalid_json", format!("the JSON body is not valid: {e}")))?;
            if !matches!(value, Value::Object(_) | Value::Array(_)) {
                return Err(ApiError::bad_request("invalid_json", "send one row as an object or several as an array"));
            }
            let table =
                manifest::Table::from_json_value(&value).map_err(|e| ApiError::input(runtime_wasm::Error::Input(e)))?;
            let out = call(&state, model.clone(), bytes, Format::Json, Format::JsonLines).await?;
            let predictions = predictions_only(&out, table.columns())?;
            state.metrics.rows(&name, predictions.len());
            Ok(Json(json!({ "model": name, "version": model.version, "predictions": predictions })).into_response())
        }
        Rows::File(format) => {
            let rows = runtime_wasm::format::read_table(&bytes, format).map(|t| t.len()).unwrap_or(0);
            let out = call(&state, model, bytes, format, format).await?;
            state.metrics.rows(&name, rows);
            Ok(([(header::CONTENT_TYPE, format.content_type())], out).into_response())
        }
    }
}

/// One module call off the async threads, at most one per core at a time.
async fn call(state: &AppState, model: Arc<EdgeModel>, input: Bytes, from: Format, to: Format) -> ApiResult<Vec<u8>> {
    let _permit = state.calls.acquire().await.map_err(ApiError::internal)?;
    let edge = state.edge.clone();
    tokio::task::spawn_blocking(move || edge.predict(&model, &input, from, to))
        .await
        .map_err(ApiError::internal)?
        .map_err(module_error)
}

fn module_error(e: anyhow::Error) -> ApiError {
    match e.downcast_ref::<ModuleError>() {
        Some(ModuleError::Refused(m)) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m.clone()),
        Some(ModuleError::Limit(m)) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit_exceeded",
            format!("{m}; send fewer rows at a time, or send the batch to the cloud"),
        ),
        _ => ApiError::internal(format!("{e:#}")),
    }
}

/// The module's JSON Lines output holds each input row with the outputs
/// appended (an output named like an input column is written
/// `predicted_<name>`); the API answers the outputs alone, under their own
/// names, as the cloud's `Prediction::json_rows` does.
fn predictions_only(out: &[u8], columns: &[String]) -> ApiResult<Vec<Value>> {
    let text = std::str::from_utf8(out).map_err(ApiError::internal)?;
    let is_input = |k: &str| columns.iter().any(|c| c == k);
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let row: Map<String, Value> = serde_json::from_str(line).map_err(ApiError::internal)?;
            let mut only = Map::new();
            for (k, v) in row {
                if is_input(&k) {
                    continue;
                }
                match k.strip_prefix("predicted_").filter(|base| is_input(base)) {
                    Some(base) => only.insert(base.to_string(), v),
                    None => only.insert(k, v),
                };
            }
            Ok(Value::Object(only))
        })
        .collect()
}
