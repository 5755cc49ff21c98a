//! BI-style scoring: a model over a dataset's curated table, the outputs
//! as new columns of a scored table (`datasets/{name}/scored/{model}/`).
//! A refresh predicts only rows whose key is new or whose row hash
//! changed since the last scoring with the same model version; a new
//! version re-scores every row. Rows the model refuses keep null outputs
//! and are counted in `failed`.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use arrow::array::{Array, ArrayRef, AsArray, new_null_array};
use arrow::datatypes::{Field, Schema};
use arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};

use super::table::{HASH, KEY, read_parquet, tempdir, write_parquet};
use super::{Lake, dataset_path};
use crate::batch::{self, BatchFormat, BatchOptions, Predictor};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ScoreReport {
    pub dataset: String,
    pub model: String,
    pub version: u64,
    pub rows: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub removed: u64,
    pub rescored: u64,
    pub failed: u64,
    /// Every row was scored (first scoring, or the model version changed).
    pub full: bool,
    pub outputs: Vec<String>,
    /// The scored table in the store.
    pub table: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct State {
    version: u64,
    outputs: Vec<String>,
}

fn strings(batch: &RecordBatch, col: &str) -> Result<Vec<String>> {
    let a = batch.column_by_name(col).ok_or_else(|| anyhow!("the table has no {col} column"))?;
    let a = a.as_string_opt::<i32>().ok_or_else(|| anyhow!("{col} is not text"))?;
    Ok((0..a.len()).map(|i| a.value(i).to_string()).collect())
}

impl Lake {
    /// Scores dataset `name` with `predictor` (model `model`, version `version`).
    pub async fn score(
        &self,
        name: &str,
        model: &str,
        version: u64,
        predictor: Arc<dyn Predictor + Send>,
    ) -> Result<ScoreReport> {
        let (_, table_bytes) = self.table_bytes(name).await?;
        let at = |f: &str| dataset_path(name, &["scored", model, f]);
        let state: Option<State> = match self.store.get(&at("state.json")).await? {
            Some((b, _)) => serde_json::from_slice(&b).ok(),
            None => None,
        };
        let prev = match &state {
            Some(_) => self.store.get(&at("table.parquet")).await?.map(|(b, _)| b),
            None => None,
        };
        let scratch = tempdir(name)?;
        let s2 = scratch.clone();
        let (name2, model2) = (name.to_string(), model.to_string());
        let result = tokio::task::spawn_blocking(move || {
            score_blocking(&name2, &model2, version, predictor.as_ref(), table_bytes, state, prev, &s2)
        })
        .await?;
        let outcome = async {
            let (mut report, file, outputs) = result?;
            report.table = at("table.parquet").to_string();
            self.store.put_file(&at("table.parquet"), &file).await?;
            self.store.put(&at("state.json"), serde_json::to_vec(&State { version, outputs })?).await?;
            Ok(report)
        }
        .await;
        let _ = std::fs::remove_dir_all(&scratch);
        outcome
    }
}

#[allow(clippy::too_many_arguments)]
fn score_blocking(
    name: &str,
    model: &str,
    version: u64,
    predictor: &dyn Predictor,
    table_bytes: bytes::Bytes,
    state: Option<State>,
    prev: Option<bytes::Bytes>,
    scratch: &std::path::Path,
) -> Result<(ScoreReport, std::path::PathBuf, Vec<String>)> {
    let table = read_parquet(table_bytes).context("reading the curated table")?;
    let keys = strings(&table, KEY)?;
    let hashes = strings(&table, HASH)?;
    let full = state.as_ref().is_none_or(|s| s.version != version) || prev.is_none();
    let mut report = ScoreReport {
        dataset: name.into(),
        model: model.into(),
        version,
        rows: table.num_rows() as u64,
        full,
        ..Default::default()
    };
    // The previous scored table: key -> (row, hash).
    let prev = match &prev {
        Some(b) => Some(read_parquet(b.clone()).context("reading the previous scored table")?),
        None => None,
    };
    let mut before: HashMap<String, (usize, String)> = HashMap::new();
    if let Some(p) = &prev {
        for (i, (k, h)) in strings(p, KEY)?.into_iter().zip(strings(p, HASH)?).enumerate() {
            before.insert(k, (i, h));
        }
    }
    let mut todo: Vec<u32> = Vec::new();
    for (i, (k, h)) in keys.iter().zip(&hashes).enumerate() {
        match before.get(k) {
            None => {
                report.new += 1;
                todo.push(i as u32);
            }
            Some((_, ph)) if ph != h => {
                report.changed += 1;
                todo.push(i as u32);
            }
            Some(_) => {
                report.unchanged += 1;
                if full {
                    todo.push(i as u32);
                }
            }
        }
    }
    let current: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
    report.removed = before.keys().filter(|k| !current.contains(k.as_str())).count() as u64;
    report.rescored = todo.len() as u64;

    // Predict the rows to score with the batch engine (Parquet in, Parquet out).
    let mut scored: HashMap<String, usize> = HashMap::new();
    let mut fresh: Option<RecordBatch> = None;
    let mut outputs: Vec<String> = state.as_ref().map(|s| s.outputs.clone()).unwrap_or_default();
    if !todo.is_empty() {
        let idx = arrow::array::UInt32Array::from(todo.clone());
        let input = arrow::compute::take_record_batch(&table, &idx)?;
        let input_file = scratch.join("input.parquet");
        write_parquet(&input, &input_file)?;
        let (out_file, err_file) = (scratch.join("output.parquet"), scratch.join("errors.csv"));
        let opts = BatchOptions {
            output: BatchFormat::Parquet,
            input_name: Some("the rows to score".into()),
            errors_name: Some("the report's errors".into()),
            ..Default::default()
        };
        let run =
            batch::run_batch(predictor, &input_file, BatchFormat::Parquet, &out_file, &err_file, &opts, &mut |_| {
                ControlFlow::Continue(())
            });
        match run {
            Ok(summary) => {
                report.failed = summary.rows_failed;
                let out = read_parquet(bytes::Bytes::from(std::fs::read(&out_file)?))?;
                outputs = out.schema().fields()[input.num_columns()..].iter().map(|f| f.name().clone()).collect();
                for (i, k) in strings(&out, KEY)?.into_iter().enumerate() {
                    scored.insert(k, i);
                }
                fresh = Some(out);
            }
            Err(e) => {
                // Not one row could be predicted: every row to score failed.
                report.failed = todo.len() as u64;
                report.errors.push(format!("{e:#}"));
            }
        }
        if let Ok(text) = std::fs::read_to_string(&err_file) {
            report.errors.extend(text.lines().skip(1).take(20).map(|l| format!("scored row {l}")));
        }
    }
    // The scored table: the curated columns, then each output column from
    // this run, the previous scored table, or null.
    let mut fields: Vec<Field> = table.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns: Vec<ArrayRef> = table.columns().to_vec();
    for o in &outputs {
        let from_fresh = fresh.as_ref().and_then(|f| f.column_by_name(o).cloned());
        // A new version re-scores every row: nothing is taken from the old one.
        let from_prev = prev.as_ref().filter(|_| !full).and_then(|p| p.column_by_name(o).cloned());
        let Some(dtype) = from_fresh.as_ref().or(from_prev.as_ref()).map(|a| a.data_type().clone()) else {
            continue;
        };
        let null = new_null_array(&dtype, 1);
        let fresh_a = from_fresh.clone().unwrap_or_else(|| null.clone());
        let prev_a = from_prev.filter(|a| a.data_type() == &dtype).unwrap_or_else(|| null.clone());
        let picks: Vec<(usize, usize)> = keys
            .iter()
            .zip(&hashes)
            .map(|(k, h)| {
                if let Some(&i) = scored.get(k) {
                    (0, i)
                } else if let Some((i, _)) = before.get(k).filter(|(_, ph)| ph == h) {
                    (1, *i)
                } else {
                    (2, 0)
                }
            })
            .collect();
        let merged = arrow::compute::kernels::interleave::interleave(&[&*fresh_a, &*prev_a, &*null], &picks)?;
        fields.push(Field::new(o, dtype, true));
        columns.push(merged);
    }
    let out = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    let file = scratch.join("scored.parquet");
    write_parquet(&out, &file)?;
    report.outputs = outputs.clone();
    Ok((report, file, outputs))
}
