//! The model search: encode the table through the manifest's own
//! preprocessing, cross-validate candidate models under a time budget, pick
//! the winner by the chosen metric, refit it on all rows, and export it as
//! one ONNX file with its manifest and golden cases, checked by the runtime
//! before it is written.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
use crate::evaluation::{Evaluation, HeldOut, Importance, LeaderboardRow, argmax};
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
    /// Refit the winner on all rows (the default); without it the model is
    /// the winner as fitted on its first validation split's training rows.
    pub refit: bool,
    /// Numeric columns to read as categories (codes, postcodes).
    pub categorical: Vec<String>,
    /// Set from another thread to stop the search: it returns
    /// [`TrainError::Cancelled`] before its next fit.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// What the search reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A line to keep: the schema, a candidate's result, a note.
    Line(&'a str),
    /// What runs now (a candidate and its fold, with a bar of the budget
    /// spent): a live line, replaced by the next status or line.
    Status(&'a str),
    /// After each candidate: how many were tried, of how many at most, and
    /// the best so far.
    Tried { tried: usize, total: usize, best: Option<&'a Entry>, metric: Metric },
}

/// The live line: a bar of the budget spent, the candidate and its fold.
fn status(
    ci: usize,
    total: usize,
    cand: &Candidate,
    fold: usize,
    folds: usize,
    started: Instant,
    budget: Duration,
) -> String {
    const WIDTH: usize = 20;
    let spent = started.elapsed().as_secs_f64();
    let filled = ((spent / budget.as_secs_f64().max(1e-9)) * WIDTH as f64).clamp(0.0, WIDTH as f64) as usize;
    format!(
        "  [{}{}] {:.1}s of {}  candidate {}/{total}, fit {}/{folds}: {} {}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        spent,
        seconds(budget),
        ci + 1,
        fold + 1,
        cand.family,
        cand.params,
    )
}

/// A duration as people read it: `30s`, `500ms`, `1µs`.
fn seconds(d: Duration) -> String {
    format!("{d:?}")
}

/// One tried candidate.
#[derive(Debug, Clone)]
pub struct Entry {
    pub family: &'static str,
    pub params: String,
    pub mean: f64,
    pub std: f64,
    pub fit_seconds: f64,
    /// Classifiers: the factor their margins are multiplied by so that the
    /// out-of-fold probabilities have the least log-loss (temperature
    /// scaling); the CV scores are those of the calibrated probabilities.
    pub calibration: Option<f64>,
}

impl Entry {
    /// The parameters, with the calibration when there is one.
    pub fn described(&self) -> String {
        match self.calibration {
            Some(t) => format!("{} T={:.2}", self.params, 1.0 / t),
            None => self.params.clone(),
        }
    }
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
    /// Held-out numbers and chart data of the winner.
    pub evaluation: Evaluation,
}

/// A fitted model of any family.
enum Fitted {
    Linear(Linear),
    Trees(Gbdt),
    Net(Mlp),
    /// A regression model of the target's logarithm: it predicts `exp` of
    /// the inner model (exported as the inner graph followed by `Exp`).
    Exp(Box<Fitted>),
}

impl Fitted {
    /// Regression values `[rows]`, or class probabilities `[rows, classes]`.
    fn predict(&self, x: &[f32], rows: usize) -> Vec<f64> {
        match self {
            Fitted::Linear(m) => m.predict(x, rows),
            Fitted::Trees(m) => m.predict(x, rows),
            Fitted::Net(m) => m.predict(x, rows),
            // As the exported graph: the inner model's f32 output, then exp.
            Fitted::Exp(m) => m.predict(x, rows).into_iter().map(|v| f64::from((v as f32).exp())).collect(),
        }
    }

    /// Multiplies the margins (scores before softmax or the logistic) by `t`.
    fn scale_margins(&mut self, t: f64) {
        match self {
            Fitted::Linear(m) => {
                m.weights.iter_mut().chain(m.intercepts.iter_mut()).for_each(|w| *w *= t);
            }
            Fitted::Trees(m) => m.scale_margins(t),
            Fitted::Net(m) => {
                if let Some((w, b)) = m.layers.last_mut() {
                    w.iter_mut().chain(b.iter_mut()).for_each(|v| *v = (f64::from(*v) * t) as f32);
                }
            }
            Fitted::Exp(m) => m.scale_margins(t),
        }
    }

    fn importance(&self) -> Vec<f64> {
        match self {
            Fitted::Linear(m) => m.importance(),
            Fitted::Trees(m) => m.feature_importance(),
            Fitted::Net(m) => m.importance(),
            Fitted::Exp(m) => m.importance(),
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
            Fitted::Exp(m) => {
                let (mut nodes, inits) = m.nodes(&["log_target"], classes);
                nodes.push(onnx::node("Exp", &["log_target"], &outputs[..1], vec![]));
                (nodes, inits)
            }
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
    /// Work relative to the other candidates of its family, to foresee
    /// whether it fits in what is left of the budget.
    cost: f64,
    /// A linear model's penalty, which the search refines around the best.
    lambda: Option<f64>,
    /// A tree model's setting, which the search refines around the best.
    tree: Option<TreeSetting>,
    fit: FitFn,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    /// Numbers standardized, categories one-hot (linear models, networks).
    Standardized,
    /// Numbers as they are, each category field one column of category
    /// codes that the trees split by sets of categories (trees).
    Raw,
}

/// The encoded training data for one encoding.
struct Problem {
    x: Vec<f32>,
    width: usize,
    /// Columns holding category codes.
    categorical: Vec<usize>,
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

/// A regularized linear model (ridge, or L2 logistic) with penalty `lambda`.
fn linear_candidate(task: Task, classes: usize, lambda: f64) -> Candidate {
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
    Candidate {
        family: name,
        params: format!("l2={}", round4_sig(lambda)),
        encoding: Encoding::Standardized,
        cost: 1.0,
        lambda: Some(lambda),
        tree: None,
        fit,
    }
}

/// Settings of one gradient-boosted trees candidate.
#[derive(Clone, Copy)]
struct TreeSetting {
    lr: f64,
    leaves: usize,
    depth: usize,
    l2: f64,
    /// Least rows per leaf: a multiple of the data's default.
    min_leaf: f64,
    min_child_weight: f64,
    sample: f64,
}

const fn tree(lr: f64, leaves: usize, depth: usize, l2: f64) -> TreeSetting {
    TreeSetting { lr, leaves, depth, l2, min_leaf: 1.0, min_child_weight: 1e-3, sample: 1.0 }
}

/// Rows from which the trees stop early on a held-out part of their
/// training rows; below it (as scikit-learn's default) they grow a fixed
/// number of rounds, as a small held-out part is too noisy to stop on.
const EARLY_STOPPING_ROWS: usize = 10_000;

/// Gradient-boosted trees with one setting. On large data it stops early on
/// a held-out part of its training rows (patience grows as the learning
/// rate shrinks); on small data it grows `10 / lr` rounds. A fit stops at
/// the deadline if it would overrun the budget.
fn tree_candidate(task: Task, classes: usize, rows: usize, seed: u64, t: TreeSetting) -> Candidate {
    let base_leaf = (rows / 20).clamp(2, 20) as f64;
    let min_leaf = ((base_leaf * t.min_leaf).round() as usize).max(1);
    let early = rows >= EARLY_STOPPING_ROWS;
    let params = gbdt::Params {
        trees: ((if early { 50.0 } else { 10.0 }) / t.lr).round() as usize,
        learning_rate: t.lr,
        max_depth: t.depth,
        max_leaves: Some(t.leaves),
        l2: t.l2,
        min_data_in_leaf: min_leaf,
        min_child_weight: t.min_child_weight,
        subsample: t.sample,
        colsample: t.sample,
        early_stopping_rounds: early.then_some((3.0 / t.lr).round() as usize),
        validation_fraction: 0.15,
        seed,
        ..gbdt::Params::default()
    };
    let objective = match (task, classes) {
        (Task::Regression, _) => gbdt::Objective::SquaredError,
        (Task::Classification, 2) => gbdt::Objective::Binary,
        (Task::Classification, k) => gbdt::Objective::Multiclass { classes: k },
    };
    let mut label = format!("lr={} leaves={} depth={} l2={} min_leaf={min_leaf}", t.lr, t.leaves, t.depth, t.l2);
    if t.min_child_weight >= 0.01 {
        label.push_str(&format!(" min_hess={}", t.min_child_weight));
    }
    if t.sample < 1.0 {
        label.push_str(&format!(" sample={}", t.sample));
    }
    let fit: FitFn = Box::new(move |p: &Problem, idx: &[usize], deadline: Option<Instant>| {
        let (x, y) = p.subset(idx);
        let params = gbdt::Params { deadline, categorical: p.categorical.clone(), ..params.clone() };
        gbdt::Gbdt::fit(&x, idx.len(), p.width, &y, objective, &params, None)
            .map(Fitted::Trees)
            .map_err(|e| e.to_string())
    });
    // Work grows with the rounds (1 / learning rate) and the leaves.
    let cost = (0.1 / t.lr) * (0.5 + t.leaves as f64 / 62.0) * t.sample;
    Candidate { family: "gbdt", params: label, encoding: Encoding::Raw, cost, lambda: None, tree: Some(t), fit }
}

/// A small neural network (candle) on the linear models' standardized
/// encoding; it stops early on a held-out part of its training rows, or at
/// the deadline if a fit would overrun the budget.
fn mlp_candidate(task: Task, classes: usize, seed: u64, hidden: &[usize], lr: f64, wd: f64) -> Candidate {
    let kind = match task {
        Task::Regression => MlpKind::Regression,
        Task::Classification => MlpKind::Classification { classes: classes.max(2) },
    };
    let params = MlpParams { hidden: hidden.to_vec(), learning_rate: lr, weight_decay: wd, ..MlpParams::default() };
    let label = format!(
        "hidden={} lr={lr} wd={wd}",
        params.hidden.iter().map(|h| h.to_string()).collect::<Vec<_>>().join("x"),
    );
    let cost = hidden.iter().sum::<usize>() as f64 / 64.0;
    let fit: FitFn = Box::new(move |p: &Problem, idx: &[usize], deadline: Option<Instant>| {
        let (x, y) = p.subset(idx);
        let params = MlpParams { deadline, ..params.clone() };
        Mlp::fit(&x, idx.len(), p.width, &y, kind, &params, seed).map(Fitted::Net)
    });
    Candidate { family: "mlp", params: label, encoding: Encoding::Standardized, cost, lambda: None, tree: None, fit }
}

/// A regression candidate fitted to the logarithm of the target (for a
/// positive target, where errors grow with the value, as prices do).
fn log_target(c: Candidate) -> Candidate {
    let inner = c.fit;
    let fit: FitFn = Box::new(move |p: &Problem, idx: &[usize], deadline: Option<Instant>| {
        let logged = Problem {
            x: p.x.clone(),
            width: p.width,
            categorical: p.categorical.clone(),
            y: p.y.iter().map(|v| v.ln()).collect(),
        };
        inner(&logged, idx, deadline).map(|m| Fitted::Exp(Box::new(m)))
    });
    Candidate { params: format!("{} log-target", c.params), lambda: None, tree: None, fit, ..c }
}

/// Every candidate, in the order the search tries them: one of each family
/// first (so even a short budget compares them), then the cheap linear
/// penalties, then tree and network settings from common to unusual (and,
/// for a positive regression target, models of its logarithm), the slow
/// low learning rates last; on large data the networks after the trees.
/// The budget only decides how far down this list the search gets.
fn candidates(task: Task, classes: usize, rows: usize, seed: u64, positive: bool) -> Vec<Candidate> {
    let lin = |l| linear_candidate(task, classes, l);
    let gb = |t| tree_candidate(task, classes, rows, seed, t);
    let mlp = |h: &[usize], lr, wd| mlp_candidate(task, classes, seed, h, lr, wd);
    // On the logarithm of a positive regression target.
    let logged = |c: Candidate| (positive && task == Task::Regression).then(|| log_target(c));
    let mut list = vec![
        lin(1.0),
        gb(tree(0.1, 31, 8, 1.0)),
        mlp(&[64], 3e-3, 1e-4),
        lin(0.1),
        lin(10.0),
        lin(0.01),
        lin(100.0),
        lin(1e-3),
        lin(1e-4),
        // (Here the search inserts the two penalties halfway, on a log
        // scale, around the best one so far.)
        gb(tree(0.05, 15, 6, 1.0)),
        gb(TreeSetting { sample: 0.8, ..tree(0.05, 63, 10, 1.0) }),
        gb(tree(0.1, 7, 3, 1.0)),
        mlp(&[64, 32], 1e-3, 1e-4),
        gb(TreeSetting { min_leaf: 4.0, ..tree(0.1, 31, 8, 0.0) }),
        gb(TreeSetting { min_child_weight: 1.0, ..tree(0.05, 31, 8, 10.0) }),
        gb(TreeSetting { min_leaf: 0.25, ..tree(0.05, 31, 8, 0.0) }),
        gb(TreeSetting { min_leaf: 2.0, sample: 0.7, ..tree(0.1, 31, 8, 1.0) }),
        mlp(&[128], 1e-3, 1e-3),
        mlp(&[32], 1e-2, 1e-4),
        gb(TreeSetting { min_leaf: 0.5, ..tree(0.05, 15, 4, 3.0) }),
        gb(tree(0.02, 31, 8, 1.0)),
        gb(TreeSetting { min_leaf: 7.0, ..tree(0.05, 15, 6, 1.0) }),
        gb(TreeSetting { sample: 0.8, ..tree(0.02, 63, 10, 1.0) }),
        mlp(&[128, 64], 1e-3, 1e-3),
        gb(TreeSetting { min_leaf: 0.5, sample: 0.8, ..tree(0.03, 127, 12, 3.0) }),
    ];
    // After the first three tree settings of the sweep: the logarithm of a
    // positive target.
    let at = 12;
    let logs = [
        logged(lin(1.0)),
        logged(lin(10.0)),
        logged(gb(tree(0.1, 31, 8, 1.0))),
        logged(lin(0.1)),
        logged(mlp(&[64], 3e-3, 1e-4)),
        logged(gb(TreeSetting { sample: 0.8, ..tree(0.05, 63, 10, 1.0) })),
    ];
    for (i, c) in logs.into_iter().flatten().enumerate() {
        list.insert(at + i, c);
    }
    if rows >= EARLY_STOPPING_ROWS {
        // On large data trees are strong and cheap for what they give, while
        // each logistic fit (hundreds of passes) and network is slow: after
        // the first of each family, the trees (and the closed-form ridge)
        // go first, then the logistic penalties, then the networks.
        let mut seen = Vec::new();
        let mut ranked: Vec<(u8, Candidate)> = list
            .into_iter()
            .map(|c| {
                let rank = match c.family {
                    f if !seen.contains(&f) => {
                        seen.push(f);
                        0
                    }
                    "gbdt" | "ridge" => 1,
                    "logistic" => 2,
                    _ => 3,
                };
                (rank, c)
            })
            .collect();
        ranked.sort_by_key(|(rank, _)| *rank);
        list = ranked.into_iter().map(|(_, c)| c).collect();
    }
    list
}

/// Preprocessing for an encoding: which features the fields become.
fn preprocessing(schema: &Schema, fields: &[Field], encoding: Encoding) -> Preprocessing {
    let mut features = Vec::new();
    for f in fields {
        match &f.kind {
            // The trees route missing values themselves (a learned direction per split).
            FieldKind::Numeric { .. } if encoding == Encoding::Raw => {
                features.push(Feature::NumberOrNan { field: f.name.clone() });
            }
            FieldKind::Numeric { .. } => {
                let (center, scale) = match (encoding, schema.column(&f.name).map(|c| &c.kind)) {
                    (Encoding::Standardized, Some(Kind::Numeric { .. })) => numeric_stats(schema, &f.name),
                    _ => (0.0, 1.0),
                };
                features.push(Feature::Numeric { field: f.name.clone(), center, scale });
            }
            FieldKind::Categorical { .. } if encoding == Encoding::Raw => {
                features.push(Feature::Ordinal { field: f.name.clone() });
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

/// Probabilities `p` raised to `t` and normalised: the softmax of the
/// margins multiplied by `t`.
fn sharpen(row: &mut [f64], t: f64) {
    let logs: Vec<f64> = row.iter().map(|p| t * p.max(1e-300).ln()).collect();
    let m = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logs.iter().map(|l| (l - m).exp()).sum();
    for (p, l) in row.iter_mut().zip(&logs) {
        *p = (l - m).exp() / sum;
    }
}

/// The factor `t` in [0.05, 20] for which the sharpened out-of-fold
/// probabilities have the least log-loss (golden-section search on log t;
/// deterministic).
fn temperature(outs: &[(Vec<f64>, Vec<f64>)], classes: usize) -> f64 {
    let loss = |lt: f64| {
        let t = lt.exp();
        let mut total = 0.0;
        let mut n = 0.0;
        for (p, y) in outs {
            for (row, &c) in p.chunks(classes).zip(y) {
                let logs: Vec<f64> = row.iter().map(|p| t * p.clamp(1e-15, 1.0).ln()).collect();
                let m = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                total += m + logs.iter().map(|l| (l - m).exp()).sum::<f64>().ln() - logs[c as usize];
                n += 1.0;
            }
        }
        total / n
    };
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let mut c = b - golden * (b - a);
    let mut d = a + golden * (b - a);
    let (mut fc, mut fd) = (loss(c), loss(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - golden * (b - a);
            fc = loss(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + golden * (b - a);
            fd = loss(d);
        }
    }
    let best = ((a + b) / 2.0).exp();
    // Keep the model as it is unless calibration clearly helps.
    if loss(best.ln()) < loss(0.0) - 1e-9 { best } else { 1.0 }
}

/// Trains: the whole maker's journey from a loaded table to checked model bytes.
/// `progress` receives lines to keep (schema, each candidate's result,
/// notes) and a live status while a candidate runs.
pub fn train(data: &Dataset, opts: &Options, progress: &mut dyn FnMut(Progress)) -> Result<Trained, TrainError> {
    let started = Instant::now();
    let schema = schema::infer(
        &data.table,
        &opts.target,
        &SchemaOptions { task: opts.task, exclude: opts.exclude.clone(), categorical: opts.categorical.clone() },
    )?;
    progress(Progress::Line(&schema.report()));
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

    let positive = task == Task::Regression && y.iter().all(|&v| v > 0.0);
    let mut candidates: Vec<Candidate> = candidates(task, classes.len(), rows.len(), opts.seed, positive);
    let k = if rows.len() <= 20_000 { 5.min(rows.len()) } else { 1 };
    let splits = if k > 1 { folds(rows.len(), k, opts.seed) } else { holdout(rows.len(), opts.seed) };
    let validation = if k > 1 { format!("{k}-fold cross-validation") } else { "holdout of 20% of the rows".into() };
    // Two refinements of the best penalty, two of the best tree setting.
    let total = candidates.len() + 4;
    let (mut trees_refined, mut linear_refined) = (false, false);
    progress(Progress::Line(&format!(
        "Model search ({validation}, {}; {total} candidates, budget {}):",
        metric.name(),
        seconds(opts.time_budget)
    )));
    let mut problems: Vec<(Encoding, Preprocessing, Problem)> = Vec::new();
    let mut leaderboard: Vec<Entry> = Vec::new();
    let mut fitted_candidates: Vec<usize> = Vec::new();
    // Seconds per unit of cost seen so far, per family.
    let mut pace: BTreeMap<&'static str, f64> = BTreeMap::new();
    // The leader's model on the first split, kept for --no-refit.
    let mut leader: Option<(usize, Fitted)> = None;
    // The leader's out-of-fold predictions and targets, per split.
    let mut leader_outs: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    let cancelled = || opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed));
    let better = |a: f64, b: f64| if metric.higher_is_better() { a > b } else { a < b };
    let mut stopped = None;
    let mut ci = 0;
    loop {
        if !linear_refined && candidates[ci..].iter().all(|c| c.lambda.is_none()) {
            // Once the list's penalties are tried: halfway (on a log scale)
            // on each side of the best one.
            linear_refined = true;
            if let Some(l) = best_tried(&candidates, &leaderboard, &fitted_candidates, better, |c| c.lambda) {
                let step = 10f64.sqrt();
                candidates.insert(ci, linear_candidate(task, classes.len(), l * step));
                candidates.insert(ci, linear_candidate(task, classes.len(), l / step));
            }
        }
        if !trees_refined && candidates[ci..].iter().all(|c| c.tree.is_none()) {
            // Once the list's tree settings are tried: the best one with half
            // the learning rate (twice the rounds), and with twice the leaves
            // and half the least rows per leaf.
            trees_refined = true;
            if let Some(t) = best_tried(&candidates, &leaderboard, &fitted_candidates, better, |c| c.tree) {
                let deeper = TreeSetting { leaves: t.leaves * 2, depth: t.depth + 2, min_leaf: t.min_leaf / 2.0, ..t };
                let slower = TreeSetting { lr: t.lr / 2.0, ..t };
                let (n, seed) = (rows.len(), opts.seed);
                candidates.insert(ci, tree_candidate(task, classes.len(), n, seed, deeper));
                candidates.insert(ci, tree_candidate(task, classes.len(), n, seed, slower));
            }
        }
        let Some(cand) = candidates.get(ci) else { break };
        ci += 1;
        let ci = ci - 1;
        // Time kept for refitting the leader on all rows (about one fit on
        // 1/(1 - 1/k) as many rows).
        let reserve = match (&leader, opts.refit) {
            (Some((l, _)), true) => leaderboard[*l].fit_seconds / splits.len() as f64 * 1.5,
            _ => 0.0,
        };
        let left = opts.time_budget.as_secs_f64() - started.elapsed().as_secs_f64() - reserve;
        if ci > 0 {
            let foreseen = pace.get(cand.family).map(|p| p * cand.cost).unwrap_or(0.0);
            if left <= 0.0 || foreseen > left {
                stopped = Some(ci);
                break;
            }
        }
        if !problems.iter().any(|(e, _, _)| *e == cand.encoding) {
            let pre = preprocessing(&schema, &fields, cand.encoding);
            let m = manifest_for(&opts.name, task, &fields, &pre, &classes, &schema.target);
            let x = m
                .encode(&train_table)
                .map_err(|e| TrainError::Table { file: data.source.clone(), reason: e.to_string() })?;
            let width = pre.features.len();
            let categorical =
                pre.features.iter().enumerate().filter(|(_, f)| matches!(f, Feature::Ordinal { .. })).map(|(i, _)| i);
            let categorical = categorical.collect();
            problems.push((cand.encoding, pre, Problem { x, width, categorical, y: y.clone() }));
        }
        let problem = &problems.iter().find(|(e, _, _)| *e == cand.encoding).expect("built above").2;
        let t = Instant::now();
        // Predictions and targets of every validation split.
        let mut outs: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        let mut failed = None;
        let mut first = None;
        // A candidate may take at most a quarter of what is left of the
        // budget (less the refit's share), so that one slow network cannot
        // spend it all; its fits stop there only if they would overrun it.
        let deadline = Instant::now() + Duration::from_secs_f64(left.max(0.0) / 4.0);
        for (i, valid) in splits.iter().enumerate() {
            if cancelled() {
                return Err(TrainError::Cancelled);
            }
            progress(Progress::Status(&status(ci, total, cand, i, splits.len(), started, opts.time_budget)));
            let train_idx = complement(rows.len(), valid);
            let model = match (cand.fit)(problem, &train_idx, Some(deadline)) {
                Ok(m) => m,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            let (xv, yv) = problem.subset(valid);
            outs.push((model.predict(&xv, valid.len()), yv));
            if i == 0 {
                first = Some(model);
            }
        }
        if let Some(e) = failed {
            progress(Progress::Line(&format!(
                "  {:>2}/{total} {:<10} {:<46} skipped: {e}",
                ci + 1,
                cand.family,
                cand.params
            )));
            continue;
        }
        let k_classes = classes.len().max(1);
        let calibration = (task == Task::Classification).then(|| temperature(&outs, k_classes));
        let scores: Vec<f64> = outs
            .iter_mut()
            .map(|(p, y)| {
                if let Some(t) = calibration {
                    p.chunks_mut(k_classes).for_each(|row| sharpen(row, t));
                }
                score(metric, p, y, k_classes)
            })
            .collect();
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        let std = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / scores.len() as f64).sqrt();
        let entry = Entry {
            family: cand.family,
            params: cand.params.clone(),
            mean,
            std,
            fit_seconds: t.elapsed().as_secs_f64(),
            calibration,
        };
        let p = pace.entry(cand.family).or_insert(0.0);
        *p = p.max(entry.fit_seconds / cand.cost);
        progress(Progress::Line(&format!(
            "  {:>2}/{total} {:<10} {:<46} {} {:.4} ± {:.4}   {:.2} s",
            ci + 1,
            entry.family,
            entry.described(),
            metric.name(),
            entry.mean,
            entry.std,
            entry.fit_seconds
        )));
        if leader.as_ref().is_none_or(|(l, _)| better(entry.mean, leaderboard[*l].mean)) {
            leader = Some((leaderboard.len(), first.expect("at least one split")));
            leader_outs = outs;
        }
        leaderboard.push(entry);
        fitted_candidates.push(ci);
        let best = leader.as_ref().map(|(l, _)| &leaderboard[*l]);
        progress(Progress::Tried { tried: leaderboard.len(), total, best, metric });
    }
    let mut notes = Vec::new();
    if let Some(ci) = stopped {
        let note = format!(
            "The time budget of {} was reached after {ci} of {total} candidates; a longer --time-budget tries more.",
            seconds(opts.time_budget)
        );
        progress(Progress::Line(&note));
        notes.push(note);
    }
    let Some((winner, first_model)) = leader else {
        return Err(TrainError::Export { reason: "no candidate model could be fitted (see the lines above)".into() });
    };
    let cand = &candidates[fitted_candidates[winner]];
    let (_, pre, problem) = problems.iter().find(|(e, _, _)| *e == cand.encoding).expect("encoded");
    if cancelled() {
        return Err(TrainError::Cancelled);
    }
    let mut model = if opts.refit {
        progress(Progress::Status(&format!("refitting {} {} on all {} rows", cand.family, cand.params, rows.len())));
        let all: Vec<usize> = (0..rows.len()).collect();
        // The refit may overrun the budget by its own length, not more.
        let refit = Duration::from_secs_f64(3.0 * leaderboard[winner].fit_seconds / splits.len() as f64 + 1.0);
        (cand.fit)(problem, &all, Some(Instant::now() + refit)).map_err(|reason| TrainError::Export { reason })?
    } else {
        let note = format!(
            "--no-refit: the model is the winner as fitted on {} of the {} rows (its first validation split)",
            rows.len() - splits[0].len(),
            rows.len()
        );
        progress(Progress::Line(&note));
        notes.push(note);
        first_model
    };

    if let Some(t) = leaderboard[winner].calibration {
        model.scale_margins(t);
    }

    // The model file.
    let mut manifest = manifest_for(&opts.name, task, &fields, pre, &classes, &schema.target);
    manifest.description = format!(
        "Predicts {} from {} fields of {} ({}, {} {}).",
        schema.target,
        fields.len(),
        data.source,
        if task == Task::Regression { "regression" } else { "classification" },
        cand.family,
        leaderboard[winner].described()
    );
    let best = &leaderboard[winner];
    manifest.metrics.insert(format!("cv_{}", metric.name()), round4(best.mean));
    manifest.metrics.insert(format!("cv_{}_std", metric.name()), round4(best.std));
    let fingerprint = DataFingerprint {
        source: data.source.clone(),
        rows: rows.len() as u64,
        columns: data.table.width() as u64,
        sha256: data.sha256.clone(),
        profiles: training_profiles(&manifest.signature.inputs, &data.table, &rows),
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
    let rows_shown = leaderboard
        .iter()
        .enumerate()
        .map(|(i, e)| LeaderboardRow {
            family: e.family.to_string(),
            params: e.described(),
            score: e.mean,
            std: e.std,
            fit_seconds: e.fit_seconds,
            winner: i == winner,
        })
        .collect();
    let mut importance: Vec<Importance> =
        manifest.feature_importance.iter().map(|(f, s)| Importance { field: f.clone(), share: *s }).collect();
    importance.sort_by(|a, b| b.share.total_cmp(&a.share).then_with(|| a.field.cmp(&b.field)));
    let held = HeldOut { task, target: &schema.target, classes: &classes, splits: &leader_outs };
    let evaluation = Evaluation::new(&held, metric.name(), metric.higher_is_better(), rows_shown, importance);
    Ok(Trained { schema, metric, leaderboard, winner, manifest, bytes, notes, evaluation })
}

/// Among the tried candidates (`leaderboard[i]` is `candidates[tried[i]]`)
/// that have a `key` (a penalty, a tree setting), the best one's.
fn best_tried<T>(
    candidates: &[Candidate],
    leaderboard: &[Entry],
    tried: &[usize],
    better: impl Fn(f64, f64) -> bool,
    key: impl Fn(&Candidate) -> Option<T>,
) -> Option<T> {
    leaderboard
        .iter()
        .zip(tried)
        .filter_map(|(e, &c)| key(&candidates[c]).map(|k| (e.mean, k)))
        .reduce(|a, b| if better(b.0, a.0) { b } else { a })
        .map(|(_, k)| k)
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

/// A penalty as written in a candidate's parameters: 4 significant digits.
fn round4_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
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

/// Each input field's distribution over the training rows (for drift checks).
fn training_profiles(
    inputs: &[manifest::Field],
    table: &manifest::Table,
    rows: &[usize],
) -> Vec<manifest::drift::FieldProfile> {
    inputs
        .iter()
        .filter_map(|f| {
            let c = table.column(&f.name)?;
            let cells: Vec<&manifest::Cell> = rows.iter().map(|&r| &table.row(r)[c]).collect();
            Some(manifest::drift::profile(f, &cells))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Out-of-fold probabilities of two classes where the model says `p`
    /// for the class it picks and is right in `right` of 100 rows.
    fn outs(p: f64, right: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
        let probs = (0..100).flat_map(|_| [p, 1.0 - p]).collect();
        let y = (0..100).map(|r| if r < right { 0.0 } else { 1.0 }).collect();
        vec![(probs, y)]
    }

    #[test]
    fn calibration_sharpens_the_timid_and_softens_the_overconfident() {
        // Right 99 times in 100 but only 60% sure: sharper (t > 1).
        let t = temperature(&outs(0.6, 99), 2);
        assert!(t > 5.0, "{t}");
        // Right 70 times in 100 but 99% sure: softer (t < 1).
        let t = temperature(&outs(0.99, 70), 2);
        assert!(t < 0.5, "{t}");
        let mut row = [0.99, 0.01];
        sharpen(&mut row, t);
        assert!((row[0] - 0.7).abs() < 0.01 && (row[0] + row[1] - 1.0).abs() < 1e-12, "{row:?}");
        // Calibrated already: left alone.
        assert_eq!(temperature(&outs(0.5, 50), 2), 1.0);
    }
}
