//! Gradient-boosted decision trees, written here rather than taken from a
//! crate so that every node is ours to read (export to `ai.onnx.ml`, feature
//! contributions) and so that training and the exported model agree exactly.
//!
//! * **Histograms.** Every feature is cut into at most `max_bins` value bins
//!   at `f32` thresholds, plus one bin for missing values (NaN). A split
//!   sends `x <= threshold` left; missing values go to the side learned for
//!   that split (or, when the node saw none, to the side with more hessian).
//!   The exported model uses `BRANCH_LEQ` with the same `f32` thresholds and
//!   `nodes_missing_value_tracks_true`, so its routing equals training's.
//! * **Growth.** Best-first (leaf-wise) up to `max_leaves` leaves and
//!   `max_depth` levels; without `max_leaves` every splittable node down to
//!   `max_depth` is split (depth-wise). Gains and leaf values are XGBoost's:
//!   `G²/(H+λ)`, leaf `-G/(H+λ)` times the learning rate.
//! * **Objectives.** Squared error (one output), binary logistic (one margin),
//!   softmax (one tree per class and round).
//! * **Predictions are the exported model's.** Leaf values and base scores
//!   are stored as `f32`, and [`Gbdt::predict_raw`] sums them in `f32`, tree
//!   by tree, then adds the base score, as ONNX Runtime does for a float
//!   input; labels are taken from those sums, as ONNX Runtime does.
//! * **Determinism.** The same data, parameters and seed give the same model,
//!   whatever the number of threads (histograms are summed in parts fixed by
//!   the number of rows).

mod bins;
mod grow;

use crate::rng::Rng;
use bins::Bins;
use grow::{Grower, Limits};

/// What the trees learn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Regression with squared error; one output.
    SquaredError,
    /// Two classes, targets 0 or 1; one output, the log-odds of class 1.
    Binary,
    /// `classes` (≥ 3) classes, targets `0..classes`; one output per class,
    /// probabilities by softmax.
    Multiclass { classes: usize },
}

impl Objective {
    /// Margin scores per row.
    pub fn outputs(&self) -> usize {
        match self {
            Objective::Multiclass { classes } => *classes,
            _ => 1,
        }
    }
}

/// Training parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Boosting rounds (one tree per round, or one per class and round).
    pub trees: usize,
    pub learning_rate: f64,
    /// Levels of splits (a tree of depth 1 is a stump).
    pub max_depth: usize,
    /// Leaves per tree (best-first growth); `None`: depth-wise to `max_depth`.
    pub max_leaves: Option<usize>,
    /// L2 regularisation of leaf values (λ).
    pub l2: f64,
    /// Least hessian sum in a leaf.
    pub min_child_weight: f64,
    /// Least number of training rows in a leaf.
    pub min_data_in_leaf: usize,
    /// Least gain of a split.
    pub min_split_gain: f64,
    /// Value bins per feature, 2..=255.
    pub max_bins: usize,
    /// Fraction of rows each round trains on (sampled without replacement).
    pub subsample: f64,
    /// Fraction of features each tree may split on.
    pub colsample: f64,
    /// Stop when the validation loss has not improved for this many rounds,
    /// and keep the rounds up to the best one.
    pub early_stopping_rounds: Option<usize>,
    /// Fraction of the training rows held out for early stopping when no
    /// validation set is given.
    pub validation_fraction: f64,
    pub seed: u64,
    /// Threads for the histograms of large leaves; 0: all available. The
    /// model does not depend on it. 1 by default: a model search runs models
    /// side by side, and on a busy machine extra threads only wait.
    pub threads: usize,
    /// Features holding category codes (small whole numbers, one per
    /// category): their splits send a set of categories left (sorted by
    /// gradient statistics, as LightGBM does) rather than a range of values.
    /// A feature with more than `max_bins` codes is split as a number.
    pub categorical: Vec<usize>,
    /// Stop adding trees once this instant has passed (keeping at least one
    /// round): a guard against overrunning a time budget. A model stopped by
    /// it depends on the machine's speed; one that is not, does not.
    pub deadline: Option<std::time::Instant>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            trees: 100,
            learning_rate: 0.1,
            max_depth: 8,
            max_leaves: Some(31),
            l2: 1.0,
            min_child_weight: 1e-3,
            min_data_in_leaf: 20,
            min_split_gain: 0.0,
            max_bins: 255,
            subsample: 1.0,
            colsample: 1.0,
            early_stopping_rounds: None,
            validation_fraction: 0.1,
            seed: 0,
            threads: 1,
            categorical: Vec::new(),
            deadline: None,
        }
    }
}

