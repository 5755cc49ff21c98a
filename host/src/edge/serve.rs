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
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use runtime_wasm::format::Format;
use serde_json::{Map, Value, json};

use super::outbox::{Batch, Forward, ForwardState, Outbox};
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
    /// Where batches go that the edge does not predict itself (with --cloud).
    pub outbox: Option<Arc<Outbox>>,
    pub budget: Budget,
    pub metrics: Arc<Metrics>,
}

/// How big a batch the edge predicts itself when it can forward to the cloud.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Estimated fuel of a batch: rows × the model's fuel per row.
    pub fuel: u64,
    pub rows: Option<u64>,
}

impl Budget {
    /// Why a batch of `rows` rows should go to the cloud, if it should.
    fn over(&self, model: &EdgeModel, rows: u64) -> Option<String> {
        if let Some(max) = self.rows.filter(|&max| rows > max) {
            return Some(format!("{rows} rows are more than the edge predicts itself (--local-max-rows {max})"));
        }
        let per_row = model.fuel_per_row?;
        let cost = rows.saturating_mul(per_row);
        (cost > self.fuel).then(|| {
            format!(
                "{rows} rows at about {per_row} fuel each are over the edge's budget of {} fuel (--local-budget)",
                self.fuel
            )
        })
    }
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
    outbox: Option<Arc<Outbox>>,
    budget: Budget,
}

pub fn check_name(name: &str) -> ApiResult<()> {
    crate::http::check_name("model", name)
}

pub fn router(edge: Arc<Edge>, config: Config) -> Router {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let state = AppState {
        edge,
        metrics: config.metrics,
        max_body_bytes: config.max_body_bytes,
        expected: Arc::new(config.expected),
        calls: Arc::new(tokio::sync::Semaphore::new(cores)),
        outbox: config.outbox,
        budget: config.budget,
    };
    Router::new()
        .route("/models", get(list_models))
        .route("/models/{name}/predict", post(predict_latest))
        .route("/models/{name}/versions/{version}/predict", post(predict_version))
        .route("/jobs", get(list_jobs))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/result", get(job_result))
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
    axum::serve(listener, router(edge, config))
        .with_graceful_shutdown(crate::http::shutdown())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

fn describe(m: &EdgeModel) -> Value {
    json!({ "name": m.name, "version": m.version, "sha256": m.sha256, "fuel_per_row": m.fuel_per_row })
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
    Query(q): Query<PredictQuery>,
    body: Body,
) -> ApiResult<Response> {
    predict(state, headers, name, None, q, body).await
}

async fn predict_version(
    state: State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
    Query(q): Query<PredictQuery>,
    body: Body,
) -> ApiResult<Response> {
    predict(state, headers, name, Some(version), q, body).await
}

/// What a request's body holds, from its Content-Type.
enum Rows {
    Json,
    File(Format),
    /// Parquet: the edge cannot read it, only forward it.
    Parquet,
}

fn rows_kind(headers: &HeaderMap) -> ApiResult<Rows> {
    let essence = crate::http::content_type(headers);
    match Format::from_content_type(&essence) {
        Some(Format::Json) => Ok(Rows::Json),
        Some(f) => Ok(Rows::File(f)),
        None if essence == "application/vnd.apache.parquet" => Ok(Rows::Parquet),
        None if essence.is_empty() => Err(ApiError::unsupported_media(
            "say what the body is: Content-Type: application/json (rows), text/csv or application/x-ndjson",
        )),
        None => Err(ApiError::unsupported_media(format!(
            "cannot read rows sent as {essence:?} at the edge: use application/json, text/csv or application/x-ndjson"
        ))),
    }
}

/// Rows in a CSV (lines after the header) or JSON Lines (non-empty lines)
/// body: an estimate for routing and metrics (a quoted line break in a CSV
/// field counts as a row).
fn count_rows(bytes: &[u8], format: Format) -> u64 {
    let lines = bytes.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count() as u64;
    match format {
        Format::Csv => lines.saturating_sub(1),
        _ => lines,
    }
}

#[derive(serde::Deserialize)]
struct PredictQuery {
    /// For a batch forwarded to the cloud: the result's format.
    output: Option<String>,
}

async fn predict(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: String,
    version: Option<String>,
    query: PredictQuery,
    body: Body,
) -> ApiResult<Response> {
    check_name(&name)?;
    let kind = rows_kind(&headers)?;
    let wanted = match version {
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request("invalid_version", format!("version {v:?} is not a number")))?,
        ),
        None => None,
    };
    let held = state.edge.get(&name).filter(|m| wanted.is_none() || m.version == wanted);
    let bytes = read_body(body, state.max_body_bytes).await?;
    let content_type = crate::http::content_type(&headers);
    let forward = |rows: u64, version: Option<u64>, reason: String| Batch {
        model: name.clone(),
        version,
        content_type: content_type.clone(),
        output: query.output.clone(),
        rows,
        reason,
    };
    let Some(model) = held else {
        let not_held = match wanted {
            Some(v) if state.edge.get(&name).is_some() => format!("this edge does not hold version {v} of {name:?}"),
            _ => format!("this edge holds no model named {name:?}"),
        };
        let Some(outbox) = &state.outbox else { return Err(ApiError::not_found(not_held)) };
        return match kind {
            Rows::Json => pass_predict(outbox, &name, wanted, bytes, &not_held).await,
            Rows::File(format) => {
                queue(&state, outbox, forward(count_rows(&bytes, format), wanted, not_held), bytes).await
            }
            Rows::Parquet => queue(&state, outbox, forward(0, wanted, not_held), bytes).await,
        };
    };
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
            let rows = count_rows(&bytes, format);
            if let Some(outbox) = &state.outbox
                && let Some(reason) = state.budget.over(&model, rows)
            {
                // The cloud runs the version held here, so the answers match.
                return queue(&state, outbox, forward(rows, model.version.or(wanted), reason), bytes).await;
            }
            // A big file runs on every core (one instance each) when no other call waits.
            let out = split_call(&state, model, bytes, format).await?;
            state.metrics.rows(&name, rows as usize);
            Ok(([(header::CONTENT_TYPE, format.content_type())], out).into_response())
        }
        Rows::Parquet => match &state.outbox {
            Some(outbox) => {
                let reason = "the edge does not read Parquet; the cloud does".to_string();
                queue(&state, outbox, forward(0, model.version.or(wanted), reason), bytes).await
            }
            None => Err(ApiError::unsupported_media(
                "the edge cannot read Parquet itself: send CSV or JSON Lines, or run it with --cloud to forward Parquet",
            )),
        },
    }
}

