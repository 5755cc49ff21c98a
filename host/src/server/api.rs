//! The registry and real-time prediction routes.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::models::{Loaded, validate};
use super::registry::{VersionRef, check_alias, check_name};

pub use crate::http::read_body;

/// The kind of rows a request carries, from its Content-Type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rows {
    Json,
    /// A table file: CSV, JSON Lines or Parquet.
    File(crate::batch::BatchFormat),
}

pub fn rows_kind(headers: &HeaderMap) -> ApiResult<Rows> {
    let essence = crate::http::content_type(headers);
    if let Some(f) = crate::batch::BatchFormat::from_content_type(&essence) {
        return Ok(Rows::File(f));
    }
    match essence.as_str() {
        "application/json" => Ok(Rows::Json),
        "" => Err(ApiError::unsupported_media(
            "say what the body is: Content-Type: application/json (rows), text/csv or application/x-ndjson",
        )),
        other => Err(ApiError::unsupported_media(format!(
            "cannot read rows sent as {other:?}: use application/json, text/csv, application/x-ndjson or application/vnd.apache.parquet"
        ))),
    }
}

pub fn model_ref(name: &str, version: Option<&str>) -> ApiResult<VersionRef> {
    check_name("model", name)?;
    VersionRef::parse(version.unwrap_or("latest"))
}

/// The model a request names, once its token is checked and may read it.
pub async fn readable_model(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    version: Option<&str>,
) -> ApiResult<(super::auth::Caller, std::sync::Arc<Loaded>)> {
    let caller = state.auth.caller(headers).await?;
    let r = model_ref(name, version)?;
    caller.read(name)?;
    let loaded = state.models.get(name, &r).await?;
    Ok((caller, loaded))
}

async fn loaded(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    version: Option<&str>,
) -> ApiResult<std::sync::Arc<Loaded>> {
    Ok(readable_model(state, headers, name, version).await?.1)
}

pub async fn list_models(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    let mut out = Vec::new();
    for name in state.models.registry.names().await? {
        if !caller.can_read(&name) {
            continue;
        }
        if let Some(entry) = state.models.registry.entry(&name).await? {
            out.extend(model_item(&state, &name, entry).await);
        }
    }
    Ok(Json(json!({ "models": out })))
}

pub async fn get_model(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    check_name("model", &name)?;
    caller.read(&name)?;
    let entry = state.models.registry.entry(&name).await?;
    let item = match entry {
        Some(entry) => model_item(&state, &name, entry).await,
        None => None,
    };
    item.map(Json).ok_or_else(|| ApiError::not_found(format!("there is no model {name:?}")))
}

/// A model as listed: its versions and aliases, and its latest version's
/// description, task and metrics (or why that version does not load).
/// `None` when no version is left.
async fn model_item(state: &AppState, name: &str, entry: super::registry::ModelEntry) -> Option<Value> {
    let latest = entry.latest?;
    let summary = match state.models.get(name, &VersionRef::Number(latest)).await {
        Ok(l) => json!({
            "description": l.manifest.description,
            "task": l.manifest.task,
            "metrics": l.manifest.metrics,
        }),
        Err(e) => json!({ "error": e.message }),
    };
    let mut item = json!({ "name": name, "latest": latest, "versions": entry.versions, "aliases": entry.aliases });
    if let (Value::Object(item), Value::Object(summary)) = (&mut item, summary) {
        item.extend(summary);
    }
    Some(item)
}

#[derive(Deserialize)]
pub struct PublishQuery {
    /// Also point this alias at the new version.
    alias: Option<String>,
}

pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<PublishQuery>,
    body: Body,
) -> ApiResult<Response> {
    let caller = state.auth.caller(&headers).await?;
    check_name("model", &name)?;
    caller.make()?;
    if let Some(a) = &q.alias {
        check_alias(a)?;
    }
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/octet-stream");
    if !ct.starts_with("application/octet-stream") && !ct.starts_with("application/onnx") {
        return Err(ApiError::unsupported_media(format!(
            "send the model file as application/octet-stream, not {ct:?}"
        )));
    }
    let bytes = read_body(body, state.config.max_model_bytes).await?;
    let b = bytes.clone();
    tokio::task::spawn_blocking(move || validate(&b)).await.map_err(ApiError::internal)??;
    let info = state.models.registry.publish(&name, bytes, caller.id(), q.alias.as_deref()).await?;
    state.models.forget(&name);
    tracing::info!(model = %name, version = info.version, by = caller.id(), "published");
    let mut body = serde_json::to_value(&info).map_err(ApiError::internal)?;
    body["name"] = json!(name);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn get_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let l = loaded(&state, &headers, &name, Some(&version)).await?;
    let info = state.models.registry.info(&name, l.version).await?;
    Ok(Json(json!({ "name": name, "version": l.version, "info": info, "manifest": l.manifest })))
}

pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    let l = loaded(&state, &headers, &name, Some(&version)).await?;
    let cache = [(header::ETAG, l.etag.clone()), (header::CACHE_CONTROL, "private, no-cache".to_string())];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == l.etag || t.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let disposition = format!("attachment; filename=\"{}-v{}.onnx\"", l.name, l.version);
    Ok((
        cache,
        [(header::CONTENT_TYPE, "application/octet-stream".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        l.bytes.clone(),
    )
        .into_response())
}

pub async fn delete_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let caller = state.auth.caller(&headers).await?;
    check_name("model", &name)?;
    caller.make()?;
    let v: u64 = version
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_version", "delete a version by its number, not an alias"))?;
    let deleted = state.models.registry.delete_version(&name, v).await?;
    state.models.forget(&name);
    if deleted {
        tracing::info!(model = %name, version = v, by = caller.id(), "deleted");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("model {name:?} has no version {v}")))
    }
}

#[derive(Deserialize)]
pub struct AliasBody {
    version: u64,
}

pub async fn set_alias(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, alias)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    check_name("model", &name)?;
    check_alias(&alias)?;
    caller.make()?;
    let body: AliasBody = json_body(&headers, body, 4096).await?;
    if !state.models.registry.set_alias(&name, &alias, body.version).await? {
        return Err(ApiError::not_found(format!("model {name:?} has no version {}", body.version)));
    }
    state.models.forget(&name);
    tracing::info!(model = %name, alias = %alias, version = body.version, by = caller.id(), "alias moved");
    Ok(Json(json!({ "name": name, "alias": alias, "version": body.version })))
}

pub async fn delete_alias(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, alias)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let caller = state.auth.caller(&headers).await?;
    check_name("model", &name)?;
    check_alias(&alias)?;
    caller.make()?;
    if !state.models.registry.delete_alias(&name, &alias).await? {
        return Err(ApiError::not_found(format!("model {name:?} has no alias {alias:?}")));
    }
    state.models.forget(&name);
    Ok(StatusCode::NO_CONTENT)
}

/// A JSON body of a known shape; wrong type or bad JSON is a 400/415 that says why.
pub async fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<T> {
    if !matches!(rows_kind(headers)?, Rows::Json) {
        return Err(ApiError::unsupported_media("send this as Content-Type: application/json"));
    }
    let bytes = read_body(body, limit).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the JSON body is not valid: {e}")))
}

pub async fn predict_latest(
    state: State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    predict(state, headers, name, None, body).await
}

pub async fn predict_version(
    state: State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Response> {
    predict(state, headers, name, Some(version), body).await
}

/// Rows above this many are predicted off the async threads.
const INLINE_ROWS: usize = 256;

async fn predict(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: String,
    version: Option<String>,
    body: Body,
) -> ApiResult<Response> {
    let kind = rows_kind(&headers)?;
    let l = loaded(&state, &headers, &name, version.as_deref()).await?;
    match kind {
        Rows::File(format) => predict_file(&state, l, format, body).await,
        Rows::Json => {
            let bytes = read_body(body, state.config.max_body_bytes).await?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| ApiError::bad_request("invalid_json", "the body is not UTF-8 text"))?;
            let input: manifest::JsonInput = serde_json::from_str(text)
                .map_err(|e| ApiError::bad_request("invalid_json", format!("the JSON body is not valid: {e}")))?;
            if !input.is_object_or_array() {
                return Err(ApiError::bad_request("invalid_json", "send one row as an object or several as an array"));
            }
            // Drift keeps one request in `Recent::EVERY`: only that one is copied.
            let sample = state.recent.sample().then(|| input.clone());
            let table = input.into_table().map_err(|e| ApiError::input(runtime_wasm::Error::Input(e)))?;
            let rows = table.len();
            let prediction = if rows <= INLINE_ROWS {
                l.model.predict(&table)
            } else {
                let l2 = l.clone();
                tokio::task::spawn_blocking(move || l2.model.predict(&table)).await.map_err(ApiError::internal)?
            }
            .map_err(ApiError::input)?;
            state.metrics.rows(&l.name, rows);
            if let Some(rows) = sample {
                state.recent.keep(&l.name, rows.into_value());
            }
            if state.hooks.may_want_predictions(&l.name) {
                let rows2: Vec<Value> = prediction.json_rows().into_iter().map(Value::Object).collect();
                let (hooks, name2, v) = (state.hooks.clone(), l.name.clone(), l.version);
                tokio::spawn(async move { hooks.predictions(&name2, v, &rows2).await });
            }
            let predictions = runtime_wasm::interface::JsonRows(&prediction);
            Ok(Json(Predicted { model: &l.name, version: l.version, predictions }).into_response())
        }
    }
}

/// A predict answer: `{"model", "version", "predictions": [row objects]}`.
#[derive(serde::Serialize)]
struct Predicted<'a> {
    model: &'a str,
    version: u64,
    predictions: runtime_wasm::interface::JsonRows<'a>,
}