/// Why a model could not be trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GbdtError {
    #[error("{what} has {found} values, expected {expected}")]
    Shape { what: &'static str, expected: usize, found: usize },
    #[error("{set} row {row}: target {value} {reason}")]
    Target { set: &'static str, row: usize, value: f64, reason: String },
    #[error("parameter `{name}`: {reason}")]
    Param { name: &'static str, reason: String },
    #[error("there are no training rows or no features")]
    Empty,
}

/// One node of a tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Rows whose `x[feature]` meets `rule` go to `left`, the others to
    /// `right`; missing values (NaN) go left when `missing_left`.
    Split {
        feature: usize,
        rule: Rule,
        missing_left: bool,
        left: usize,
        right: usize,
        /// Loss reduction of the split.
        gain: f64,
        /// Hessian sum of the training rows that reached the node.
        cover: f64,
        count: usize,
    },
    /// `value` is added to the tree's output (learning rate included).
    Leaf { value: f32, cover: f64, count: usize },
}

/// Which present values a split sends left.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// `x <= threshold` (exported as `BRANCH_LEQ`).
    AtMost(f32),
    /// `x` is one of these category codes (exported as a chain of
    /// `BRANCH_EQ` nodes).
    OneOf(Vec<f32>),
}

impl Rule {
    /// Whether a present (not NaN) value goes left.
    pub fn left(&self, x: f32) -> bool {
        match self {
            Rule::AtMost(t) => x <= *t,
            Rule::OneOf(codes) => codes.contains(&x),
        }
    }
}

/// One tree; node 0 is the root.
#[derive(Clone, Debug, PartialEq)]
pub struct Tree {
    /// The margin score (class, for multiclass) the tree adds to.
    pub output: usize,
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The leaf value a row reaches.
    pub fn leaf_value(&self, row: &[f32]) -> f32 {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                Node::Leaf { value, .. } => return *value,
                Node::Split { feature, rule, missing_left, left, right, .. } => {
                    let x = row[*feature];
                    let go_left = if x.is_nan() { *missing_left } else { rule.left(x) };
                    i = if go_left { *left } else { *right };
                }
            }
        }
    }
}

/// A trained ensemble.
#[derive(Clone, Debug, PartialEq)]
pub struct Gbdt {
    pub(crate) objective: Objective,
    pub(crate) n_features: usize,
    pub(crate) base: Vec<f32>,
    pub(crate) trees: Vec<Tree>,
    pub(crate) gains: Vec<f64>,
    pub(crate) valid_losses: Vec<f64>,
}

fn check_param(ok: bool, name: &'static str, reason: &str) -> Result<(), GbdtError> {
    if ok { Ok(()) } else { Err(GbdtError::Param { name, reason: reason.to_string() }) }
}