/// Puts a batch in the outbox: 202 with the edge's job to poll.
async fn queue(state: &AppState, outbox: &Arc<Outbox>, batch: Batch, bytes: Bytes) -> ApiResult<Response> {
    let o = outbox.clone();
    let f = tokio::task::spawn_blocking(move || o.enqueue(batch, &bytes)).await.map_err(ApiError::internal)??;
    state.metrics.forwarded("queued");
    tracing::info!(job = %f.id, model = %f.model, rows = f.rows, reason = %f.reason, "batch queued for the cloud");
    let view = outbox.view(&f).await;
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, format!("/jobs/{}", f.id))], Json(view)).into_response())
}

/// JSON rows for a model the edge does not hold: the cloud answers them.
async fn pass_predict(
    outbox: &Outbox,
    name: &str,
    version: Option<u64>,
    bytes: Bytes,
    not_held: &str,
) -> ApiResult<Response> {
    let path = match version {
        Some(v) => format!("/models/{name}/versions/{v}/predict"),
        None => format!("/models/{name}/predict"),
    };
    let r = outbox
        .cloud
        .pass(reqwest::Method::POST, &path, Some("application/json"), bytes.to_vec())
        .await
        .map_err(|e| cloud_unreachable(not_held, &e))?;
    passed(r).await
}

fn cloud_unreachable(why: &str, e: &anyhow::Error) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "cloud_unreachable",
        format!("{why}, and the cloud is not reachable: {e:#}"),
    )
}

/// The cloud's answer, passed on with its status and content type.
async fn passed(r: reqwest::Response) -> ApiResult<Response> {
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let ct = r.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    // `Via` tells the caller the answer came through the edge from the cloud.
    let mut response = Response::builder().status(status).header(header::VIA, "1.1 citizen-edge");
    if let Some(ct) = ct {
        response = response.header(header::CONTENT_TYPE, ct);
    }
    response.body(Body::from_stream(r.bytes_stream())).map_err(ApiError::internal)
}

fn outbox_of(state: &AppState) -> ApiResult<&Arc<Outbox>> {
    state.outbox.as_ref().ok_or_else(|| ApiError::not_found("this edge forwards no batches (it runs without --cloud)"))
}

fn forwarded(state: &AppState, id: &str) -> ApiResult<(Arc<Outbox>, Forward)> {
    let outbox = outbox_of(state)?;
    let f = outbox.get(id)?.ok_or_else(|| ApiError::not_found(format!("this edge has no job {id:?}")))?;
    Ok((outbox.clone(), f))
}

async fn list_jobs(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let outbox = outbox_of(&state)?.clone();
    let jobs = tokio::task::spawn_blocking(move || outbox.list()).await.map_err(ApiError::internal)??;
    Ok(Json(json!({ "jobs": jobs })))
}

async fn get_job(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let (outbox, f) = forwarded(&state, &id)?;
    Ok(Json(outbox.view(&f).await))
}

/// A forwarded job's result, streamed from the cloud.
async fn job_result(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let (outbox, f) = forwarded(&state, &id)?;
    match (f.state, &f.cloud_job) {
        (ForwardState::Forwarded, Some(job)) => {
            let r = outbox
                .cloud
                .pass(reqwest::Method::GET, &format!("/jobs/{job}/result"), None, vec![])
                .await
                .map_err(|e| cloud_unreachable("the result is in the cloud", &e))?;
            passed(r).await
        }
        (ForwardState::Refused, _) => Err(ApiError::conflict(format!(
            "the cloud refused this batch: {}",
            f.error.as_deref().unwrap_or("no reason given")
        ))),
        _ => Err(ApiError::conflict("the batch is still queued at the edge, waiting for the cloud")),
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

/// A file predicted in pieces on as many cores as are free now (at least one).
async fn split_call(state: &AppState, model: Arc<EdgeModel>, input: Bytes, format: Format) -> ApiResult<Vec<u8>> {
    let first = state.calls.clone().acquire_owned().await.map_err(ApiError::internal)?;
    let mut permits = vec![first];
    while let Ok(p) = state.calls.clone().try_acquire_owned() {
        permits.push(p);
    }
    let (edge, parts) = (state.edge.clone(), permits.len());
    tokio::task::spawn_blocking(move || {
        let out = edge.predict_split(&model, &input, format, format, parts);
        drop(permits);
        out
    })
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
