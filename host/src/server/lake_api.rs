//! The lake's routes: datasets (files, events), curated tables, scoring.
//! Makers and admins ingest; any token reads datasets; scoring needs a
//! token that may read the model.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::batch::Predictor;
use crate::lake::{IngestOptions, LakeError, check_dataset_name};

pub fn lake_error(e: LakeError) -> Response {
    match e {
        LakeError::NotFound(m) => ApiError::not_found(m).into_response(),
        LakeError::Conflict(m) => ApiError::conflict(m).into_response(),
        LakeError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_table", m).into_response(),
        LakeError::SchemaChanged { message, differences } => (
            StatusCode::CONFLICT,
            Json(json!({"error": {"code": "schema_changed", "message": message, "differences": differences}})),
        )
            .into_response(),
    }
}

/// An anyhow error whose cause is a [`LakeError`] becomes its 4xx.
fn from_anyhow(e: anyhow::Error) -> Response {
    match e.downcast::<LakeError>() {
        Ok(l) => lake_error(l),
        Err(e) => ApiError::internal(format!("{e:#}")).into_response(),
    }
}

fn name_ok(name: &str) -> ApiResult<()> {
    check_dataset_name(name).map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))
}

pub async fn known(state: &AppState, name: &str) -> ApiResult<()> {
    name_ok(name)?;
    if state.lake.meta(name).await?.is_none() && state.events.last_seq(name).await? == 0 {
        return Err(ApiError::not_found(format!("there is no dataset {name:?}")));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct IngestQuery {
    #[serde(default)]
    allow_schema_change: bool,
    #[serde(default)]
    replace: bool,
    key: Option<String>,
    /// The file's name, kept in its record.
    filename: Option<String>,
}

pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<IngestQuery>,
    body: Body,
) -> Result<Response, Response> {
    let caller = state.auth.caller(&headers).await.map_err(IntoResponse::into_response)?;
    caller.make().map_err(IntoResponse::into_response)?;
    name_ok(&name).map_err(IntoResponse::into_response)?;
    let ext = match crate::http::content_type(&headers).as_str() {
        "text/csv" | "application/csv" => "csv",
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" | "application/x-jsonlines" => "jsonl",
        "application/json" => "json",
        "application/vnd.apache.parquet" | "application/x-parquet" | "application/parquet" => "parquet",
        other => {
            return Err(ApiError::unsupported_media(format!(
                "send the file as text/csv, application/x-ndjson, application/json or application/vnd.apache.parquet, not {other:?}"
            ))
            .into_response());
        }
    };
    let dir = crate::lake::table::tempdir("upload").map_err(|e| ApiError::internal(e).into_response())?;
    let local = dir.join(format!("upload.{ext}"));
    let result = async {
        super::jobs::spool(body, &local, state.config.max_batch_bytes).await.map_err(IntoResponse::into_response)?;
        let source = q.filename.clone().unwrap_or_else(|| format!("upload.{ext}"));
        let opts = IngestOptions { key: q.key.clone(), allow_schema_change: q.allow_schema_change, replace: q.replace };
        match state.lake.ingest(&name, &local, &source, caller.id(), &opts).await {
            Ok(Ok(record)) => Ok(record),
            Ok(Err(e)) => Err(lake_error(e)),
            Err(e) => Err(from_anyhow(e)),
        }
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let record = result?;
    tracing::info!(dataset = %name, rows = record.rows, seq = record.seq, "file ingested");
    let (hooks, data, n) = (state.hooks.clone(), serde_json::to_value(&record).unwrap_or_default(), name.clone());
    tokio::spawn(async move { hooks.fire("ingested", Some(&n), None, data).await });
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?;
    let mut out = Vec::new();
    for n in state.lake.names().await? {
        let info = state.lake.table_info(&n).await?;
        out.push(json!({"name": n, "table_rows": info.map(|i| i.rows)}));
    }
    Ok(Json(json!({ "datasets": out })))
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?;
    known(&state, &name).await?;
    let last = state.events.last_seq(&name).await?;
    let d = state.lake.describe(&name, last).await?;
    Ok(Json(d.unwrap_or_else(|| json!({"name": name, "events": last, "ingests": []}))))
}

pub async fn append_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.auth.caller(&headers).await?.make()?;
    name_ok(&name)?;
    let bytes = crate::http::read_body(body, state.config.max_body_bytes).await?;
    let events = crate::lake::events::parse_events(&bytes).map_err(|m| ApiError::bad_request("invalid_events", m))?;
    let n = events.len();
    let (first, last) = state.events.append(&name, events).await?;
    Ok((StatusCode::CREATED, Json(json!({"dataset": name, "count": n, "first_seq": first, "last_seq": last}))))
}

#[derive(Deserialize)]
pub struct ReadQuery {
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

pub async fn read_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<ReadQuery>,
) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?;
    known(&state, &name).await?;
    let limit = q.limit.unwrap_or(1000).clamp(1, 100_000);
    let events = state.events.read(&name, q.after, limit).await?;
    let next = events.last().and_then(|e| e["seq"].as_u64()).unwrap_or(q.after);
    Ok(Json(json!({"dataset": name, "events": events, "next_after": next})))
}