fn check_params(p: &Params, objective: Objective) -> Result<(), GbdtError> {
    let frac = |v: f64| v > 0.0 && v <= 1.0;
    check_param(p.trees >= 1, "trees", "must be at least 1")?;
    check_param(p.learning_rate > 0.0 && p.learning_rate.is_finite(), "learning_rate", "must be positive")?;
    check_param(p.max_depth >= 1, "max_depth", "must be at least 1")?;
    check_param(p.max_leaves.is_none_or(|l| l >= 2), "max_leaves", "must be at least 2")?;
    check_param(p.l2 >= 0.0 && p.l2.is_finite(), "l2", "must be zero or positive")?;
    check_param(p.min_child_weight >= 0.0, "min_child_weight", "must be zero or positive")?;
    check_param(p.min_split_gain >= 0.0, "min_split_gain", "must be zero or positive")?;
    check_param((2..=255).contains(&p.max_bins), "max_bins", "must be in 2..=255")?;
    check_param(frac(p.subsample), "subsample", "must be in (0, 1]")?;
    check_param(frac(p.colsample), "colsample", "must be in (0, 1]")?;
    check_param(p.early_stopping_rounds != Some(0), "early_stopping_rounds", "must be at least 1")?;
    check_param(
        p.validation_fraction > 0.0 && p.validation_fraction < 1.0,
        "validation_fraction",
        "must be in (0, 1)",
    )?;
    if let Objective::Multiclass { classes } = objective {
        check_param(classes >= 3, "classes", "must be at least 3 (use Objective::Binary for two)")?;
    }
    Ok(())
}

fn check_targets(y: &[f64], objective: Objective, set: &'static str) -> Result<(), GbdtError> {
    for (row, &value) in y.iter().enumerate() {
        let reason = match objective {
            _ if !value.is_finite() => Some("is not a finite number".to_string()),
            Objective::SquaredError => None,
            Objective::Binary => (value != 0.0 && value != 1.0).then(|| "is not 0 or 1".to_string()),
            Objective::Multiclass { classes } => (value.fract() != 0.0 || value < 0.0 || value >= classes as f64)
                .then(|| format!("is not a class index in 0..{classes}")),
        };
        if let Some(reason) = reason {
            return Err(GbdtError::Target { set, row, value, reason });
        }
    }
    Ok(())
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Softmax of `z` into `p`.
fn softmax(z: &[f64], p: &mut [f64]) {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (pi, &zi) in p.iter_mut().zip(z) {
        *pi = (zi - m).exp();
        sum += *pi;
    }
    for pi in p.iter_mut() {
        *pi /= sum;
    }
}

/// Mean loss of margin scores `[rows * outputs]`.
fn loss(objective: Objective, scores: &[f64], y: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    match objective {
        Objective::SquaredError => scores.iter().zip(y).map(|(s, y)| (s - y) * (s - y)).sum::<f64>() / n,
        Objective::Binary => {
            // log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, computed stably.
            let softplus = |z: f64| if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
            scores.iter().zip(y).map(|(&s, &y)| if y == 1.0 { softplus(-s) } else { softplus(s) }).sum::<f64>() / n
        }
        Objective::Multiclass { classes } => {
            let mut total = 0.0;
            for (z, &y) in scores.chunks(classes).zip(y) {
                let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                total += lse - z[y as usize];
            }
            total / n
        }
    }
}

/// Training or validation rows (row-major).
struct Set<'a> {
    x: &'a [f32],
    rows: usize,
    y: &'a [f64],
}

/// Rows copied out of the caller's data.
struct Owned {
    x: Vec<f32>,
    y: Vec<f64>,
}

impl Owned {
    fn as_set(&self) -> Set<'_> {
        Set { x: &self.x, rows: self.y.len(), y: &self.y }
    }
}

/// Splits the rows into training and a random validation `fraction` (at
/// least one row each), keeping their order.
fn hold_out(x: &[f32], rows: usize, cols: usize, y: &[f64], fraction: f64, rng: &mut Rng) -> (Owned, Owned) {
    let n_valid = ((rows as f64 * fraction).round() as usize).clamp(1, rows - 1);
    let mut is_valid = vec![false; rows];
    for r in rng.choose(rows, n_valid) {
        is_valid[r] = true;
    }
    let mut train = Owned { x: Vec::new(), y: Vec::new() };
    let mut valid = Owned { x: Vec::new(), y: Vec::new() };
    for (r, &v) in is_valid.iter().enumerate() {
        let set = if v { &mut valid } else { &mut train };
        set.x.extend_from_slice(&x[r * cols..(r + 1) * cols]);
        set.y.push(y[r]);
    }
    (train, valid)
}

