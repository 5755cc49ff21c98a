//! The model search: encode the table through the manifest's own
//! preprocessing, cross-validate candidate models under a time budget, pick
//! the winner by the chosen metric, refit it on all rows, and export it as
//! one ONNX file with its manifest and golden cases, checked by the runtime
//! before it is written.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use manifest::{
    DataFingerprint, Feature, Field, FieldKind, GoldenCase, Manifest, OutputField, OutputKind, Preprocessing, Task,
    Tolerance,
};
use prost::Message;
use runtime_wasm::pb;
use serde_json::{Map, Value};

use crate::TrainError;
use crate::data::Dataset;
use crate::gbdt::{self, Gbdt};
use crate::linear::{self, Linear};
use crate::mlp::{Mlp, MlpKind, MlpParams};
use crate::onnx;
use crate::onnx_trees;
use crate::schema::{self, Kind, Schema, SchemaOptions};

/// How to score candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Rmse,
    Mae,
    R2,
    Accuracy,
    LogLoss,
    Auc,
}

impl Metric {
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s.to_ascii_lowercase().as_str() {
            "rmse" => Metric::Rmse,
            "mae" => Metric::Mae,
            "r2" => Metric::R2,
            "accuracy" => Metric::Accuracy,
            "log-loss" | "logloss" | "log_loss" => Metric::LogLoss,
            "auc" => Metric::Auc,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::R2 => "r2",
            Metric::Accuracy => "accuracy",
            Metric::LogLoss => "log_loss",
            Metric::Auc => "auc",
        }
    }

    fn higher_is_better(self) -> bool {
        matches!(self, Metric::R2 | Metric::Accuracy | Metric::Auc)
    }

    fn fits(self, task: Task) -> bool {
        match task {
            Task::Regression => matches!(self, Metric::Rmse | Metric::Mae | Metric::R2),
            Task::Classification => matches!(self, Metric::Accuracy | Metric::LogLoss | Metric::Auc),
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: String,
    pub task: Option<Task>,
    pub metric: Option<Metric>,
    pub time_budget: Duration,
    pub exclude: Vec<String>,
    pub seed: u64,
    /// The model's name in its manifest.
    pub name: String,
}

/// One tried candidate.
#[derive(Debug, Clone)]
pub struct Entry {
    pub family: &'static str,
    pub params: String,
    pub mean: f64,
    pub std: f64,
    pub fit_seconds: f64,
}

/// The outcome of a training run.
pub struct Trained {
    pub schema: Schema,
    pub metric: Metric,
    pub leaderboard: Vec<Entry>,
    /// Index of the winner in the leaderboard.
    pub winner: usize,
    pub manifest: Manifest,
    /// The model file's bytes, already checked by the runtime.
    pub bytes: Vec<u8>,
    pub notes: Vec<String>,
}

/// A fitted model of any family.
enum Fitted {
    Linear(Linear),
    Trees(Gbdt),
    Net(Mlp),
}

impl Fitted {
    /// Regression values `[rows]`, or class probabilities `[rows, classes]`.
    fn predict(&self, x: &[f32], rows: usize) -> Vec<f64> {
        match self {
            Fitted::Linear(m) => m.predict(x, rows),
            Fitted::Trees(m) => m.predict(x, rows),
            Fitted::Net(m) => m.predict(x, rows),
        }
    }

    fn importance(&self) -> Vec<f64> {
        match self {
            Fitted::Linear(m) => m.importance(),
            Fitted::Trees(m) => m.feature_importance(),
            Fitted::Net(m) => m.importance(),
        }
    }

    /// The ONNX nodes reading `features` and writing `outputs`, with the
    /// initializers they read.
    fn nodes(&self, outputs: &[&str], classes: &[String]) -> (Vec<pb::NodeProto>, Vec<pb::TensorProto>) {
        match self {
            Fitted::Linear(m) => (vec![m.node("features", outputs, classes)], vec![]),
            Fitted::Trees(m) if outputs.len() == 1 => {
                (vec![onnx_trees::regressor_node(m, "features", outputs[0])], vec![])
            }
            Fitted::Trees(m) => {
                (vec![onnx_trees::classifier_node(m, classes, "features", outputs[0], outputs[1])], vec![])
            }
            Fitted::Net(m) => m.nodes("features", outputs, classes),
        }
    }
}

/// Fits a model on some rows of a problem; families that train by epochs
/// stop at the deadline.
type FitFn = Box<dyn Fn(&Problem, &[usize], Option<Instant>) -> Result<Fitted, String>>;

/// A candidate: how to encode, how to fit.
struct Candidate {
    family: &'static str,
    params: String,
    encoding: Encoding,
    fit: FitFn,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    /// Numbers standardized, categories one-hot (linear models).
    Standardized,
    /// Numbers as they are, categories one-hot (trees).
    Raw,
}

/// The encoded training data for one encoding.
struct Problem {
    x: Vec<f32>,
    width: usize,
    /// Regression targets, or class indices as f64.
    y: Vec<f64>,
}

impl Problem {
    fn subset(&self, idx: &[usize]) -> (Vec<f32>, Vec<f64>) {
        let mut x = Vec::with_capacity(idx.len() * self.width);
        for &r in idx {
            x.extend_from_slice(&self.x[r * self.width..(r + 1) * self.width]);
        }
        (x, idx.iter().map(|&r| self.y[r]).collect())
    }
}

fn linear_candidates(task: Task, classes: usize) -> Vec<Candidate> {
    [0.1, 1.0, 10.0]
        .into_iter()
        .map(|lambda| {
            let fit: FitFn = match task {
                Task::Regression => Box::new(move |p: &Problem, idx: &[usize], _: Option<Instant>| {
                    let (x, y) = p.subset(idx);
                    Ok(Fitted::Linear(linear::ridge(&x, idx.len(), p.width, &y, lambda)))
                }),
                Task::Classification => Box::new(move |p: &Problem, idx: &[usize], _: Option<Instant>| {
                    let (x, y) = p.subset(idx);
                    let y: Vec<usize> = y.iter().map(|&c| c as usize).collect();
                    Ok(Fitted::Linear(linear::logistic(&x, idx.len(), p.width, &y, classes, lambda)))
                }),
            };
            let name = if task == Task::Regression { "ridge" } else { "logistic" };
            Candidate { family: name, params: format!("l2={lambda}"), encoding: Encoding::Standardized, fit }
        })
        .collect()
}

/// Gradient-boosted trees, from small and fast to larger and slower; each
/// stops early on a held-out part of its training rows.
fn tree_candidates(task: Task, classes: usize, rows: usize, seed: u64) -> Vec<Candidate> {
    let min_leaf = (rows / 20).clamp(2, 20);
    let grid: [(f64, usize, usize, f64, f64); 4] =
        [(0.1, 15, 6, 1.0, 1.0), (0.1, 31, 8, 1.0, 1.0), (0.05, 31, 8, 5.0, 1.0), (0.05, 63, 10, 1.0, 0.8)];
    grid.into_iter()
        .map(|(lr, leaves, depth, l2, sample)| {
            let params = gbdt::Params {
                trees: 500,
                learning_rate: lr,
                max_depth: depth,
                max_leaves: Some(leaves),
                l2,
                min_data_in_leaf: min_leaf,
                subsample: sample,
                colsample: sample,
                early_stopping_rounds: Some(30),
                validation_fraction: 0.15,
                seed,
                ..gbdt::Params::default()
            };
            let objective = match (task, classes) {
                (Task::Regression, _) => gbdt::Objective::SquaredError,
                (Task::Classification, 2) => gbdt::Objective::Binary,
                (Task::Classification, k) => gbdt::Objective::Multiclass { classes: k },
            };
            let label = format!(
                "lr={lr} leaves={leaves} depth={depth} l2={l2}{}",
                if sample < 1.0 { format!(" sample={sample}") } else { String::new() }
            );
            let fit: FitFn = Box::new(move |p: &Problem, idx: &[usize], _: Option<Instant>| {
                let (x, y) = p.subset(idx);
                gbdt::Gbdt::fit(&x, idx.len(), p.width, &y, objective, &params, None)
                    .map(Fitted::Trees)
                    .map_err(|e| e.to_string())
            });
            Candidate { family: "gbdt", params: label, encoding: Encoding::Raw, fit }
        })
        .collect()
}

/// Small neural networks (candle), on the linear models' standardized
/// encoding; each stops early on a held-out part of its training rows, or
/// at its share of the time budget.
fn mlp_candidates(task: Task, classes: usize, seed: u64) -> Vec<Candidate> {
    let kind = match task {
        Task::Regression => MlpKind::Regression,
        Task::Classification => MlpKind::Classification { classes: classes.max(2) },
    };
    [(vec![64], 3e-3), (vec![64, 32], 1e-3)]
        .into_iter()
        .map(|(hidden, lr)| {
            let params = MlpParams { hidden, learning_rate: lr, weight_decay: 1e-4, ..MlpParams::default() };
            let label = format!(
                "hidden={} lr={lr} wd={}",
                params.hidden.iter().map(|h| h.to_string()).collect::<Vec<_>>().join("x"),
                params.weight_decay
            );
            let fit: FitFn = Box::new(move |p: &Problem, idx: &[usize], deadline: Option<Instant>| {
                let (x, y) = p.subset(idx);
                let params = MlpParams { deadline, ..params.clone() };
                Mlp::fit(&x, idx.len(), p.width, &y, kind, &params, seed).map(Fitted::Net)
            });
            Candidate { family: "mlp", params: label, encoding: Encoding::Standardized, fit }
        })
        .collect()
}

/// Preprocessing for an encoding: which features the fields become.
fn preprocessing(schema: &Schema, fields: &[Field], encoding: Encoding) -> Preprocessing {
    let mut features = Vec::new();
    for f in fields {
        match &f.kind {
            FieldKind::Numeric { .. } => {
                let (center, scale) = match (encoding, schema.column(&f.name).map(|c| &c.kind)) {
                    (Encoding::Standardized, Some(Kind::Numeric { .. })) => numeric_stats(schema, &f.name),
                    _ => (0.0, 1.0),
                };
                features.push(Feature::Numeric { field: f.name.clone(), center, scale });
            }
            FieldKind::Categorical { categories } => {
                for c in categories {
                    features.push(Feature::OneHot { field: f.name.clone(), category: c.clone() });
                }
            }
            FieldKind::Boolean => features.push(Feature::Boolean { field: f.name.clone() }),
        }
    }
    Preprocessing { onnx_input: "features".into(), features }
}

/// Mean and standard deviation of a numeric column (missing counted as the median).
fn numeric_stats(schema: &Schema, name: &str) -> (f64, f64) {
    let Some(col) = schema.column(name) else { return (0.0, 1.0) };
    let Kind::Numeric { min, max, .. } = &col.kind else { return (0.0, 1.0) };
    // Midrange and half-range: robust enough for ridge/logistic and known
    // without another pass over the data.
    let center = (min + max) / 2.0;
    let scale = ((max - min) / 2.0).max(1e-12);
    (center, scale)
}

fn folds(rows: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..rows).collect();
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    for i in (1..rows).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = ((state >> 33) as usize) % (i + 1);
        idx.swap(i, j);
    }
    let mut out = vec![Vec::new(); k];
    for (n, r) in idx.into_iter().enumerate() {
        out[n % k].push(r);
    }
    out
}

