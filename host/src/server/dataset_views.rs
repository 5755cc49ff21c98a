//! What the studio reads of a dataset as JSON: its first rows with a
//! histogram of every numeric column (`/rows`), its scored tables
//! (`/scored`, `/scored/{model}/rows`), and the trainer's schema for a
//! target (`/schema`): types, missing values, distinct values, roles and
//! warnings, exactly as `citizen train` would infer them.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use manifest::{Cell, Table};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::lake_api::known;
use crate::lake::dataset_path;
use crate::lake::table::{HASH, KEY};

/// Bins of the histograms.
const BINS: usize = 20;
/// Most rows one call returns.
const MAX_ROWS: usize = 1000;

#[derive(Deserialize)]
pub struct RowsQuery {
    limit: Option<usize>,
}

fn internal(column: &str) -> bool {
    column == KEY || column == HASH
}

fn cell_json(c: &Cell) -> Value {
    match c {
        Cell::Missing => Value::Null,
        Cell::Number(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Bool(b) => Value::Bool(*b),
    }
}

/// `BINS` equal-width bins over the numbers of a column whose cells are
/// all numbers or missing; `None` for other columns.
pub fn histogram(table: &Table, column: usize) -> Option<Value> {
    let mut xs = Vec::new();
    for row in table.rows() {
        match &row[column] {
            Cell::Number(x) if x.is_finite() => xs.push(*x),
            Cell::Missing => {}
            _ => return None,
        }
    }
    let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if xs.is_empty() {
        return None;
    }
    let width = if hi > lo { (hi - lo) / BINS as f64 } else { 1.0 };
    let mut counts = vec![0u64; BINS];
    for x in xs {
        counts[(((x - lo) / width) as usize).min(BINS - 1)] += 1;
    }
    let edges: Vec<f64> = (0..=BINS).map(|i| lo + width * i as f64).collect();
    Some(json!({ "edges": edges, "counts": counts }))
}

/// The table's first `limit` rows and histograms, internal columns left out.
fn rows_json(table: &Table, limit: usize) -> Value {
    let shown: Vec<usize> = (0..table.width()).filter(|&j| !internal(&table.columns()[j])).collect();
    let columns: Vec<&String> = shown.iter().map(|&j| &table.columns()[j]).collect();
    let rows: Vec<Value> =
        table.rows().take(limit).map(|r| Value::Array(shown.iter().map(|&j| cell_json(&r[j])).collect())).collect();
    let mut histograms = Map::new();
    for &j in &shown {
        if let Some(h) = histogram(table, j) {
            histograms.insert(table.columns()[j].clone(), h);
        }
    }
    json!({ "columns": columns, "rows": rows, "total": table.len(), "histograms": histograms })
}

fn limit_of(q: &RowsQuery) -> ApiResult<usize> {
    match q.limit.unwrap_or(50) {
        n if n <= MAX_ROWS => Ok(n),
        _ => Err(ApiError::bad_request("invalid_limit", format!("limit must be at most {MAX_ROWS}"))),
    }
}

pub async fn rows(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<RowsQuery>,
) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?;
    known(&state, &name).await?;
    let limit = limit_of(&q)?;
    let table = super::drift::dataset_table(&state, &name).await?;
    Ok(Json(rows_json(&table, limit)))
}

#[derive(serde::Serialize, Deserialize)]
struct ScoredState {
    version: u64,
    outputs: Vec<String>,
}

pub async fn scored(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?;
    known(&state, &name).await?;
    let (_, models) = state.store.children(&dataset_path(&name, &["scored"])).await?;
    let mut out = Vec::new();
    for model in models {
        if let Some((b, _)) = state.store.get(&dataset_path(&name, &["scored", &model, "state.json"])).await?
            && let Ok(s) = serde_json::from_slice::<ScoredState>(&b)
        {
            out.push(json!({ "model": model, "version": s.version, "outputs": s.outputs }));
        }
    }
    Ok(Json(json!({ "scored": out })))
}

pub async fn scored_rows(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, model)): Path<(String, String)>,
    Query(q): Query<RowsQuery>,
) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    known(&state, &name).await?;
    super::registry::check_name("model", &model)?;
    caller.read(&model)?;
    let limit = limit_of(&q)?;
    let missing = || ApiError::not_found(format!("dataset {name:?} has not been scored with {model:?}"));
    let (b, _) = state.store.get(&dataset_path(&name, &["scored", &model, "state.json"])).await?.ok_or_else(missing)?;
    let s: ScoredState = serde_json::from_slice(&b).map_err(ApiError::internal)?;
    let (bytes, _) =
        state.store.get(&dataset_path(&name, &["scored", &model, "table.parquet"])).await?.ok_or_else(missing)?;
    let table = super::drift::parquet_table(bytes).await?;
    let mut out = rows_json(&table, limit);
    out["outputs"] = json!(s.outputs);
    out["model"] = json!(model);
    out["version"] = json!(s.version);
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct SchemaQuery {
    target: String,
    #[serde(default)]
    exclude: Option<String>,
    #[serde(default)]
    categorical: Option<String>,
}

fn list(s: &Option<String>) -> Vec<String> {
    s.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// `GET /datasets/{name}/schema?target=T`: the schema `citizen train`
/// infers for that target.
pub async fn schema(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<SchemaQuery>,
) -> ApiResult<Json<Value>> {
    state.auth.caller(&headers).await?.make()?;
    known(&state, &name).await?;
    let table = super::drift::dataset_table(&state, &name).await?;
    let mut exclude = list(&q.exclude);
    exclude.extend([KEY.to_string(), HASH.to_string()].into_iter().filter(|c| table.column(c).is_some()));
    let opts = trainer::schema::SchemaOptions { task: None, exclude, categorical: list(&q.categorical) };
    let target = q.target.clone();
    let inferred = tokio::task::spawn_blocking(move || trainer::schema::infer(&table, &target, &opts))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_target", e.to_string()))?;
    let dropped = inferred.dropped_rows.len();
    let mut out = serde_json::to_value(&inferred).map_err(ApiError::internal)?;
    if let Some(o) = out.as_object_mut() {
        o.remove("dropped_rows");
        o.insert("dropped".into(), json!(dropped));
        if let Some(Value::Array(cols)) = o.get_mut("columns") {
            cols.retain(|c| !c["name"].as_str().is_some_and(internal));
        }
    }
    Ok(Json(out))
}