impl Gbdt {
    /// Trains on `rows` × `cols` row-major features `x` (NaN = missing) and
    /// targets `y` (regression values, 0/1, or class indices). `valid` =
    /// `(x, rows, y)` of a validation set, used for early stopping and
    /// [`Gbdt::valid_losses`].
    pub fn fit(
        x: &[f32],
        rows: usize,
        cols: usize,
        y: &[f64],
        objective: Objective,
        params: &Params,
        valid: Option<(&[f32], usize, &[f64])>,
    ) -> Result<Gbdt, GbdtError> {
        check_params(params, objective)?;
        if rows == 0 || cols == 0 {
            return Err(GbdtError::Empty);
        }
        if x.len() != rows * cols {
            return Err(GbdtError::Shape { what: "x", expected: rows * cols, found: x.len() });
        }
        if y.len() != rows {
            return Err(GbdtError::Shape { what: "y", expected: rows, found: y.len() });
        }
        check_targets(y, objective, "training")?;
        if let Some((vx, vrows, vy)) = valid {
            if vx.len() != vrows * cols {
                return Err(GbdtError::Shape { what: "validation x", expected: vrows * cols, found: vx.len() });
            }
            if vy.len() != vrows {
                return Err(GbdtError::Shape { what: "validation y", expected: vrows, found: vy.len() });
            }
            check_targets(vy, objective, "validation")?;
        }
        let mut rng = Rng(params.seed);
        // Without a validation set, early stopping holds out a fraction of the rows.
        let held = match (valid, params.early_stopping_rounds) {
            (None, Some(_)) if rows >= 2 => Some(hold_out(x, rows, cols, y, params.validation_fraction, &mut rng)),
            _ => None,
        };
        let (train, valid) = match &held {
            Some((t, v)) => (t.as_set(), Some(v.as_set())),
            None => (Set { x, rows, y }, valid.map(|(x, rows, y)| Set { x, rows, y })),
        };
        Ok(train_sets(&train, cols, valid.as_ref(), objective, params, &mut rng))
    }