fn score(metric: Metric, pred: &[f64], y: &[f64], classes: usize) -> f64 {
    let n = y.len() as f64;
    match metric {
        Metric::Rmse => (pred.iter().zip(y).map(|(p, t)| (p - t).powi(2)).sum::<f64>() / n).sqrt(),
        Metric::Mae => pred.iter().zip(y).map(|(p, t)| (p - t).abs()).sum::<f64>() / n,
        Metric::R2 => {
            let mean = y.iter().sum::<f64>() / n;
            let ss_tot: f64 = y.iter().map(|t| (t - mean).powi(2)).sum();
            let ss_res: f64 = pred.iter().zip(y).map(|(p, t)| (p - t).powi(2)).sum();
            1.0 - ss_res / ss_tot.max(1e-300)
        }
        Metric::Accuracy => {
            let hits = y
                .iter()
                .enumerate()
                .filter(|(r, t)| argmax(&pred[r * classes..(r + 1) * classes]) == **t as usize)
                .count();
            hits as f64 / n
        }
        Metric::LogLoss => {
            -y.iter().enumerate().map(|(r, t)| pred[r * classes + *t as usize].clamp(1e-15, 1.0).ln()).sum::<f64>() / n
        }
        Metric::Auc => {
            // Probability of the last class against the rest (binary: the positive class).
            let pos = classes - 1;
            let mut pairs: Vec<(f64, bool)> =
                y.iter().enumerate().map(|(r, t)| (pred[r * classes + pos], *t as usize == pos)).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (mut rank_sum, mut positives) = (0.0, 0.0);
            let mut i = 0;
            while i < pairs.len() {
                let mut j = i;
                while j < pairs.len() && pairs[j].0 == pairs[i].0 {
                    j += 1;
                }
                let avg_rank = (i + j + 1) as f64 / 2.0;
                for p in &pairs[i..j] {
                    if p.1 {
                        rank_sum += avg_rank;
                        positives += 1.0;
                    }
                }
                i = j;
            }
            let negatives = n - positives;
            if positives == 0.0 || negatives == 0.0 {
                return 0.5;
            }
            (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
        }
    }
}

fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

/// Trains: the whole maker's journey from a loaded table to checked model bytes.
/// `progress` receives one line per event (schema shown, candidate tried).
pub fn train(data: &Dataset, opts: &Options, progress: &mut dyn FnMut(&str)) -> Result<Trained, TrainError> {
    let started = Instant::now();
    let schema =
        schema::infer(&data.table, &opts.target, &SchemaOptions { task: opts.task, exclude: opts.exclude.clone() })?;
    progress(&schema.report());
    let task = schema.task;
    let metric = match opts.metric {
        Some(m) if m.fits(task) => m,
        Some(m) => {
            return Err(TrainError::Metric { metric: m.name().into(), task: format!("{task:?}").to_lowercase() });
        }
        None if task == Task::Regression => Metric::Rmse,
        None => Metric::LogLoss,
    };
    let fields = schema.fields();
    let target_col = data.table.column(&schema.target).expect("the schema found the target");
    let rows: Vec<usize> = (0..data.table.len()).filter(|r| !schema.dropped_rows.contains(r)).collect();
    let train_table = subset_table(&data.table, &rows);
    let classes = class_labels(&schema, &data.table, target_col);
    let y: Vec<f64> = rows
        .iter()
        .map(|&r| {
            let cell = &data.table.row(r)[target_col];
            match task {
                Task::Regression => cell.as_f64().unwrap_or(f64::NAN),
                Task::Classification => {
                    classes.iter().position(|c| *c == cell_text(cell)).map(|i| i as f64).unwrap_or(f64::NAN)
                }
            }
        })
        .collect();

    let mut candidates = linear_candidates(task, classes.len());
    candidates.extend(tree_candidates(task, classes.len(), rows.len(), opts.seed));
    candidates.extend(mlp_candidates(task, classes.len(), opts.seed));
    let k = if rows.len() <= 20_000 { 5.min(rows.len()) } else { 1 };
    let splits = if k > 1 { folds(rows.len(), k, opts.seed) } else { holdout(rows.len(), opts.seed) };
    let validation = if k > 1 { format!("{k}-fold cross-validation") } else { "holdout of 20% of the rows".into() };
    progress(&format!("Model search ({validation}, {}; budget {:?}):", metric.name(), opts.time_budget));
    let mut problems: Vec<(Encoding, Preprocessing, Problem)> = Vec::new();
    let mut leaderboard = Vec::new();
    let mut fitted_candidates = Vec::new();
    let total = candidates.len();
    for (ci, cand) in candidates.iter_mut().enumerate() {
        if ci > 0 && started.elapsed() > opts.time_budget {
            progress(&format!("time budget of {:?} reached: {} candidates left untried", opts.time_budget, total - ci));
            break;
        }
        if !problems.iter().any(|(e, _, _)| *e == cand.encoding) {
            let pre = preprocessing(&schema, &fields, cand.encoding);
            let m = manifest_for(&opts.name, task, &fields, &pre, &classes, &schema.target);
            let x = m
                .encode(&train_table)
                .map_err(|e| TrainError::Table { file: data.source.clone(), reason: e.to_string() })?;
            let width = pre.features.len();
            problems.push((cand.encoding, pre, Problem { x, width, y: y.clone() }));
        }
        let problem = &problems.iter().find(|(e, _, _)| *e == cand.encoding).expect("built above").2;
        let t = Instant::now();
        let mut scores = Vec::new();
        let mut failed = None;
        for (i, valid) in splits.iter().enumerate() {
            let train_idx: Vec<usize> =
                splits.iter().enumerate().filter(|(j, _)| *j != i).flat_map(|(_, f)| f.iter().copied()).collect();
            let train_idx = if k == 1 { complement(rows.len(), valid) } else { train_idx };
            // This fit's share of what is left of the budget.
            let fits_left = ((total - ci) * (splits.len() - i)) as u32;
            let share = opts.time_budget.saturating_sub(started.elapsed()) / fits_left.max(1);
            let deadline = Instant::now() + share.max(Duration::from_millis(200));
            let model = match (cand.fit)(problem, &train_idx, Some(deadline)) {
                Ok(m) => m,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            let (xv, yv) = problem.subset(valid);
            scores.push(score(metric, &model.predict(&xv, valid.len()), &yv, classes.len().max(1)));
        }
        if let Some(e) = failed {
            progress(&format!("  {:<10} {:<46} skipped: {e}", cand.family, cand.params));
            continue;
        }
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        let std = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / scores.len() as f64).sqrt();
        let entry = Entry {
            family: cand.family,
            params: cand.params.clone(),
            mean,
            std,
            fit_seconds: t.elapsed().as_secs_f64(),
        };
        progress(&format!(
            "  {:<10} {:<46} {} {:.4} ± {:.4}   {:.2} s",
            entry.family,
            entry.params,
            metric.name(),
            entry.mean,
            entry.std,
            entry.fit_seconds
        ));
        leaderboard.push(entry);
        fitted_candidates.push(ci);
    }
    if leaderboard.is_empty() {
        return Err(TrainError::Export { reason: "no candidate model could be fitted (see the lines above)".into() });
    }
    let better = |a: f64, b: f64| if metric.higher_is_better() { a > b } else { a < b };
    let mut winner = 0;
    for (i, e) in leaderboard.iter().enumerate() {
        if better(e.mean, leaderboard[winner].mean) {
            winner = i;
        }
    }
    let cand = &candidates[fitted_candidates[winner]];
    let (_, pre, problem) = problems.iter().find(|(e, _, _)| *e == cand.encoding).expect("encoded");
    let all: Vec<usize> = (0..rows.len()).collect();
    // The refit on all rows may take about twice a cross-validation fit.
    let refit = Duration::from_secs_f64(2.0 * leaderboard[winner].fit_seconds / splits.len() as f64 + 1.0);
    let model =
        (cand.fit)(problem, &all, Some(Instant::now() + refit)).map_err(|reason| TrainError::Export { reason })?;

    // The model file.
    let mut manifest = manifest_for(&opts.name, task, &fields, pre, &classes, &schema.target);
    manifest.description = format!(
        "Predicts `{}` from {} fields of {} ({}, {} {}).",
        schema.target,
        fields.len(),
        data.source,
        if task == Task::Regression { "regression" } else { "classification" },
        cand.family,
        cand.params
    );
    let best = &leaderboard[winner];
    manifest.metrics.insert(format!("cv_{}", metric.name()), round4(best.mean));
    manifest.metrics.insert(format!("cv_{}_std", metric.name()), round4(best.std));
    let fingerprint = DataFingerprint {
        source: data.source.clone(),
        rows: rows.len() as u64,
        columns: data.table.width() as u64,
        sha256: data.sha256.clone(),
    };
    manifest.training_data = Some(fingerprint);
    manifest.feature_importance = field_importance(&pre.features, &model.importance());
    let golden_rows = golden_rows(rows.len());
    let (gx, _) = problem.subset(&golden_rows);
    let gp = model.predict(&gx, golden_rows.len());
    manifest.golden = golden_rows
        .iter()
        .enumerate()
        .map(|(i, &r)| GoldenCase {
            input: golden_input(&train_table, r, &fields),
            output: golden_output(task, &schema.target, &classes, &gp, i),
        })
        .collect();
    manifest.tolerance = Tolerance::default();
    manifest.validate().map_err(|e| TrainError::Export { reason: e.to_string() })?;
    let onnx_outputs: &[&str] = if task == Task::Regression { &["variable"] } else { &["label", "probabilities"] };
    let (nodes, initializers) = model.nodes(onnx_outputs, &classes);
    let outputs: Vec<(&str, onnx::Elem, Option<usize>)> = match task {
        Task::Regression => vec![("variable", onnx::Elem::Float, Some(1))],
        Task::Classification => {
            vec![("label", onnx::Elem::String, None), ("probabilities", onnx::Elem::Float, Some(classes.len().max(2)))]
        }
    };
    let mut proto = onnx::model(&opts.name, nodes, initializers, "features", pre.features.len(), &outputs);
    onnx::attach_manifest(&mut proto, &manifest);
    let bytes = proto.encode_to_vec();
    self_check(&bytes)?;
    Ok(Trained { schema, metric, leaderboard, winner, manifest, bytes, notes: vec![] })
}

/// Loads the bytes with the runtime and runs the golden cases: the trainer
/// never writes a model the runtime does not reproduce.
fn self_check(bytes: &[u8]) -> Result<(), TrainError> {
    let model = runtime_wasm::Model::load(bytes).map_err(|e| TrainError::Export { reason: e.to_string() })?;
    let report =
        runtime_wasm::describe::check_golden(&model).map_err(|e| TrainError::Export { reason: e.to_string() })?;
    match report["mismatches"].as_array() {
        Some(m) if m.is_empty() => Ok(()),
        _ => Err(TrainError::Export {
            reason: format!("the runtime does not reproduce the trainer's predictions: {}", report["mismatches"]),
        }),
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn holdout(rows: usize, seed: u64) -> Vec<Vec<usize>> {
    let f = folds(rows, 5, seed);
    vec![f[0].clone()]
}

fn complement(rows: usize, out: &[usize]) -> Vec<usize> {
    let mut mask = vec![true; rows];
    for &r in out {
        mask[r] = false;
    }
    (0..rows).filter(|&r| mask[r]).collect()
}

fn golden_rows(rows: usize) -> Vec<usize> {
    let n = rows.min(6);
    let mut v: Vec<usize> = (0..n).map(|i| i * rows / n).collect();
    v.dedup();
    v
}

fn cell_text(c: &manifest::Cell) -> String {
    match c {
        manifest::Cell::Text(s) => s.clone(),
        manifest::Cell::Number(x) => manifest::Cell::Number(*x).to_string(),
        manifest::Cell::Bool(b) => b.to_string(),
        manifest::Cell::Missing => String::new(),
    }
}

/// The classes, as the data writes them (sorted); a yes/no target keeps its
/// own spelling ("No", "Yes").
fn class_labels(schema: &Schema, table: &manifest::Table, target: usize) -> Vec<String> {
    match schema.column(&schema.target).map(|c| &c.kind) {
        Some(Kind::Categorical { categories, .. }) => categories.clone(),
        Some(_) if schema.task == Task::Classification => {
            let mut v: Vec<String> = table.rows().map(|r| cell_text(&r[target])).filter(|s| !s.is_empty()).collect();
            v.sort();
            v.dedup();
            v
        }
        _ => vec![],
    }
}

fn subset_table(t: &manifest::Table, rows: &[usize]) -> manifest::Table {
    let mut out = manifest::Table::new(t.columns().to_vec());
    for &r in rows {
        out.push_row(t.row(r).to_vec()).expect("same width");
    }
    out
}

fn manifest_for(
    name: &str,
    task: Task,
    fields: &[Field],
    pre: &Preprocessing,
    classes: &[String],
    target: &str,
) -> Manifest {
    let outputs = match task {
        Task::Regression => vec![OutputField {
            name: target.into(),
            kind: OutputKind::Numeric,
            onnx_output: "variable".into(),
            column: Some(0),
        }],
        Task::Classification => vec![
            OutputField {
                name: "label".into(),
                kind: OutputKind::Label { classes: classes.to_vec() },
                onnx_output: "label".into(),
                column: None,
            },
            OutputField {
                name: "probability".into(),
                kind: OutputKind::Probabilities { classes: classes.to_vec() },
                onnx_output: "probabilities".into(),
                column: None,
            },
        ],
    };
    Manifest {
        format_version: manifest::FORMAT_VERSION,
        name: name.into(),
        description: String::new(),
        task,
        signature: manifest::Signature { inputs: fields.to_vec(), outputs },
        preprocessing: pre.clone(),
        metrics: BTreeMap::new(),
        feature_importance: BTreeMap::new(),
        training_data: None,
        golden: vec![],
        tolerance: Tolerance::default(),
    }
}

/// Importance per field: a one-hot field sums its categories' columns.
fn field_importance(features: &[Feature], per_column: &[f64]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (f, v) in features.iter().zip(per_column) {
        *out.entry(f.field().to_string()).or_insert(0.0) += v;
    }
    out.values_mut().for_each(|v| *v = round4(*v));
    out
}

fn golden_input(t: &manifest::Table, r: usize, fields: &[Field]) -> Map<String, Value> {
    let mut m = Map::new();
    for f in fields {
        let Some(c) = t.column(&f.name) else { continue };
        let v = match (&t.row(r)[c], &f.kind) {
            (manifest::Cell::Missing, _) => continue,
            (cell, FieldKind::Numeric { .. }) => {
                cell.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
            }
            (manifest::Cell::Bool(b), _) => Value::Bool(*b),
            (cell, _) => Value::String(cell_text(cell)),
        };
        m.insert(f.name.clone(), v);
    }
    m
}

fn golden_output(task: Task, target: &str, classes: &[String], pred: &[f64], i: usize) -> Map<String, Value> {
    let num = |x: f64| Value::Number(serde_json::Number::from_f64(x).unwrap_or_else(|| serde_json::Number::from(0)));
    let mut m = Map::new();
    match task {
        Task::Regression => {
            m.insert(target.into(), num(pred[i]));
        }
        Task::Classification => {
            let k = classes.len();
            let row = &pred[i * k..(i + 1) * k];
            m.insert("label".into(), Value::String(classes[argmax(row)].clone()));
            let probs: Map<String, Value> = classes.iter().zip(row).map(|(c, p)| (c.clone(), num(*p))).collect();
            m.insert("probability".into(), Value::Object(probs));
        }
    }
    m
}
