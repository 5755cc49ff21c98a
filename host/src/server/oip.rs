//! The Open Inference Protocol (KServe V2) REST endpoints, so tools that
//! speak it can call citizen models: one input tensor per model field
//! (shape `[rows]`), one output tensor per output column.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use manifest::{Cell, FieldKind, Table};
use runtime_wasm::interface::Values;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::api::{json_body, readable_model};
use super::error::{ApiError, ApiResult};

pub async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

pub async fn ready() -> Json<Value> {
    Json(json!({ "ready": true }))
}

pub async fn server_metadata() -> Json<Value> {
    Json(json!({ "name": "citizen", "version": env!("CARGO_PKG_VERSION"), "extensions": [] }))
}

fn datatype(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Numeric { .. } => "FP64",
        FieldKind::Categorical { .. } => "BYTES",
        FieldKind::Boolean => "BOOL",
    }
}

fn values_datatype(v: &Values) -> &'static str {
    match v {
        Values::F32(_) => "FP32",
        Values::F64(_) => "FP64",
        Values::I64(_) => "INT64",
        Values::Text(_) => "BYTES",
    }
}

async fn metadata(state: &AppState, headers: &HeaderMap, name: &str, version: Option<&str>) -> ApiResult<Value> {
    let (_, l) = readable_model(state, headers, name, version).await?;
    let versions = state.models.registry.entry(name).await?.map(|e| e.versions).unwrap_or_default();
    let inputs: Vec<Value> = l
        .manifest
        .signature
        .inputs
        .iter()
        .map(|f| json!({ "name": f.name, "datatype": datatype(&f.kind), "shape": [-1] }))
        .collect();
    // The output columns' types come from a run of the golden inputs.
    let golden = runtime_wasm::golden::inputs(&l.manifest).map_err(ApiError::internal)?;
    let p = l.model.predict(&golden).map_err(ApiError::internal)?;
    let outputs: Vec<Value> = p
        .columns
        .iter()
        .map(|c| json!({ "name": c.name, "datatype": values_datatype(&c.values), "shape": [-1] }))
        .collect();
    Ok(json!({
        "name": name,
        "versions": versions.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
        "platform": "onnx",
        "inputs": inputs,
        "outputs": outputs,
    }))
}

pub async fn model_metadata(
    State(s): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(metadata(&s, &h, &name, None).await?))
}

pub async fn version_metadata(
    State(s): State<AppState>,
    h: HeaderMap,
    Path((name, v)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(metadata(&s, &h, &name, Some(&v)).await?))
}

pub async fn model_ready(State(s): State<AppState>, h: HeaderMap, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    readable_model(&s, &h, &name, None).await?;
    Ok(Json(json!({ "name": name, "ready": true })))
}

#[derive(Deserialize)]
struct InferRequest {
    #[serde(default)]
    id: Option<String>,
    inputs: Vec<InferTensor>,
    #[serde(default)]
    outputs: Option<Vec<RequestedOutput>>,
}

#[derive(Deserialize)]
struct InferTensor {
    name: String,
    shape: Vec<i64>,
    #[allow(dead_code)]
    datatype: String,
    data: Value,
}

#[derive(Deserialize)]
struct RequestedOutput {
    name: String,
}

pub async fn infer(
    State(s): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<Json<Value>> {
    infer_at(s, h, name, None, body).await
}

pub async fn infer_version(
    State(s): State<AppState>,
    h: HeaderMap,
    Path((name, v)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Json<Value>> {
    infer_at(s, h, name, Some(v), body).await
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        other => out.push(other.clone()),
    }
}

async fn infer_at(
    s: AppState,
    h: HeaderMap,
    name: String,
    version: Option<String>,
    body: Body,
) -> ApiResult<Json<Value>> {
    let (_, l) = readable_model(&s, &h, &name, version.as_deref()).await?;
    let req: InferRequest = json_body(&h, body, s.config.max_body_bytes).await?;
    let bad = |m: String| ApiError::bad_request("invalid_infer_request", m);
    if req.inputs.is_empty() {
        return Err(bad("the request has no inputs: send one tensor per field with shape [rows]".into()));
    }
    let mut columns = Vec::new();
    let mut rows: Option<usize> = None;
    for t in &req.inputs {
        if columns.iter().any(|(n, _)| *n == t.name) {
            return Err(bad(format!("input `{}` is given twice", t.name)));
        }
        let mut data = Vec::new();
        flatten(&t.data, &mut data);
        let n = t.shape.first().copied().unwrap_or(0);
        if t.shape.iter().skip(1).any(|&d| d != 1) || n < 0 || n as usize != data.len() {
            return Err(bad(format!(
                "input `{}`: shape {:?} does not hold its {} values; send one tensor per field with shape [rows]",
                t.name,
                t.shape,
                data.len()
            )));
        }
        if rows.is_some_and(|r| r != data.len()) {
            return Err(bad(format!("input `{}` has {} rows, the others {}", t.name, data.len(), rows.unwrap_or(0))));
        }
        rows = Some(data.len());
        columns.push((t.name.clone(), data));
    }
    let rows = rows.unwrap_or(0);
    let mut table = Table::new(columns.iter().map(|(n, _)| n.clone()).collect());
    for r in 0..rows {
        table
            .push_row(columns.iter().map(|(_, d)| Cell::from_json(&d[r])).collect())
            .map_err(|e| ApiError::input(runtime_wasm::Error::Input(e)))?;
    }
    let p = l.model.predict(&table).map_err(ApiError::input)?;
    s.metrics.rows(&l.name, rows);
    let wanted: Option<Vec<&str>> = req.outputs.as_ref().map(|o| o.iter().map(|o| o.name.as_str()).collect());
    if let Some(w) = &wanted
        && let Some(missing) = w.iter().find(|w| p.column(w).is_none())
    {
        return Err(bad(format!("the model has no output `{missing}`; it has {}", p.headers().join(", "))));
    }
    let outputs: Vec<Value> = p
        .columns
        .iter()
        .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&c.name.as_str())))
        .map(|c| {
            json!({
                "name": c.name,
                "shape": [rows],
                "datatype": values_datatype(&c.values),
                "data": (0..rows).map(|i| c.values.json(i)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut out = json!({ "model_name": l.name, "model_version": l.version.to_string(), "outputs": outputs });
    if let Some(id) = req.id {
        out["id"] = json!(id);
    }
    Ok(Json(out))
}