    pub fn objective(&self) -> Objective {
        self.objective
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Margin scores per row (1, or the number of classes).
    pub fn n_outputs(&self) -> usize {
        self.objective.outputs()
    }

    /// Base score per output, added after the trees' sum.
    pub fn base_scores(&self) -> &[f32] {
        &self.base
    }

    /// The trees, round by round (class by class within a round).
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Validation loss after each round (mean squared error, log-loss or
    /// multiclass log-loss), when there was a validation set.
    pub fn valid_losses(&self) -> &[f64] {
        &self.valid_losses
    }

    /// Margin scores `[rows * n_outputs]`: the `f32` sum of the trees' leaf
    /// values in order plus the base score, exactly as the exported model
    /// computes them.
    ///
    /// # Panics
    /// If `x` does not hold `rows * n_features` values.
    pub fn predict_raw(&self, x: &[f32], rows: usize) -> Vec<f64> {
        assert_eq!(x.len(), rows * self.n_features, "x must hold rows × features values");
        let k = self.n_outputs();
        let mut out = Vec::with_capacity(rows * k);
        let mut s = vec![0f32; k];
        for row in x.chunks(self.n_features.max(1)).take(rows) {
            s.fill(0.0);
            for t in &self.trees {
                s[t.output] += t.leaf_value(row);
            }
            out.extend(s.iter().zip(&self.base).map(|(s, b)| f64::from(s + b)));
        }
        out
    }

    /// Regression values `[rows]`, or class probabilities `[rows * classes]`
    /// (two columns for binary).
    ///
    /// # Panics
    /// As [`Gbdt::predict_raw`].
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f64> {
        let raw = self.predict_raw(x, rows);
        match self.objective {
            Objective::SquaredError => raw,
            Objective::Binary => raw.into_iter().flat_map(|z| [1.0 - sigmoid(z), sigmoid(z)]).collect(),
            Objective::Multiclass { classes } => {
                let mut p = vec![0.0; raw.len()];
                for (z, p) in raw.chunks(classes).zip(p.chunks_mut(classes)) {
                    softmax(z, p);
                }
                p
            }
        }
    }

    /// Multiplies every margin score by `t` (a temperature's inverse, for
    /// calibrated probabilities): the base scores and every leaf value are
    /// scaled and stored as `f32`, so the exported model computes the same
    /// sums as [`Gbdt::predict_raw`].
    pub fn scale_margins(&mut self, t: f64) {
        for b in &mut self.base {
            *b = (f64::from(*b) * t) as f32;
        }
        for tree in &mut self.trees {
            for node in &mut tree.nodes {
                if let Node::Leaf { value, .. } = node {
                    *value = (f64::from(*value) * t) as f32;
                }
            }
        }
    }

    /// Class index per row (as the exported classifier's label: class 1 when
    /// the margin is positive; the first largest score for multiclass).
    /// Regression models give 0.
    ///
    /// # Panics
    /// As [`Gbdt::predict_raw`].
    pub fn predict_class(&self, x: &[f32], rows: usize) -> Vec<usize> {
        let raw = self.predict_raw(x, rows);
        match self.objective {
            Objective::SquaredError => vec![0; rows],
            Objective::Binary => raw.into_iter().map(|z| usize::from(z > 0.0)).collect(),
            Objective::Multiclass { classes } => raw
                .chunks(classes)
                .map(|z| (0..classes).fold(0, |best, k| if z[k] > z[best] { k } else { best }))
                .collect(),
        }
    }

    /// Total split gain per feature, normalised to sum to 1 (all zeros when
    /// no tree splits).
    pub fn feature_importance(&self) -> Vec<f64> {
        let total: f64 = self.gains.iter().sum();
        if total > 0.0 { self.gains.iter().map(|g| g / total).collect() } else { vec![0.0; self.n_features] }
    }
}

/// Base scores: the mean, the log-odds of class 1, or the log class priors.
fn base_scores(objective: Objective, y: &[f64]) -> Vec<f32> {
    let n = y.len() as f64;
    match objective {
        Objective::SquaredError => vec![(y.iter().sum::<f64>() / n) as f32],
        Objective::Binary => {
            let p = (y.iter().sum::<f64>() / n).clamp(1e-6, 1.0 - 1e-6);
            vec![(p / (1.0 - p)).ln() as f32]
        }
        Objective::Multiclass { classes } => {
            let mut counts = vec![0.0; classes];
            for &v in y {
                counts[v as usize] += 1.0;
            }
            counts.iter().map(|c| ((c / n).max(1e-6)).ln() as f32).collect()
        }
    }
}

/// Gradients and hessians `[outputs][rows]` of the loss at `scores`.
fn gradients(objective: Objective, scores: &[f64], y: &[f64], grad: &mut [Vec<f64>], hess: &mut [Vec<f64>]) {
    const MIN_HESS: f64 = 1e-16;
    match objective {
        Objective::SquaredError => {
            for (r, (&s, &y)) in scores.iter().zip(y).enumerate() {
                grad[0][r] = s - y;
                hess[0][r] = 1.0;
            }
        }
        Objective::Binary => {
            for (r, (&s, &y)) in scores.iter().zip(y).enumerate() {
                let p = sigmoid(s);
                grad[0][r] = p - y;
                hess[0][r] = (p * (1.0 - p)).max(MIN_HESS);
            }
        }
        Objective::Multiclass { classes } => {
            // LightGBM's scaling of the diagonal hessian.
            let factor = classes as f64 / (classes as f64 - 1.0);
            let mut p = vec![0.0; classes];
            for (r, (z, &y)) in scores.chunks(classes).zip(y).enumerate() {
                softmax(z, &mut p);
                for k in 0..classes {
                    let t = if y as usize == k { 1.0 } else { 0.0 };
                    grad[k][r] = p[k] - t;
                    hess[k][r] = (factor * p[k] * (1.0 - p[k])).max(MIN_HESS);
                }
            }
        }
    }
}

fn train_sets(
    train: &Set,
    cols: usize,
    valid: Option<&Set>,
    objective: Objective,
    params: &Params,
    rng: &mut Rng,
) -> Gbdt {
    let rows = train.rows;
    let k = objective.outputs();
    let mut is_categorical = vec![false; cols];
    for &f in params.categorical.iter().filter(|&&f| f < cols) {
        is_categorical[f] = true;
    }
    let bins = Bins::new(train.x, rows, cols, params.max_bins, &is_categorical);
    let base = base_scores(objective, train.y);
    let mut scores: Vec<f64> = (0..rows).flat_map(|_| base.iter().map(|&b| f64::from(b))).collect();
    let mut vscores: Vec<f64> =
        valid.map(|v| (0..v.rows).flat_map(|_| base.iter().map(|&b| f64::from(b))).collect()).unwrap_or_default();
    let mut grad = vec![vec![0.0; rows]; k];
    let mut hess = vec![vec![0.0; rows]; k];
    let threads =
        if params.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { params.threads };
    let limits = Limits {
        max_depth: params.max_depth,
        max_leaves: params.max_leaves.unwrap_or(usize::MAX),
        l2: params.l2,
        min_child_weight: params.min_child_weight,
        min_data_in_leaf: params.min_data_in_leaf,
        min_split_gain: params.min_split_gain,
        learning_rate: params.learning_rate,
    };
    let n_sample = ((rows as f64 * params.subsample).round() as usize).clamp(1, rows);
    let n_features = ((cols as f64 * params.colsample).round() as usize).clamp(1, cols);
    let mut trees: Vec<Tree> = Vec::new();
    let mut gains = vec![0.0; cols];
    let mut round_gains: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut valid_losses = Vec::new();
    let mut best_round = 0;
    let mut idx: Vec<u32> = Vec::with_capacity(n_sample);
    let mut in_sample = vec![true; rows];
    for round in 0..params.trees {
        if round > 0 && params.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break;
        }
        gradients(objective, &scores, train.y, &mut grad, &mut hess);
        let sampled = n_sample < rows;
        let sample: Vec<usize> = if sampled { rng.choose(rows, n_sample) } else { Vec::new() };
        if sampled {
            in_sample.fill(false);
            for &r in &sample {
                in_sample[r] = true;
            }
        }
        let mut this_round = Vec::new();
        for out in 0..k {
            let features: Vec<usize> =
                if n_features < cols { rng.choose(cols, n_features) } else { (0..cols).collect() };
            idx.clear();
            if sampled {
                idx.extend(sample.iter().map(|&r| r as u32));
            } else {
                idx.extend(0..rows as u32);
            }
            let grower = Grower { bins: &bins, limits: &limits, features: &features, threads };
            let grown = grower.grow(&mut idx, &grad[out], &hess[out], out);
            for &(start, end, value) in &grown.leaves {
                for &r in &idx[start..end] {
                    scores[r as usize * k + out] += value;
                }
            }
            if sampled {
                for r in (0..rows).filter(|&r| !in_sample[r]) {
                    scores[r * k + out] += f64::from(grown.tree.leaf_value(&train.x[r * cols..(r + 1) * cols]));
                }
            }
            if let Some(v) = valid {
                for r in 0..v.rows {
                    vscores[r * k + out] += f64::from(grown.tree.leaf_value(&v.x[r * cols..(r + 1) * cols]));
                }
            }
            this_round.extend(grown.gains);
            trees.push(grown.tree);
        }
        round_gains.push(this_round);
        if let Some(v) = valid {
            let l = loss(objective, &vscores, v.y);
            if l < valid_losses.get(best_round).copied().unwrap_or(f64::INFINITY) {
                best_round = round;
            }
            valid_losses.push(l);
            if params.early_stopping_rounds.is_some_and(|n| round - best_round >= n) {
                break;
            }
        }
    }
    if params.early_stopping_rounds.is_some() && valid.is_some() {
        trees.truncate((best_round + 1) * k);
        round_gains.truncate(best_round + 1);
    }
    for (f, g) in round_gains.into_iter().flatten() {
        gains[f] += g;
    }
    Gbdt { objective, n_features: cols, base, trees, gains, valid_losses }
}