pub async fn table(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    state.auth.caller(&headers).await.map_err(IntoResponse::into_response)?;
    known(&state, &name).await.map_err(IntoResponse::into_response)?;
    let (info, bytes) = state.lake.table_bytes(&name).await.map_err(from_anyhow)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.apache.parquet".to_string()),
            (header::HeaderName::from_static("x-citizen-rows"), info.rows.to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ScoreBody {
    model: String,
    #[serde(default)]
    version: Option<String>,
}

pub async fn score(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, Response> {
    let r = async {
        let req: ScoreBody = super::api::json_body(&headers, body, 4096).await?;
        let (_, loaded) = super::api::readable_model(&state, &headers, &req.model, req.version.as_deref()).await?;
        known(&state, &name).await?;
        Ok::<_, ApiError>(loaded)
    }
    .await;
    let loaded = r.map_err(IntoResponse::into_response)?;
    let predictor: Arc<dyn Predictor + Send> = match loaded.ort().await {
        Ok(o) => o,
        Err(_) => Arc::new(loaded.model.clone()),
    };
    let report = state.lake.score(&name, &loaded.name, loaded.version, predictor).await.map_err(from_anyhow)?;
    tracing::info!(dataset = %name, model = %loaded.name, rescored = report.rescored, "dataset scored");
    let data = serde_json::to_value(&report).unwrap_or_default();
    state.hooks.fire("scored", Some(&name), Some(&loaded.name), data).await;
    Ok(Json(report).into_response())
}

#[derive(Deserialize)]
pub struct NewHook {
    url: String,
    on: String,
    #[serde(default)]
    dataset: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    condition: Option<crate::lake::hooks::Condition>,
}

fn shown(h: &crate::lake::hooks::Hook) -> Value {
    let mut v = serde_json::to_value(h).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("secret");
    }
    v
}

/// Registers a webhook; the answer holds its secret, shown only this once.
pub async fn create_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let caller = state.auth.caller(&headers).await?;
    caller.make()?;
    let req: NewHook = super::api::json_body(&headers, body, 16 << 10).await?;
    let bad = |m: String| ApiError::bad_request("invalid_hook", m);
    if !(req.url.starts_with("http://") || req.url.starts_with("https://")) || reqwest::Url::parse(&req.url).is_err() {
        return Err(bad(format!("url: {:?} is not an http:// or https:// URL", req.url)));
    }
    if !matches!(req.on.as_str(), "ingested" | "scored" | "prediction") {
        return Err(bad(format!("on: {:?} is not an event; use ingested, scored or prediction", req.on)));
    }
    if req.dataset.is_none() && req.model.is_none() {
        return Err(bad("name the dataset or the model the hook is for".into()));
    }
    if req.on == "prediction" && req.model.is_none() {
        return Err(bad("a prediction hook needs a model".into()));
    }
    if req.on == "ingested" && req.dataset.is_none() {
        return Err(bad("an ingested hook needs a dataset".into()));
    }
    if let Some(d) = &req.dataset {
        name_ok(d)?;
    }
    if let Some(m) = &req.model {
        super::registry::check_name("model", m)?;
        caller.read(m)?;
    }
    if let Some(c) = &req.condition {
        c.check().map_err(bad)?;
    }
    let hook = crate::lake::hooks::Hook {
        id: String::new(),
        url: req.url,
        on: req.on,
        dataset: req.dataset,
        model: req.model,
        condition: req.condition,
        secret: String::new(),
        owner: caller.id().into(),
        created: 0,
    };
    let hook = state.hooks.register(hook).await?;
    let mut v = shown(&hook);
    v["secret"] = json!(hook.secret);
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn list_hooks(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?.make()?;
    Ok(Json(json!({"hooks": state.hooks.list().await?.iter().map(shown).collect::<Vec<_>>()})))
}

async fn hook_of(state: &AppState, headers: &HeaderMap, id: &str) -> ApiResult<crate::lake::hooks::Hook> {
    state.auth.caller(headers).await?.make()?;
    state.hooks.get(id).await?.ok_or_else(|| ApiError::not_found(format!("there is no hook {id:?}")))
}

pub async fn get_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(shown(&hook_of(&state, &headers, &id).await?)))
}

pub async fn delete_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    hook_of(&state, &headers, &id).await?;
    state.hooks.delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn deliveries(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    hook_of(&state, &headers, &id).await?;
    Ok(Json(json!({"hook": id, "deliveries": state.hooks.deliveries(&id).await?})))
}