/// The synchronous variant for medium batches: the table is spooled to a
/// file, predicted by the streaming batch engine (our runtime, so the bytes
/// are `citizen predict`'s) and streamed back; memory stays at a few chunks.
/// Any bad row makes it a 422 naming the rows, as for JSON.
async fn predict_file(
    state: &AppState,
    l: std::sync::Arc<Loaded>,
    format: crate::batch::BatchFormat,
    body: Body,
) -> ApiResult<Response> {
    let dir = state.jobs.scratch.join(format!("sync-{}", super::registry::random_hex(8)?));
    tokio::fs::create_dir_all(&dir).await.map_err(ApiError::internal)?;
    let result = async {
        let input = dir.join("input");
        super::jobs::spool(body, &input, state.config.max_sync_bytes).await?;
        let (output, errors) = (dir.join("output"), dir.join("errors.csv"));
        let (o2, e2, l2) = (output.clone(), errors.clone(), l.clone());
        let summary = tokio::task::spawn_blocking(move || {
            let opts = crate::batch::BatchOptions {
                output: format,
                input_name: Some("the request body".into()),
                ..Default::default()
            };
            crate::batch::run_batch(&l2.model, &input, format, &o2, &e2, &opts, &mut |_| {
                std::ops::ControlFlow::Continue(())
            })
        })
        .await
        .map_err(ApiError::internal)?;
        let rejected = |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows", message);
        // Bad rows, some or all, are the answer: the rows (the first 100),
        // as for JSON. Otherwise a failed run's own message.
        if !summary.as_ref().is_ok_and(|s| s.rows_failed == 0) {
            let mut rows = Vec::new();
            if let Ok(mut reader) = csv::Reader::from_path(&errors) {
                for rec in reader.records().take(100).flatten() {
                    rows.push(manifest::RowError {
                        row: rec.get(0).and_then(|r| r.parse().ok()).unwrap_or(0),
                        field: rec.get(1).unwrap_or("").to_string(),
                        reason: rec.get(2).unwrap_or("").to_string(),
                    });
                }
            }
            if !rows.is_empty() {
                let mut e = rejected(manifest::Error::Rows(rows.clone()).to_string());
                e.rows = rows;
                return Err(e);
            }
        }
        // A file-level problem (a missing column, an unreadable file): the
        // code JSON bodies get for it.
        let summary =
            summary.map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", format!("{e:#}")))?;
        state.metrics.rows(&l.name, summary.rows_done as usize);
        // Open, then remove: the open file keeps its bytes until streamed.
        let file = tokio::fs::File::open(&output).await.map_err(ApiError::internal)?;
        let size = file.metadata().await.map_err(ApiError::internal)?.len();
        Ok((
            [(header::CONTENT_TYPE, format.content_type().to_string()), (header::CONTENT_LENGTH, size.to_string())],
            Body::from_stream(tokio_util::io::ReaderStream::new(file)),
        )
            .into_response())
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

/// The address callers reach this server at, from the request (for the
/// `servers` of the generated documents).
fn server_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let proto = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{proto}://{host}")
}

#[derive(Clone, Copy)]
pub enum Doc {
    OpenApi,
    Swagger,
}

async fn model_doc(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    version: Option<&str>,
    doc: Doc,
) -> ApiResult<Json<Value>> {
    let l = loaded(state, headers, name, version).await?;
    let pinned = version.map(|_| l.version);
    let url = server_url(headers);
    Ok(Json(match doc {
        Doc::OpenApi => crate::openapi::model_openapi(name, pinned, &l.manifest, &url),
        Doc::Swagger => crate::openapi::model_swagger(name, pinned, &l.manifest, &url),
    }))
}

pub async fn openapi_latest(
    State(s): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    model_doc(&s, &h, &name, None, Doc::OpenApi).await
}

pub async fn swagger_latest(
    State(s): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    model_doc(&s, &h, &name, None, Doc::Swagger).await
}

pub async fn openapi_version(
    State(s): State<AppState>,
    h: HeaderMap,
    Path((name, v)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    model_doc(&s, &h, &name, Some(&v), Doc::OpenApi).await
}

pub async fn swagger_version(
    State(s): State<AppState>,
    h: HeaderMap,
    Path((name, v)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    model_doc(&s, &h, &name, Some(&v), Doc::Swagger).await
}

/// One document for the whole server, with the predict routes of every
/// model the caller may read.
pub async fn server_openapi(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    let mut models = Vec::new();
    for name in state.models.registry.names().await? {
        if caller.can_read(&name)
            && let Ok(l) = state.models.get(&name, &VersionRef::Alias("latest".into())).await
        {
            models.push((name, l.manifest.clone()));
        }
    }
    Ok(Json(crate::openapi::server_openapi(&server_url(&headers), &models)))
}
