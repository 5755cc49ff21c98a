//! Drift of a model's inputs, against the profile of its training data the
//! trainer put in its manifest: `GET /models/{name}/drift` compares the
//! recent prediction requests (one JSON request in [`Recent::EVERY`] is kept,
//! the last [`Recent::KEEP`] rows per model, in this server's memory), or
//! with `?dataset=NAME` a dataset's curated table (its newly ingested rows
//! included). Each check sets `citizen_model_input_drift_psi{model,field}`
//! and `citizen_model_drifted{model}` in `/metrics`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use manifest::Table;
use serde_json::{Value, json};

use super::AppState;
use crate::http::error::{ApiError, ApiResult};

/// Recent rows of JSON prediction requests, per model.
#[derive(Default)]
pub struct Recent {
    rows: Mutex<HashMap<String, VecDeque<Value>>>,
    seen: AtomicU64,
}

impl Recent {
    /// Rows kept per model.
    pub const KEEP: usize = 10_000;
    /// One request in this many is kept (a sample costs the hot path little).
    pub const EVERY: u64 = 8;

    /// Counts a request; true for the one in `EVERY` whose rows are to be
    /// kept (its caller copies them, then hands them to [`Recent::keep`]).
    pub fn sample(&self) -> bool {
        self.seen.fetch_add(1, Ordering::Relaxed).is_multiple_of(Self::EVERY)
    }

    /// Keeps a sampled request's rows (its JSON: one row object or an
    /// array of them).
    pub fn keep(&self, model: &str, request: Value) {
        let rows = match request {
            Value::Array(a) => a,
            one => vec![one],
        };
        let skip = rows.len().saturating_sub(Self::KEEP);
        let mut all = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let kept = all.entry(model.to_string()).or_default();
        for r in rows.into_iter().skip(skip) {
            if kept.len() == Self::KEEP {
                kept.pop_front();
            }
            kept.push_back(r);
        }
    }

    pub fn table(&self, model: &str) -> Result<Table, manifest::Error> {
        let all = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let rows: Vec<Value> = all.get(model).map(|k| k.iter().cloned().collect()).unwrap_or_default();
        if rows.is_empty() {
            return Ok(Table::new(Vec::new()));
        }
        Table::from_json_value(&Value::Array(rows))
    }
}

#[derive(serde::Deserialize)]
pub struct DriftQuery {
    dataset: Option<String>,
    version: Option<String>,
}

pub async fn drift(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<DriftQuery>,
) -> ApiResult<Json<Value>> {
    let l = super::api::readable_model(&state, &headers, &name, q.version.as_deref()).await?.1;
    let (source, table) = match &q.dataset {
        Some(dataset) => {
            crate::lake::check_dataset_name(dataset)
                .map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))?;
            if state.lake.meta(dataset).await?.is_none() {
                return Err(ApiError::not_found(format!("there is no dataset {dataset:?}")));
            }
            let table = dataset_table(&state, dataset).await?;
            (format!("dataset {dataset}"), table)
        }
        None => ("recent prediction requests".to_string(), state.recent.table(&name).map_err(ApiError::internal)?),
    };
    let report = manifest::drift::table_drift(&l.manifest, &table).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "no_training_profile",
            format!(
                "version {} of {name} carries no profile of its training data (it was trained before citizen recorded one): train it again to check drift",
                l.version
            ),
        )
    })?;
    let psi: Vec<(String, f64)> = report.fields.iter().map(|f| (f.name.clone(), f.psi)).collect();
    state.metrics.drift(&name, report.drifted, &psi);
    let mut out = json!({ "model": name, "version": l.version, "source": source });
    if let (Value::Object(o), Ok(Value::Object(r))) = (&mut out, serde_json::to_value(&report)) {
        o.extend(r);
    }
    Ok(Json(out))
}

/// A dataset's curated table as cells (its internal key and hash columns
/// included).
pub async fn dataset_table(state: &AppState, dataset: &str) -> ApiResult<Table> {
    let (_, bytes) = state.lake.table_bytes(dataset).await?;
    parquet_table(bytes).await
}

/// A Parquet file's rows as cells (read on a blocking thread).
pub async fn parquet_table(bytes: bytes::Bytes) -> ApiResult<Table> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<Table> {
        let batch = crate::lake::table::read_parquet(bytes)?;
        let columns: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        trainer::arrow::table(&columns, &batch).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}
