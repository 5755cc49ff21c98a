//! Tree-ensemble evaluation for the ONNX-ML operators `TreeEnsembleRegressor`,
//! `TreeEnsembleClassifier` (ai.onnx.ml opsets 1–3) and `TreeEnsemble` (ai.onnx.ml opset 5).
//!
//! Pure Rust, no dependencies, no `unsafe`, no threads. The goal is to reproduce what
//! ONNX Runtime 1.31.1 (CPU provider, x86-64) computes, including its quirks. Everything below
//! was checked against ORT 1.31.1 with hand-built models (see the tests at the end).
//!
//! # ORT semantics reproduced
//!
//! * **Precision.** ORT evaluates with `ThresholdType = input type`: float input → thresholds,
//!   leaf weights, base values *and the accumulation* are `f32`; double input → all `f64`
//!   (float attributes are widened). Set [`LegacyAttrs::double_precision`] /
//!   [`V5Attrs::double_precision`] accordingly. A comparison between an `f64` input and an
//!   `f32` threshold is done in `f64` (C++ promotion), never by rounding the input.
//! * **Node tests.** `x <op> t || (missing_value_tracks_true && isnan(x))`, so a NaN input goes
//!   to the false branch unless the node tracks missing values to the true branch; `BRANCH_NEQ`
//!   sends NaN to the true branch (`NaN != t`). A NaN threshold makes every test false except
//!   `BRANCH_NEQ`. `nodes_missing_value_tracks_true` counts only when the value is exactly 1
//!   (the caller maps `v == 1` to `true`); a shorter list means "false" for the missing nodes.
//! * **Tree roots (opsets 1–3).** A tree starts at every position where `nodes_treeids` changes;
//!   its root is the *first listed* node of that run (not node id 0), and every run counts as a
//!   tree (this matters for `AVERAGE`). Nodes are laid out depth-first, false branch first; a
//!   false child that was already laid out is an error (ORT: "False node must always be the
//!   next node"), a true child may be shared. (ORT treats the node placed at position 0 as never
//!   placed; this is reproduced.) Child ids must be `< number of nodes` and exist in the same tree.
//! * **BRANCH_EQ chains (opsets 1–3).** ORT fuses a chain of `BRANCH_EQ` nodes linked through
//!   their false branches, on the same feature, with the same true child and integer thresholds
//!   in `[1, 32]`, into one set-membership node that keeps the *first* node's missing-value flag.
//!   Equality semantics are unchanged, only NaN routing can differ; this is reproduced.
//! * **Leaves.** Weights on non-leaf nodes are ignored. With a single target/class ORT uses only
//!   the *first* weight of a leaf (in attribute order), and a leaf without any weight contributes
//!   its `nodes_values` entry. With several targets a leaf without weights contributes nothing.
//! * **Aggregation.** SUM/AVERAGE/MIN/MAX per target, accumulated in the threshold type, trees in
//!   order. AVERAGE divides by the number of trees, then adds the base value. Single target:
//!   `origin = base_values[0]` when exactly one base value is given; MIN/MAX with no score yield
//!   `origin`. Several targets: base values (only used when there are exactly `n_targets` of
//!   them) are added, but **a target that no reached leaf touched outputs 0** (before the
//!   post-transform), whatever its base value.
//! * **Post-transforms** are computed in `f32` exactly as ORT's `ml_common.h` does
//!   (`ComputeLogistic`, `ComputeProbit` with its `ErfInv` approximation, `ComputeSoftmax`,
//!   `ComputeSoftmaxZero`). A single-target regressor only honours PROBIT (other transforms are
//!   ignored, as in ORT).
//! * **Classifier** (always sums; `aggregate_function` is not an attribute of the classifier):
//!   - 3+ classes: base values are added (marking the class as scored), the label is the first
//!     maximum among scored classes (ties → lowest index), then the post-transform.
//!   - 2 classes: `binary_case` = exactly one distinct class id among the class weights;
//!     `weights_are_all_positive` = no class weight `< 0`. With 2 base values and class 1
//!     scored, ORT sets `score1 = base1 + score0` and `score0 = -score1` (its own sum of class 1
//!     is dropped); otherwise both base values are added ("binary as multiclass"). With 1 base
//!     value it is added to class 0. When class 1 has no score only one score `s` remains and is
//!     expanded to two columns: all-positive weights → `[1-s, s]`, mixed weights → `[-s, s]`,
//!     LOGISTIC → `[logistic(-s), logistic(s)]`, PROBIT → `[probit(s), <unwritten>]`.
//!     The label of the binary case is `labels[1]` if the positive score is `> 0.5`
//!     (all-positive) or `> 0` (mixed). **When both classes carry weights (not `binary_case`),
//!     ORT returns the literal labels 1 / 0** (positive score `> 0`), not `classlabels[1/0]`.
//!   - 1 class: sums like a single-target regressor; the label is the literal 1 / 0.
//!
//!   Columns that ORT leaves unwritten (uninitialised memory there) are written as 0 here.
//! * **TreeEnsemble (opset 5).** A root whose two children are the same leaf is a single-leaf
//!   tree. `BRANCH_MEMBER` sets come from `membership_values` split at NaNs, in the order of the
//!   member nodes. Sets with fewer than 31 members all within `[0, 30]` are exact equality
//!   tests. Other ("big") sets must hold integers representable in `i32`, and ORT tests
//!   membership of the input **truncated to i32** with x86 conversion rules (NaN and
//!   out-of-range inputs become `i32::MIN`), so 2.5 is a member of {0..39}; reproduced.
//!   An internal node reached twice within a tree is an error; leaves may be shared. Only
//!   reachable nodes and leaves are validated (as ORT does). ORT maps the `post_transform`
//!   codes with its own enum order (1 = LOGISTIC, 2 = SOFTMAX), which contradicts the ONNX spec
//!   (1 = SOFTMAX, 2 = LOGISTIC): see [`PostTransform::from_v5_ort`] and
//!   [`PostTransform::from_v5_spec`].
//! * **Feature count.** The input needs at least `max feature id of a reachable branch node + 1`
//!   columns (at least one).
//!
//! # Speed
//!
//! Trees are compiled into one flat array of 16-byte nodes (24 with `f64` thresholds), laid
//! out depth-first. Every branch test, whatever its mode, is a branch-free table lookup on the
//! comparison outcome (`<`, `==`, `>`, NaN). Leaves loop onto themselves, so a batch is
//! evaluated tree by tree over blocks of rows, eight rows in lock-step, without data-dependent
//! branches.

// Index loops keep the lock-step code and the ORT transcriptions readable; negated
// comparisons are deliberate (NaN semantics).
#![allow(
    clippy::needless_range_loop,
    clippy::neg_cmp_op_on_partial_ord,
    clippy::manual_range_contains,
    clippy::type_complexity
)]

use std::collections::HashMap;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

// ---------------------------------------------------------------------------------------------
// Public enums and attributes
// ---------------------------------------------------------------------------------------------

/// Mode of a tree node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeMode {
    /// `BRANCH_LEQ`: true branch if `x <= threshold`.
    Leq,
    /// `BRANCH_LT`
    Lt,
    /// `BRANCH_GTE`
    Gte,
    /// `BRANCH_GT`
    Gt,
    /// `BRANCH_EQ`
    Eq,
    /// `BRANCH_NEQ`
    Neq,
    /// `BRANCH_MEMBER` (opset 5 only).
    Member,
    /// `LEAF` (opsets 1–3 only).
    Leaf,
}

impl NodeMode {
    /// Parses a `nodes_modes` string of `TreeEnsembleRegressor` / `TreeEnsembleClassifier`.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "BRANCH_LEQ" => NodeMode::Leq,
            "BRANCH_LT" => NodeMode::Lt,
            "BRANCH_GTE" => NodeMode::Gte,
            "BRANCH_GT" => NodeMode::Gt,
            "BRANCH_EQ" => NodeMode::Eq,
            "BRANCH_NEQ" => NodeMode::Neq,
            "LEAF" => NodeMode::Leaf,
            _ => return None,
        })
    }

    /// Parses a `nodes_modes` value of `TreeEnsemble` (opset 5): 0 LEQ, 1 LT, 2 GTE, 3 GT,
    /// 4 EQ, 5 NEQ, 6 MEMBER.
    pub fn from_v5(code: i64) -> Option<Self> {
        Some(match code {
            0 => NodeMode::Leq,
            1 => NodeMode::Lt,
            2 => NodeMode::Gte,
            3 => NodeMode::Gt,
            4 => NodeMode::Eq,
            5 => NodeMode::Neq,
            6 => NodeMode::Member,
            _ => return None,
        })
    }
}

/// `aggregate_function`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Aggregate {
    #[default]
    Sum,
    Average,
    Min,
    Max,
}

impl Aggregate {
    /// Parses the string attribute of opsets 1–3 (`"SUM"`, `"AVERAGE"`, `"MIN"`, `"MAX"`).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "SUM" => Aggregate::Sum,
            "AVERAGE" => Aggregate::Average,
            "MIN" => Aggregate::Min,
            "MAX" => Aggregate::Max,
            _ => return None,
        })
    }

    /// Parses the integer attribute of opset 5: 0 AVERAGE, 1 SUM, 2 MIN, 3 MAX (spec and ORT
    /// agree).
    pub fn from_v5(code: i64) -> Option<Self> {
        Some(match code {
            0 => Aggregate::Average,
            1 => Aggregate::Sum,
            2 => Aggregate::Min,
            3 => Aggregate::Max,
            _ => return None,
        })
    }
}

/// `post_transform`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PostTransform {
    #[default]
    None,
    Softmax,
    Logistic,
    SoftmaxZero,
    Probit,
}

impl PostTransform {
    /// Parses the string attribute of opsets 1–3.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "NONE" => PostTransform::None,
            "SOFTMAX" => PostTransform::Softmax,
            "LOGISTIC" => PostTransform::Logistic,
            "SOFTMAX_ZERO" => PostTransform::SoftmaxZero,
            "PROBIT" => PostTransform::Probit,
            _ => return None,
        })
    }

    /// Opset-5 code as **ONNX Runtime 1.31.1 interprets it**: 0 NONE, 1 LOGISTIC, 2 SOFTMAX,
    /// 3 SOFTMAX_ZERO, 4 PROBIT (ORT casts the code to its internal enum). Use this one to get
    /// the same numbers as ORT.
    pub fn from_v5_ort(code: i64) -> Option<Self> {
        Some(match code {
            0 => PostTransform::None,
            1 => PostTransform::Logistic,
            2 => PostTransform::Softmax,
            3 => PostTransform::SoftmaxZero,
            4 => PostTransform::Probit,
            _ => return None,
        })
    }

    /// Opset-5 code as the **ONNX specification** defines it: 0 NONE, 1 SOFTMAX, 2 LOGISTIC,
    /// 3 SOFTMAX_ZERO, 4 PROBIT.
    pub fn from_v5_spec(code: i64) -> Option<Self> {
        Some(match code {
            0 => PostTransform::None,
            1 => PostTransform::Softmax,
            2 => PostTransform::Logistic,
            3 => PostTransform::SoftmaxZero,
            4 => PostTransform::Probit,
            _ => return None,
        })
    }
}

/// Attributes of a `TreeEnsembleRegressor` or `TreeEnsembleClassifier` node (opsets 1–3),
/// already read from the ONNX node. The `leaf_*` vectors are the regressor's `target_*` or the
/// classifier's `class_*` attributes. Values are given as `f64`: float attributes widened
/// (losslessly), or the `*_as_tensor` doubles.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LegacyAttrs {
    pub nodes_treeids: Vec<i64>,
    pub nodes_nodeids: Vec<i64>,
    pub nodes_featureids: Vec<i64>,
    pub nodes_values: Vec<f64>,
    pub nodes_modes: Vec<NodeMode>,
    pub nodes_truenodeids: Vec<i64>,
    pub nodes_falsenodeids: Vec<i64>,
    /// `nodes_missing_value_tracks_true[i] == 1`. May be shorter than the nodes (missing → false).
    pub nodes_missing_value_tracks_true: Vec<bool>,
    /// `target_treeids` / `class_treeids`.
    pub leaf_treeids: Vec<i64>,
    /// `target_nodeids` / `class_nodeids`.
    pub leaf_nodeids: Vec<i64>,
    /// `target_ids` / `class_ids`.
    pub leaf_targetids: Vec<i64>,
    /// `target_weights` / `class_weights` (or their `_as_tensor` variants).
    pub leaf_weights: Vec<f64>,
    /// `n_targets` (regressor only; the classifier's count comes from its labels).
    pub n_targets: i64,
    /// `base_values` / `base_values_as_tensor`.
    pub base_values: Vec<f64>,
    /// `aggregate_function` (regressor only; the classifier always sums).
    pub aggregate: Aggregate,
    pub post_transform: PostTransform,
    /// True when the node's input `X` is `double`: ORT 1.31.1 then compares, weighs and
    /// accumulates in `f64`; with `float` input everything is `f32` (and ORT refuses double
    /// `*_as_tensor` attributes).
    pub double_precision: bool,
}

/// Attributes of a `TreeEnsemble` node (ai.onnx.ml opset 5).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct V5Attrs {
    pub tree_roots: Vec<i64>,
    pub nodes_featureids: Vec<i64>,
    pub nodes_splits: Vec<f64>,
    /// Use [`NodeMode::from_v5`].
    pub nodes_modes: Vec<NodeMode>,
    pub nodes_truenodeids: Vec<i64>,
    /// `nodes_trueleafs[i] != 0`.
    pub nodes_trueleafs: Vec<bool>,
    pub nodes_falsenodeids: Vec<i64>,
    /// `nodes_falseleafs[i] != 0`.
    pub nodes_falseleafs: Vec<bool>,
    /// `nodes_missing_value_tracks_true[i] == 1`; empty or one per node.
    pub nodes_missing_value_tracks_true: Vec<bool>,
    /// Sets of the `BRANCH_MEMBER` nodes, in node order, separated by NaN.
    pub membership_values: Vec<f64>,
    pub leaf_targetids: Vec<i64>,
    pub leaf_weights: Vec<f64>,
    pub n_targets: i64,
    /// Use [`Aggregate::from_v5`].
    pub aggregate: Aggregate,
    /// Use [`PostTransform::from_v5_ort`] (or `from_v5_spec`).
    pub post_transform: PostTransform,
    /// True when `T` is `double` (thresholds, weights and accumulation in `f64`).
    pub double_precision: bool,
}

/// Why an ensemble could not be built, or why a call was rejected.
#[derive(Clone, Debug, PartialEq)]
pub enum TreeError {
    /// An attribute does not have the length it must have.
    Length { attr: &'static str, len: usize, expected: String },
    /// An attribute holds an invalid value at `index`.
    Value { attr: &'static str, index: usize, msg: String },
    /// A tree is malformed (`tree` is the tree id for opsets 1–3, the position in `tree_roots`
    /// for opset 5; `node` is the node id, or the node index for opset 5).
    Tree { attr: &'static str, tree: i64, node: i64, msg: String },
    /// An invalid combination of attributes.
    Invalid { attr: &'static str, msg: String },
    /// The call does not fit the ensemble (wrong kind, buffer sizes, too few columns), or ORT
    /// would fail on this input too.
    Call(String),
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeError::Length { attr, len, expected } => {
                write!(f, "tree ensemble attribute `{attr}` has {len} values, expected {expected}")
            }
            TreeError::Value { attr, index, msg } => {
                write!(f, "tree ensemble attribute `{attr}`[{index}]: {msg}")
            }
            TreeError::Tree { attr, tree, node, msg } => {
                write!(f, "tree ensemble attribute `{attr}`, tree {tree}, node {node}: {msg}")
            }
            TreeError::Invalid { attr, msg } => {
                write!(f, "tree ensemble attribute `{attr}`: {msg}")
            }
            TreeError::Call(msg) => write!(f, "tree ensemble: {msg}"),
        }
    }
}

impl std::error::Error for TreeError {}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: input feature type, threshold/accumulation type, output type.
pub trait Real:
    sealed::Sealed
    + Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + fmt::Debug
    + Default
    + Send
    + Sync
    + 'static
{
    #[doc(hidden)]
    const ZERO: Self;
    #[doc(hidden)]
    const ONE: Self;
    #[doc(hidden)]
    fn from_f64(v: f64) -> Self;
    #[doc(hidden)]
    fn from_f32(v: f32) -> Self;
    #[doc(hidden)]
    fn from_usize(v: usize) -> Self;
    #[doc(hidden)]
    fn to_f32(self) -> f32;
    #[doc(hidden)]
    fn to_f64(self) -> f64;
    #[doc(hidden)]
    fn to_index(self) -> usize;
    #[doc(hidden)]
    fn is_nan_(self) -> bool;
    /// Comparison outcome of `self` (an input) against an `f32` threshold: 0 `<`, 1 `==`,
    /// 2 `>`, 3 unordered (the input is NaN; thresholds are never NaN after compilation).
    #[doc(hidden)]
    fn code32(self, t: f32) -> u32;
    #[doc(hidden)]
    fn code64(self, t: f64) -> u32;
    /// Comparison outcome of `x` against `t`, `t` being a threshold of this type.
    #[doc(hidden)]
    fn code_of<X: Real>(x: X, t: Self) -> u32;
    /// x86 `cvttss2si` / `cvttsd2si`: truncation, `i32::MIN` for NaN and out of range.
    #[doc(hidden)]
    fn cvtt_i32(self) -> i32;
}

#[inline(always)]
fn outcome<F: PartialOrd>(x: F, t: F) -> u32 {
    // lt → 0, eq → 1, gt → 2, NaN → 3.
    (((!(x <= t)) as u32) << 1) | ((!(x < t) & !(x > t)) as u32)
}

#[inline(always)]
fn cvtt_i32_f64(v: f64) -> i32 {
    if v.is_nan() || v >= 2147483648.0 || v <= -2147483649.0 { i32::MIN } else { v as i32 }
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v
    }
    #[inline(always)]
    fn from_usize(v: usize) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn to_index(self) -> usize {
        self as usize
    }
    #[inline(always)]
    fn is_nan_(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn code32(self, t: f32) -> u32 {
        outcome(self, t)
    }
    #[inline(always)]
    fn code64(self, t: f64) -> u32 {
        outcome(self as f64, t)
    }
    #[inline(always)]
    fn code_of<X: Real>(x: X, t: Self) -> u32 {
        x.code32(t)
    }
    #[inline(always)]
    fn cvtt_i32(self) -> i32 {
        cvtt_i32_f64(self as f64)
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v as f64
    }
    #[inline(always)]
    fn from_usize(v: usize) -> Self {
        v as f64
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn to_index(self) -> usize {
        self as usize
    }
    #[inline(always)]
    fn is_nan_(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn code32(self, t: f32) -> u32 {
        outcome(self, t as f64)
    }
    #[inline(always)]
    fn code64(self, t: f64) -> u32 {
        outcome(self, t)
    }
    #[inline(always)]
    fn code_of<X: Real>(x: X, t: Self) -> u32 {
        x.code64(t)
    }
    #[inline(always)]
    fn cvtt_i32(self) -> i32 {
        cvtt_i32_f64(self)
    }
}

/// ORT's `write_scores` on a row where every score counts (as linear models
/// use it): the post-transform applied in place, in `f32`, as ORT computes it.
pub fn post_transform_row(post: PostTransform, row: &mut [f32]) {
    match post {
        PostTransform::None => {}
        PostTransform::Logistic => row.iter_mut().for_each(|v| *v = logistic(*v)),
        PostTransform::Probit => row.iter_mut().for_each(|v| *v = probit(*v)),
        PostTransform::Softmax => {
            let vmax = row.iter().copied().fold(-f32::MAX, f32::max);
            let mut sum = 0f32;
            for v in row.iter_mut() {
                *v = (*v - vmax).exp();
                sum += *v;
            }
            row.iter_mut().for_each(|v| *v /= sum);
        }
        PostTransform::SoftmaxZero => {
            let vmax = row.iter().copied().fold(-f32::MAX, f32::max);
            let exp_neg = (-vmax).exp();
            let mut sum = 0f32;
            for v in row.iter_mut() {
                if *v > 0.0000001f32 || *v < -0.0000001f32 {
                    *v = (*v - vmax).exp();
                    sum += *v;
                } else {
                    *v *= exp_neg;
                }
            }
            row.iter_mut().for_each(|v| *v /= sum);
        }
    }
}

/// ORT `ComputeLogistic` (float).
#[inline]
pub fn logistic(v: f32) -> f32 {
    let e = 1.0f32 / (1.0f32 + (-v.abs()).exp());
    if v < 0.0 { 1.0 - e } else { e }
}

/// ORT `ErfInv` (float approximation).
#[inline]
fn erf_inv(x: f32) -> f32 {
    let sgn = if x < 0.0 { -1.0f32 } else { 1.0f32 };
    let x = (1.0f32 - x) * (1.0f32 + x);
    let log = x.ln();
    let v = 2.0f32 / (std::f32::consts::PI * 0.147f32) + 0.5f32 * log;
    let v2 = 1.0f32 / 0.147f32 * log;
    let v3 = -v + (v * v - v2).sqrt();
    sgn * v3.sqrt()
}

/// ORT `ComputeProbit` (float).
#[inline]
pub fn probit(v: f32) -> f32 {
    std::f32::consts::SQRT_2 * erf_inv(2.0f32 * v - 1.0f32)
}

// ---------------------------------------------------------------------------------------------
// Intermediate representation and builders
// ---------------------------------------------------------------------------------------------

/// Largest supported number of targets / classes.
const MAX_OUTPUTS: i64 = 1 << 24;
/// Largest supported feature index (feature and test table share one `u32`).
const MAX_FEATURE: i64 = (1 << 24) - 1;
/// Table markers of "big set" membership nodes (without / with missing-value tracking).
const BIG: u32 = 0xFE;
const BIG_MT: u32 = 0xFF;

#[derive(Clone, Copy, Debug)]
enum INode {
    /// Comparison node: `table` bit `outcome(x, thr)` selects the true branch.
    Cmp { feat: u32, thr: f64, table: u32, t: u32, f: u32 },
    /// Membership in `sets[set]` of the input truncated to `i32`.
    Big { feat: u32, set: u32, mt: bool, t: u32, f: u32 },
    /// Leaf with payload index.
    Leaf { payload: u32 },
}

#[derive(Default)]
struct Graph {
    nodes: Vec<INode>,
    roots: Vec<u32>,
    /// Per payload: single-target value, range in `weights`.
    payloads: Vec<(f64, u32, u32)>,
    weights: Vec<(u32, f64)>,
    sets: Vec<Vec<i32>>,
    max_feature: u32,
}

/// Test table of a comparison node: bits 0..=2 for `<`, `==`, `>`, bit 3 for a NaN input.
/// A NaN threshold is folded into the table (every comparison false except `!=`).
fn table_for(mode: NodeMode, mt: bool, thr: f64) -> (u32, f64) {
    let base = match mode {
        NodeMode::Leq => 0b011,
        NodeMode::Lt => 0b001,
        NodeMode::Gte => 0b110,
        NodeMode::Gt => 0b100,
        NodeMode::Eq => 0b010,
        _ => 0b101, // Neq
    };
    let neq = mode == NodeMode::Neq;
    let nan_bit = ((neq || mt) as u32) << 3;
    if thr.is_nan() { (if neq { 0b111 } else { 0 } | nan_bit, 0.0) } else { (base | nan_bit, thr) }
}

/// Rounds a value to the threshold precision.
fn prec(double: bool, v: f64) -> f64 {
    if double { v } else { v as f32 as f64 }
}

fn check_len(attr: &'static str, len: usize, expected: usize, like: &str) -> Result<(), TreeError> {
    if len != expected {
        return Err(TreeError::Length { attr, len, expected: format!("{expected} (like `{like}`)") });
    }
    Ok(())
}

fn check_feature(attr: &'static str, index: usize, f: i64) -> Result<u32, TreeError> {
    if f < 0 || f > i32::MAX as i64 {
        return Err(TreeError::Value { attr, index, msg: format!("feature id {f} must be in [0, 2147483647]") });
    }
    if f > MAX_FEATURE {
        return Err(TreeError::Value {
            attr,
            index,
            msg: format!("feature id {f} is larger than the supported {MAX_FEATURE}"),
        });
    }
    Ok(f as u32)
}

fn check_targets(attr: &'static str, ids: &[i64], n: usize, what: &str) -> Result<(), TreeError> {
    for (index, &t) in ids.iter().enumerate() {
        if t < 0 || t >= n as i64 {
            return Err(TreeError::Value { attr, index, msg: format!("{t} is not a valid index among {n} {what}") });
        }
    }
    Ok(())
}

/// ORT's mask condition for fusing `BRANCH_EQ` chains.
fn can_mask(v: f64) -> bool {
    (1.0..=32.0).contains(&v) && v.trunc() == v
}

enum Link {
    Root,
    /// Set the true child of compiled nodes `from..=to`.
    True(u32, u32),
    /// Set the false child of compiled node.
    False(u32),
}

fn set_true(nodes: &mut [INode], from: u32, to: u32, target: u32) {
    for n in &mut nodes[from as usize..=to as usize] {
        match n {
            INode::Cmp { t, .. } | INode::Big { t, .. } => *t = target,
            INode::Leaf { .. } => {}
        }
    }
}

fn set_false(nodes: &mut [INode], at: u32, target: u32) {
    match &mut nodes[at as usize] {
        INode::Cmp { f, .. } | INode::Big { f, .. } => *f = target,
        INode::Leaf { .. } => {}
    }
}

fn too_many_nodes() -> TreeError {
    TreeError::Call("the compiled ensemble would have more than 2^31 nodes".into())
}

/// Builds the graph of a `TreeEnsembleRegressor` / `TreeEnsembleClassifier`.
fn build_legacy(a: &LegacyAttrs, n_out: usize, classifier: bool) -> Result<Graph, TreeError> {
    let n = a.nodes_treeids.len();
    check_len("nodes_nodeids", a.nodes_nodeids.len(), n, "nodes_treeids")?;
    check_len("nodes_featureids", a.nodes_featureids.len(), n, "nodes_treeids")?;
    check_len("nodes_values", a.nodes_values.len(), n, "nodes_treeids")?;
    check_len("nodes_modes", a.nodes_modes.len(), n, "nodes_treeids")?;
    check_len("nodes_truenodeids", a.nodes_truenodeids.len(), n, "nodes_treeids")?;
    check_len("nodes_falsenodeids", a.nodes_falsenodeids.len(), n, "nodes_treeids")?;
    let m = a.leaf_targetids.len();
    let (wt, wn, ww) = if classifier {
        ("class_treeids", "class_nodeids", "class_weights")
    } else {
        ("target_treeids", "target_nodeids", "target_weights")
    };
    let wid = if classifier { "class_ids" } else { "target_ids" };
    check_len(wt, a.leaf_treeids.len(), m, wid)?;
    check_len(wn, a.leaf_nodeids.len(), m, wid)?;
    check_len(ww, a.leaf_weights.len(), m, wid)?;
    check_targets(wid, &a.leaf_targetids, n_out, if classifier { "classes" } else { "targets" })?;
    if n >= (1usize << 31) {
        return Err(too_many_nodes());
    }
    let double = a.double_precision;

    // (tree, node) → index.
    let mut idi: HashMap<(i64, i64), u32> = HashMap::with_capacity(n);
    for i in 0..n {
        if a.nodes_modes[i] == NodeMode::Member {
            return Err(TreeError::Value {
                attr: "nodes_modes",
                index: i,
                msg: "BRANCH_MEMBER is only valid in TreeEnsemble (opset 5)".into(),
            });
        }
        if idi.insert((a.nodes_treeids[i], a.nodes_nodeids[i]), i as u32).is_some() {
            return Err(TreeError::Tree {
                attr: "nodes_nodeids",
                tree: a.nodes_treeids[i],
                node: a.nodes_nodeids[i],
                msg: "node id appears twice in the tree".into(),
            });
        }
    }

    // Children (ORT checks every branch node, reachable or not).
    let mut tidx = vec![0u32; n];
    let mut fidx = vec![0u32; n];
    for i in 0..n {
        if a.nodes_modes[i] == NodeMode::Leaf {
            continue;
        }
        for (attr, ids, out) in [
            ("nodes_truenodeids", &a.nodes_truenodeids, &mut tidx),
            ("nodes_falsenodeids", &a.nodes_falsenodeids, &mut fidx),
        ] {
            let id = ids[i];
            let err = |msg: String| TreeError::Tree { attr, tree: a.nodes_treeids[i], node: a.nodes_nodeids[i], msg };
            if id < 0 || id >= n as i64 {
                return Err(err(format!("child id {id} must be in [0, {n}) (the number of nodes)")));
            }
            let Some(&j) = idi.get(&(a.nodes_treeids[i], id)) else {
                return Err(err(format!("child node {id} does not exist in this tree")));
            };
            if j as usize == i {
                return Err(err("a node cannot be its own child".into()));
            }
            out[i] = j;
        }
    }

    // Leaf weights, sorted by (tree, node, position) like ORT.
    let mut order: Vec<u32> = (0..m as u32).collect();
    order.sort_by_key(|&k| (a.leaf_treeids[k as usize], a.leaf_nodeids[k as usize], k));
    let mut g = Graph::default();
    // Payload of every original node (only meaningful for leaves).
    let mut payload_of = vec![u32::MAX; n];
    for &k in &order {
        let k = k as usize;
        let Some(&i) = idi.get(&(a.leaf_treeids[k], a.leaf_nodeids[k])) else {
            return Err(TreeError::Tree {
                attr: wn,
                tree: a.leaf_treeids[k],
                node: a.leaf_nodeids[k],
                msg: format!("`{wn}`[{k}] refers to a node that does not exist"),
            });
        };
        let i = i as usize;
        if a.nodes_modes[i] != NodeMode::Leaf {
            continue; // ORT ignores weights of branch nodes
        }
        let w = prec(double, a.leaf_weights[k]);
        if payload_of[i] == u32::MAX {
            payload_of[i] = g.payloads.len() as u32;
            let s = g.weights.len() as u32;
            g.payloads.push((w, s, s));
        }
        g.weights.push((a.leaf_targetids[k] as u32, w));
        g.payloads[payload_of[i] as usize].2 = g.weights.len() as u32;
    }
    for i in 0..n {
        if a.nodes_modes[i] == NodeMode::Leaf && payload_of[i] == u32::MAX {
            // Leaf without weight: a single target gets the node value.
            payload_of[i] = g.payloads.len() as u32;
            let s = g.weights.len() as u32;
            g.payloads.push((prec(double, a.nodes_values[i]), s, s));
        }
    }

    // Depth-first layout, false branch first (ORT's AddNodes).
    let mut mapping = vec![0u32; n];
    let mut stack: Vec<(u32, Link)> = Vec::new();
    let mut i = 0;
    while i < n {
        let tree = a.nodes_treeids[i];
        stack.push((i as u32, Link::Root));
        while let Some((j, link)) = stack.pop() {
            let j = j as usize;
            if mapping[j] != 0 {
                let p = mapping[j];
                match link {
                    Link::Root => g.roots.push(p),
                    Link::True(from, to) => set_true(&mut g.nodes, from, to, p),
                    Link::False(_) => {
                        return Err(TreeError::Tree {
                            attr: "nodes_falsenodeids",
                            tree: a.nodes_treeids[j],
                            node: a.nodes_nodeids[j],
                            msg: "this node is the false child of a node but was already laid out \
                                  (ORT: \"False node must always be the next node\")"
                                .into(),
                        });
                    }
                }
                continue;
            }
            let pos = g.nodes.len() as u32;
            if g.nodes.len() >= (1usize << 31) {
                return Err(too_many_nodes());
            }
            mapping[j] = pos;
            match link {
                Link::Root => g.roots.push(pos),
                Link::True(from, to) => set_true(&mut g.nodes, from, to, pos),
                Link::False(at) => set_false(&mut g.nodes, at, pos),
            }
            let mode = a.nodes_modes[j];
            if mode == NodeMode::Leaf {
                g.nodes.push(INode::Leaf { payload: payload_of[j] });
                continue;
            }
            let feat = check_feature("nodes_featureids", j, a.nodes_featureids[j])?;
            g.max_feature = g.max_feature.max(feat);
            let mt = a.nodes_missing_value_tracks_true.get(j).copied().unwrap_or(false);
            let thr = prec(double, a.nodes_values[j]);
            let (table, thr_c) = table_for(mode, mt, thr);
            g.nodes.push(INode::Cmp { feat, thr: thr_c, table, t: 0, f: 0 });
            let mut last = pos;
            let mut next_false = fidx[j] as usize;
            if mode == NodeMode::Eq && can_mask(thr) {
                // ORT fuses the chain into one membership node carrying the first node's
                // missing-value flag: emit the chain with that flag.
                let mut steps = 0usize;
                while a.nodes_modes[next_false] == NodeMode::Eq
                    && a.nodes_featureids[next_false] == a.nodes_featureids[j]
                    && tidx[next_false] == tidx[j]
                    && can_mask(prec(double, a.nodes_values[next_false]))
                {
                    steps += 1;
                    if steps > n || next_false == j {
                        return Err(TreeError::Tree {
                            attr: "nodes_falsenodeids",
                            tree,
                            node: a.nodes_nodeids[j],
                            msg: "the false branches form a cycle".into(),
                        });
                    }
                    let v = prec(double, a.nodes_values[next_false]);
                    let (table, thr_c) = table_for(NodeMode::Eq, mt, v);
                    let p = g.nodes.len() as u32;
                    g.nodes.push(INode::Cmp { feat, thr: thr_c, table, t: 0, f: 0 });
                    set_false(&mut g.nodes, last, p);
                    last = p;
                    next_false = fidx[next_false] as usize;
                }
            }
            stack.push((tidx[j], Link::True(pos, last)));
            stack.push((next_false as u32, Link::False(last)));
        }
        // Next run of the same tree id.
        while i < n && a.nodes_treeids[i] == tree {
            i += 1;
        }
    }
    Ok(g)
}

/// Builds the graph of a `TreeEnsemble` (opset 5).
fn build_v5(a: &V5Attrs) -> Result<Graph, TreeError> {
    let n = a.nodes_featureids.len();
    check_len("nodes_splits", a.nodes_splits.len(), n, "nodes_featureids")?;
    check_len("nodes_modes", a.nodes_modes.len(), n, "nodes_featureids")?;
    check_len("nodes_truenodeids", a.nodes_truenodeids.len(), n, "nodes_featureids")?;
    check_len("nodes_trueleafs", a.nodes_trueleafs.len(), n, "nodes_featureids")?;
    check_len("nodes_falsenodeids", a.nodes_falsenodeids.len(), n, "nodes_featureids")?;
    check_len("nodes_falseleafs", a.nodes_falseleafs.len(), n, "nodes_featureids")?;
    if !a.nodes_missing_value_tracks_true.is_empty() {
        check_len("nodes_missing_value_tracks_true", a.nodes_missing_value_tracks_true.len(), n, "nodes_featureids")?;
    }
    let n_leaves = a.leaf_targetids.len();
    check_len("leaf_weights", a.leaf_weights.len(), n_leaves, "leaf_targetids")?;
    if a.n_targets <= 0 || a.n_targets > MAX_OUTPUTS {
        return Err(TreeError::Value {
            attr: "n_targets",
            index: 0,
            msg: format!("must be in [1, {MAX_OUTPUTS}], got {}", a.n_targets),
        });
    }
    if n >= (1usize << 31) || n_leaves >= (1usize << 31) {
        return Err(too_many_nodes());
    }
    let n_targets = a.n_targets as usize;
    let double = a.double_precision;

    // Membership sets, in node order, separated by NaN.
    let mut sets: Vec<(usize, usize)> = vec![(0, 0); n];
    let mut cur = 0usize;
    for (i, &mode) in a.nodes_modes.iter().enumerate() {
        if mode == NodeMode::Member {
            let len = a.membership_values.len();
            let start = cur.min(len);
            cur = start;
            while cur < len && !a.membership_values[cur].is_nan() {
                cur += 1;
            }
            sets[i] = (start, cur);
            cur += 1;
        }
    }

    let mut g = Graph::default();
    let mut leaf_pos = vec![u32::MAX; n_leaves];
    let mut visited = vec![0u32; n]; // tree stamp
    let leaf = |g: &mut Graph, leaf_pos: &mut Vec<u32>, tree: usize, node: usize, l: i64| -> Result<u32, TreeError> {
        if l < 0 || l as usize >= n_leaves {
            return Err(TreeError::Tree {
                attr: "nodes_truenodeids/nodes_falsenodeids",
                tree: tree as i64,
                node: node as i64,
                msg: format!("leaf index {l} is out of range (there are {n_leaves} leaves)"),
            });
        }
        let l = l as usize;
        if leaf_pos[l] == u32::MAX {
            let t = a.leaf_targetids[l];
            if t < 0 || t >= n_targets as i64 {
                return Err(TreeError::Value {
                    attr: "leaf_targetids",
                    index: l,
                    msg: format!("{t} is not a valid index among {n_targets} targets"),
                });
            }
            let w = prec(double, a.leaf_weights[l]);
            let s = g.weights.len() as u32;
            g.weights.push((t as u32, w));
            g.payloads.push((w, s, s + 1));
            leaf_pos[l] = g.nodes.len() as u32;
            g.nodes.push(INode::Leaf { payload: g.payloads.len() as u32 - 1 });
        }
        Ok(leaf_pos[l])
    };

    // Pending child links: (parent compiled positions from..=to, is_true, node index or leaf).
    struct Pending {
        from: u32,
        to: u32,
        is_true: bool,
        node: usize,
    }
    for (k, &r) in a.tree_roots.iter().enumerate() {
        if r < 0 || r as usize >= n {
            return Err(TreeError::Value {
                attr: "tree_roots",
                index: k,
                msg: format!("node index {r} is out of range (there are {n} nodes)"),
            });
        }
        let r = r as usize;
        if a.nodes_trueleafs[r] && a.nodes_falseleafs[r] && a.nodes_truenodeids[r] == a.nodes_falsenodeids[r] {
            let p = leaf(&mut g, &mut leaf_pos, k, r, a.nodes_truenodeids[r])?;
            g.roots.push(p);
            continue;
        }
        let stamp = k as u32 + 1;
        let mut stack: Vec<Pending> = Vec::new();
        let mut root_slot = true;
        stack.push(Pending { from: 0, to: 0, is_true: true, node: r });
        while let Some(p) = stack.pop() {
            let i = p.node;
            if visited[i] == stamp {
                return Err(TreeError::Tree {
                    attr: "nodes_truenodeids/nodes_falsenodeids",
                    tree: k as i64,
                    node: i as i64,
                    msg: "the tree contains a cycle or a shared internal node".into(),
                });
            }
            visited[i] = stamp;
            let pos = g.nodes.len() as u32;
            if g.nodes.len() >= (1usize << 31) {
                return Err(too_many_nodes());
            }
            if root_slot {
                g.roots.push(pos);
                root_slot = false;
            } else if p.is_true {
                set_true(&mut g.nodes, p.from, p.to, pos);
            } else {
                set_false(&mut g.nodes, p.from, pos);
            }
            let mode = a.nodes_modes[i];
            if mode == NodeMode::Leaf {
                return Err(TreeError::Value {
                    attr: "nodes_modes",
                    index: i,
                    msg: "LEAF is not a node mode of TreeEnsemble".into(),
                });
            }
            let feat = check_feature("nodes_featureids", i, a.nodes_featureids[i])?;
            g.max_feature = g.max_feature.max(feat);
            let mt = a.nodes_missing_value_tracks_true.get(i).copied().unwrap_or(false);
            let mut last = pos;
            if mode == NodeMode::Member {
                let (s, e) = sets[i];
                let members: Vec<f64> = a.membership_values[s..e].iter().map(|&v| prec(double, v)).collect();
                if members.is_empty() {
                    return Err(TreeError::Value {
                        attr: "membership_values",
                        index: i,
                        msg: format!("membership node {i} must have at least one membership value"),
                    });
                }
                let lo = members.iter().cloned().fold(f64::INFINITY, f64::min);
                let hi = members.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                if members.len() < 31 && hi <= 30.0 && lo >= 0.0 {
                    // Exact equality tests, as a chain of BRANCH_EQ nodes.
                    for (q, &v) in members.iter().enumerate() {
                        let (table, thr) = table_for(NodeMode::Eq, mt, v);
                        let p2 = g.nodes.len() as u32;
                        g.nodes.push(INode::Cmp { feat, thr, table, t: 0, f: 0 });
                        if q > 0 {
                            set_false(&mut g.nodes, last, p2);
                        }
                        last = p2;
                    }
                } else {
                    let mut set = Vec::with_capacity(members.len());
                    for &v in &members {
                        if !(v.trunc() == v && (-2147483648.0..2147483648.0).contains(&v)) {
                            return Err(TreeError::Value {
                                attr: "membership_values",
                                index: i,
                                msg: format!(
                                    "value {v} of a large membership set cannot be cast into int32 (ORT only implements integer sets)"
                                ),
                            });
                        }
                        set.push(v as i32);
                    }
                    set.sort_unstable();
                    set.dedup();
                    g.sets.push(set);
                    g.nodes.push(INode::Big { feat, set: g.sets.len() as u32 - 1, mt, t: 0, f: 0 });
                }
            } else {
                let (table, thr) = table_for(mode, mt, prec(double, a.nodes_splits[i]));
                g.nodes.push(INode::Cmp { feat, thr, table, t: 0, f: 0 });
            }
            // Children: leaves immediately, nodes through the stack.
            for is_true in [true, false] {
                let (id, is_leaf) = if is_true {
                    (a.nodes_truenodeids[i], a.nodes_trueleafs[i])
                } else {
                    (a.nodes_falsenodeids[i], a.nodes_falseleafs[i])
                };
                if is_leaf {
                    let lp = leaf(&mut g, &mut leaf_pos, k, i, id)?;
                    if is_true {
                        set_true(&mut g.nodes, pos, last, lp);
                    } else {
                        set_false(&mut g.nodes, last, lp);
                    }
                } else {
                    if id < 0 || id as usize >= n {
                        return Err(TreeError::Tree {
                            attr: if is_true { "nodes_truenodeids" } else { "nodes_falsenodeids" },
                            tree: k as i64,
                            node: i as i64,
                            msg: format!("node index {id} is out of range (there are {n} nodes)"),
                        });
                    }
                    stack.push(Pending {
                        from: if is_true { pos } else { last },
                        to: last,
                        is_true,
                        node: id as usize,
                    });
                }
            }
        }
    }
    Ok(g)
}

// ---------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------

/// A compiled node. `feat` holds the feature index (low 24 bits) and the test table (high 8
/// bits). A leaf loops onto itself and holds its single-target value in `thr`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Node<T> {
    thr: T,
    feat: u32,
    t: u32,
    f: u32,
}

#[derive(Clone, Debug)]
struct Compiled<T> {
    nodes: Vec<Node<T>>,
    roots: Vec<u32>,
    /// Max number of steps from each root to a leaf.
    depth: Vec<u32>,
    /// Weights of leaf `i`: `weights[w_start[i]..w_start[i + 1]]` (target, weight).
    w_start: Vec<u32>,
    weights: Vec<(u32, T)>,
    base: Vec<T>,
    sets: Vec<Vec<i32>>,
}

fn lower<T: Real>(g: &Graph, base: &[f64]) -> Result<Compiled<T>, TreeError> {
    let mut nodes = Vec::with_capacity(g.nodes.len());
    let mut w_start = Vec::with_capacity(g.nodes.len() + 1);
    let mut weights = Vec::new();
    for (i, n) in g.nodes.iter().enumerate() {
        let i = i as u32;
        w_start.push(weights.len() as u32);
        nodes.push(match *n {
            INode::Cmp { feat, thr, table, t, f } => Node { thr: T::from_f64(thr), feat: feat | (table << 24), t, f },
            INode::Big { feat, set, mt, t, f } => {
                Node { thr: T::from_usize(set as usize), feat: feat | ((if mt { BIG_MT } else { BIG }) << 24), t, f }
            }
            INode::Leaf { payload } => {
                let (v, s, e) = g.payloads[payload as usize];
                for &(tg, w) in &g.weights[s as usize..e as usize] {
                    weights.push((tg, T::from_f64(w)));
                }
                Node { thr: T::from_f64(v), feat: 0, t: i, f: i }
            }
        });
    }
    w_start.push(weights.len() as u32);
    if g.sets.len() >= (1 << 24) {
        return Err(TreeError::Call("too many membership sets".into()));
    }
    // Depths (and cycle check) by iterative post-order.
    let len = nodes.len();
    let mut depth_of = vec![u32::MAX; len]; // MAX = unvisited, MAX-1 = in progress
    const IN_PROGRESS: u32 = u32::MAX - 1;
    let mut depth = Vec::with_capacity(g.roots.len());
    let mut stack: Vec<u32> = Vec::new();
    for &r in &g.roots {
        stack.push(r);
        while let Some(&u) = stack.last() {
            let n = nodes[u as usize];
            let leaf = n.t == u;
            if leaf {
                depth_of[u as usize] = 0;
                stack.pop();
                continue;
            }
            match depth_of[u as usize] {
                u32::MAX => {
                    depth_of[u as usize] = IN_PROGRESS;
                    for c in [n.t, n.f] {
                        match depth_of[c as usize] {
                            IN_PROGRESS => {
                                return Err(TreeError::Invalid {
                                    attr: "nodes_truenodeids",
                                    msg: "the trees contain a cycle".into(),
                                });
                            }
                            u32::MAX => stack.push(c),
                            _ => {}
                        }
                    }
                }
                IN_PROGRESS => {
                    let d = 1 + depth_of[n.t as usize].max(depth_of[n.f as usize]);
                    depth_of[u as usize] = d;
                    stack.pop();
                }
                _ => {
                    stack.pop();
                }
            }
        }
        depth.push(depth_of[r as usize]);
    }
    Ok(Compiled {
        nodes,
        roots: g.roots.clone(),
        depth,
        w_start,
        weights,
        base: base.iter().map(|&b| T::from_f64(b)).collect(),
        sets: g.sets.clone(),
    })
}

#[derive(Clone, Debug)]
enum Tables {
    F32(Compiled<f32>),
    F64(Compiled<f64>),
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Regressor,
    Classifier { labels: Vec<i64>, binary_case: bool, all_positive: bool },
}

/// A compiled tree ensemble, ready to evaluate.
#[derive(Clone, Debug)]
pub struct Ensemble {
    kind: Kind,
    n_features: usize,
    n_outputs: usize,
    n_trees: usize,
    aggregate: Aggregate,
    post: PostTransform,
    has_sets: bool,
    tables: Tables,
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Rows evaluated together, tree by tree.
const BLOCK: usize = 128;
/// Rows in lock-step inside a block.
const LANES: usize = 8;

const AGG_SUM: u8 = 0;
const AGG_MIN: u8 = 1;
const AGG_MAX: u8 = 2;

#[inline(always)]
fn step<X: Real, T: Real, const SETS: bool>(c: &Compiled<T>, row: &[X], i: u32) -> u32 {
    let n = c.nodes[i as usize];
    let table = n.feat >> 24;
    let x = row[(n.feat & 0x00FF_FFFF) as usize];
    if SETS && table >= BIG {
        let hit = c.sets[n.thr.to_index()].binary_search(&x.cvtt_i32()).is_ok() || (table == BIG_MT && x.is_nan_());
        return if hit { n.t } else { n.f };
    }
    let bit = (table >> T::code_of(x, n.thr)) & 1;
    if bit != 0 { n.t } else { n.f }
}

#[inline(always)]
fn walk<X: Real, T: Real, const SETS: bool>(c: &Compiled<T>, row: &[X], mut i: u32) -> u32 {
    loop {
        let next = step::<X, T, SETS>(c, row, i);
        if next == i {
            return i;
        }
        i = next;
    }
}

#[inline(always)]
fn agg_into<T: Real, const AGG: u8>(s: &mut T, h: &mut bool, v: T) {
    match AGG {
        AGG_SUM => *s = *s + v,
        AGG_MIN => {
            if !*h || v < *s {
                *s = v
            }
        }
        _ => {
            if !*h || v > *s {
                *s = v
            }
        }
    }
    *h = true;
}

#[inline(always)]
fn add_leaf<T: Real, const AGG: u8, const MULTI: bool>(
    c: &Compiled<T>,
    leaf: u32,
    n_out: usize,
    s: &mut [T],
    h: &mut [bool],
) {
    if MULTI {
        let (a, b) = (c.w_start[leaf as usize] as usize, c.w_start[leaf as usize + 1] as usize);
        for &(tg, w) in &c.weights[a..b] {
            let tg = tg as usize;
            if tg < n_out {
                agg_into::<T, AGG>(&mut s[tg], &mut h[tg], w);
            }
        }
    } else {
        agg_into::<T, AGG>(&mut s[0], &mut h[0], c.nodes[leaf as usize].thr);
    }
}

/// Accumulates every tree over `rows` consecutive rows starting at `x` (row-major, `cols`).
fn accumulate<X: Real, T: Real, const AGG: u8, const MULTI: bool, const SETS: bool>(
    c: &Compiled<T>,
    x: &[X],
    cols: usize,
    rows: usize,
    n_out: usize,
    s: &mut [T],
    h: &mut [bool],
) {
    for (t, &root) in c.roots.iter().enumerate() {
        let mut r = 0;
        if !SETS && rows >= LANES {
            let depth = c.depth[t];
            while r + LANES <= rows {
                let mut idx = [root; LANES];
                let xs: [&[X]; LANES] = std::array::from_fn(|k| &x[(r + k) * cols..(r + k + 1) * cols]);
                for d in 0..depth {
                    let mut moved = 0;
                    for k in 0..LANES {
                        let next = step::<X, T, false>(c, xs[k], idx[k]);
                        moved |= next ^ idx[k];
                        idx[k] = next;
                    }
                    // Unbalanced trees: stop once all rows sit on their leaves.
                    if d >= 4 && moved == 0 {
                        break;
                    }
                }
                for k in 0..LANES {
                    let o = (r + k) * n_out;
                    add_leaf::<T, AGG, MULTI>(c, idx[k], n_out, &mut s[o..o + n_out], &mut h[o..o + n_out]);
                }
                r += LANES;
            }
        }
        while r < rows {
            let leaf = walk::<X, T, SETS>(c, &x[r * cols..(r + 1) * cols], root);
            let o = r * n_out;
            add_leaf::<T, AGG, MULTI>(c, leaf, n_out, &mut s[o..o + n_out], &mut h[o..o + n_out]);
            r += 1;
        }
    }
}

/// Output element type of [`Ensemble::predict`].
pub trait Out: Real {}
impl Out for f32 {}
impl Out for f64 {}

/// ORT `write_scores` for two or more values (`has` false → the value reads as 0).
fn write_multi<T: Real, O: Real>(post: PostTransform, s: &[T], h: &[bool], out: &mut [O], tmp: &mut [f32]) {
    let val = |k: usize| if h[k] { s[k] } else { T::ZERO };
    match post {
        PostTransform::None => {
            for k in 0..s.len() {
                out[k] = O::from_f64(val(k).to_f64());
            }
        }
        PostTransform::Logistic => {
            for k in 0..s.len() {
                out[k] = O::from_f32(logistic(val(k).to_f32()));
            }
        }
        PostTransform::Probit => {
            for k in 0..s.len() {
                out[k] = O::from_f32(probit(val(k).to_f32()));
            }
        }
        PostTransform::Softmax => {
            let mut vmax = -f32::MAX;
            for k in 0..s.len() {
                let v = val(k).to_f32();
                tmp[k] = v;
                if v > vmax {
                    vmax = v;
                }
            }
            let mut sum = 0f32;
            for v in tmp[..s.len()].iter_mut() {
                *v = (*v - vmax).exp();
                sum += *v;
            }
            for k in 0..s.len() {
                out[k] = O::from_f32(tmp[k] / sum);
            }
        }
        PostTransform::SoftmaxZero => {
            let mut vmax = -f32::MAX;
            for k in 0..s.len() {
                let v = val(k).to_f32();
                if v > vmax {
                    vmax = v;
                }
            }
            let exp_neg = (-vmax).exp();
            let mut sum = 0f32;
            // e[k] in T, stored in out temporarily through tmp (f32 is exact for the exp case).
            for k in 0..s.len() {
                let v = val(k).to_f32();
                if v > 0.0000001f32 || v < -0.0000001f32 {
                    let x = (v - vmax).exp();
                    tmp[k] = x;
                    sum += x;
                } else {
                    tmp[k] = f32::NAN; // marker: recompute in T below
                }
            }
            let sum_t = T::from_f32(sum);
            for k in 0..s.len() {
                let v = val(k).to_f32();
                let e = if v > 0.0000001f32 || v < -0.0000001f32 {
                    T::from_f32(tmp[k])
                } else {
                    val(k) * T::from_f32(exp_neg)
                };
                out[k] = O::from_f64((e / sum_t).to_f64());
            }
        }
    }
}

fn check_call<X>(e: &Ensemble, x: &[X], cols: usize, out_len: usize, what: &str) -> Result<usize, TreeError> {
    if cols < e.n_features {
        return Err(TreeError::Call(format!(
            "one path in the ensemble requests feature {} but the input has {cols} columns",
            e.n_features - 1
        )));
    }
    if !x.len().is_multiple_of(cols) {
        return Err(TreeError::Call(format!("input length {} is not a multiple of {cols} columns", x.len())));
    }
    let rows = x.len() / cols;
    if out_len != rows * e.n_outputs {
        return Err(TreeError::Call(format!(
            "{what} has {out_len} values, expected {rows} rows x {} outputs",
            e.n_outputs
        )));
    }
    Ok(rows)
}

impl Ensemble {
    /// Compiles a `TreeEnsembleRegressor`.
    pub fn regressor(a: &LegacyAttrs) -> Result<Self, TreeError> {
        if a.n_targets <= 0 || a.n_targets > MAX_OUTPUTS {
            return Err(TreeError::Value {
                attr: "n_targets",
                index: 0,
                msg: format!("must be in [1, {MAX_OUTPUTS}], got {}", a.n_targets),
            });
        }
        let n_out = a.n_targets as usize;
        if !(a.base_values.is_empty() || a.base_values.len() == n_out) {
            return Err(TreeError::Length {
                attr: "base_values",
                len: a.base_values.len(),
                expected: format!("0 or {n_out} (n_targets)"),
            });
        }
        let g = build_legacy(a, n_out, false)?;
        Self::finish(g, Kind::Regressor, n_out, a.aggregate, a.post_transform, &a.base_values, a.double_precision)
    }

    /// Compiles a `TreeEnsembleClassifier` with `n_classes` labels. The labels written by
    /// [`Ensemble::classify`] are class indices, i.e. what ORT computes internally for
    /// `classlabels_strings` (index into the strings).
    pub fn classifier(a: &LegacyAttrs, n_classes: usize) -> Result<Self, TreeError> {
        let labels: Vec<i64> = (0..n_classes as i64).collect();
        Self::classifier_with_labels(a, &labels)
    }

    /// Compiles a `TreeEnsembleClassifier` with `classlabels_int64s`: [`Ensemble::classify`]
    /// then writes the labels ORT outputs (including its literal 0/1 quirk, see the module doc).
    pub fn classifier_with_labels(a: &LegacyAttrs, class_labels: &[i64]) -> Result<Self, TreeError> {
        let n_out = class_labels.len();
        if n_out as i64 > MAX_OUTPUTS {
            return Err(TreeError::Length {
                attr: "classlabels_int64s/classlabels_strings",
                len: n_out,
                expected: format!("at most {MAX_OUTPUTS}"),
            });
        }
        if n_out == 0 {
            return Err(TreeError::Length {
                attr: "classlabels_int64s/classlabels_strings",
                len: 0,
                expected: "at least 1".into(),
            });
        }
        let bl = a.base_values.len();
        if (n_out <= 2 && bl > 2) || (n_out > 2 && bl != 0 && bl != n_out) {
            let expected =
                if n_out <= 2 { "0, 1 or 2".to_string() } else { format!("0 or {n_out} (the number of classes)") };
            return Err(TreeError::Length { attr: "base_values", len: bl, expected });
        }
        let g = build_legacy(a, n_out, true)?;
        let mut distinct: Vec<i64> = a.leaf_targetids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let binary_case = n_out == 2 && distinct.len() == 1;
        let all_positive = !a.leaf_weights.iter().any(|&w| prec(a.double_precision, w) < 0.0);
        let kind = Kind::Classifier { labels: class_labels.to_vec(), binary_case, all_positive };
        Self::finish(g, kind, n_out, Aggregate::Sum, a.post_transform, &a.base_values, a.double_precision)
    }

    /// Compiles a `TreeEnsemble` (opset 5).
    pub fn v5(a: &V5Attrs) -> Result<Self, TreeError> {
        let g = build_v5(a)?;
        let n_out = a.n_targets as usize;
        Self::finish(g, Kind::Regressor, n_out, a.aggregate, a.post_transform, &[], a.double_precision)
    }

    fn finish(
        g: Graph,
        kind: Kind,
        n_out: usize,
        aggregate: Aggregate,
        post: PostTransform,
        base: &[f64],
        double: bool,
    ) -> Result<Self, TreeError> {
        let base: Vec<f64> = base.iter().map(|&b| prec(double, b)).collect();
        let tables = if double { Tables::F64(lower::<f64>(&g, &base)?) } else { Tables::F32(lower::<f32>(&g, &base)?) };
        Ok(Ensemble {
            kind,
            n_features: g.max_feature as usize + 1,
            n_outputs: n_out,
            n_trees: g.roots.len(),
            aggregate,
            post,
            has_sets: !g.sets.is_empty(),
            tables,
        })
    }

    /// Minimum number of input columns (max feature id of a reachable branch node + 1).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Width of the output: targets, or score columns (= classes) for a classifier.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// Number of trees (for opsets 1–3: runs of equal `nodes_treeids`).
    pub fn n_trees(&self) -> usize {
        self.n_trees
    }

    /// Whether thresholds and accumulation are `f64`.
    pub fn is_double(&self) -> bool {
        matches!(self.tables, Tables::F64(_))
    }

    /// Whether this is a classifier.
    pub fn is_classifier(&self) -> bool {
        matches!(self.kind, Kind::Classifier { .. })
    }

    /// Regressor / opset 5, `f32` input and output.
    pub fn predict_f32(&self, x: &[f32], cols: usize, out: &mut [f32]) -> Result<(), TreeError> {
        self.predict(x, cols, out)
    }

    /// Regressor / opset 5, `f64` input and output (opset 5 with `T = double`).
    pub fn predict_f64(&self, x: &[f64], cols: usize, out: &mut [f64]) -> Result<(), TreeError> {
        self.predict(x, cols, out)
    }

    /// Regressor / opset 5: `x` is row-major `[rows, cols]` (`cols >= n_features()`), `out` is
    /// `[rows, n_outputs()]`. (`TreeEnsembleRegressor` with double input outputs `f32`: use
    /// `X = f64, O = f32`.)
    pub fn predict<X: Real, O: Out>(&self, x: &[X], cols: usize, out: &mut [O]) -> Result<(), TreeError> {
        if self.is_classifier() {
            return Err(TreeError::Call("predict called on a classifier; use classify".into()));
        }
        let rows = check_call(self, x, cols, out.len(), "output")?;
        match &self.tables {
            Tables::F32(c) => self.run(c, x, cols, rows, &mut |this, c, s, h, r| {
                this.finish_regression(c, s, h, &mut out[r * this.n_outputs..(r + 1) * this.n_outputs])
            }),
            Tables::F64(c) => self.run(c, x, cols, rows, &mut |this, c, s, h, r| {
                this.finish_regression(c, s, h, &mut out[r * this.n_outputs..(r + 1) * this.n_outputs])
            }),
        }
        Ok(())
    }

    /// Classifier, `f32` input.
    pub fn classify_f32(
        &self,
        x: &[f32],
        cols: usize,
        scores: &mut [f32],
        labels: &mut [i64],
    ) -> Result<(), TreeError> {
        self.classify(x, cols, scores, labels)
    }

    /// Classifier, `f64` input (scores are still `f32`, as in ORT).
    pub fn classify_f64(
        &self,
        x: &[f64],
        cols: usize,
        scores: &mut [f32],
        labels: &mut [i64],
    ) -> Result<(), TreeError> {
        self.classify(x, cols, scores, labels)
    }

    /// Classifier: `scores` is `[rows, n_outputs()]`, `labels` gets one label per row: the class
    /// label given to [`Ensemble::classifier_with_labels`] (class index with
    /// [`Ensemble::classifier`]), or ORT's literal 0/1 in the cases described in the module doc.
    pub fn classify<X: Real>(
        &self,
        x: &[X],
        cols: usize,
        scores: &mut [f32],
        labels: &mut [i64],
    ) -> Result<(), TreeError> {
        if !self.is_classifier() {
            return Err(TreeError::Call("classify called on a regressor; use predict".into()));
        }
        let rows = check_call(self, x, cols, scores.len(), "scores")?;
        if labels.len() != rows {
            return Err(TreeError::Call(format!("labels has {} values, expected {rows}", labels.len())));
        }
        let n = self.n_outputs;
        let mut unscored = None;
        match &self.tables {
            Tables::F32(c) => self.run(c, x, cols, rows, &mut |this, c, s, h, r| {
                let l = this.finish_classifier(c, s, h, &mut scores[r * n..(r + 1) * n]);
                labels[r] = l.unwrap_or_else(|| {
                    unscored.get_or_insert(r);
                    0
                });
            }),
            Tables::F64(c) => self.run(c, x, cols, rows, &mut |this, c, s, h, r| {
                let l = this.finish_classifier(c, s, h, &mut scores[r * n..(r + 1) * n]);
                labels[r] = l.unwrap_or_else(|| {
                    unscored.get_or_insert(r);
                    0
                });
            }),
        }
        match unscored {
            Some(r) => Err(TreeError::Call(format!(
                "row {r} reached no leaf with class weights and there are no base_values: no class has a score (ORT fails too)"
            ))),
            None => Ok(()),
        }
    }

    /// Evaluates all rows block by block and hands each row's accumulators to `emit`.
    fn run<X: Real, T: Real>(
        &self,
        c: &Compiled<T>,
        x: &[X],
        cols: usize,
        rows: usize,
        emit: &mut dyn FnMut(&Self, &Compiled<T>, &mut [T], &mut [bool], usize),
    ) {
        let n_out = self.n_outputs;
        let block = rows.clamp(1, BLOCK);
        let mut s = vec![T::ZERO; block * n_out];
        let mut h = vec![false; block * n_out];
        let multi = n_out > 1;
        let agg = match self.aggregate {
            Aggregate::Sum | Aggregate::Average => AGG_SUM,
            Aggregate::Min => AGG_MIN,
            Aggregate::Max => AGG_MAX,
        };
        let mut r0 = 0;
        while r0 < rows {
            let nb = (rows - r0).min(block);
            s[..nb * n_out].fill(T::ZERO);
            h[..nb * n_out].fill(false);
            let xb = &x[r0 * cols..(r0 + nb) * cols];
            let (sb, hb) = (&mut s[..nb * n_out], &mut h[..nb * n_out]);
            macro_rules! go {
                ($agg:expr, $multi:expr) => {
                    if self.has_sets {
                        accumulate::<X, T, $agg, $multi, true>(c, xb, cols, nb, n_out, sb, hb)
                    } else {
                        accumulate::<X, T, $agg, $multi, false>(c, xb, cols, nb, n_out, sb, hb)
                    }
                };
            }
            match (agg, multi) {
                (AGG_SUM, false) => go!(AGG_SUM, false),
                (AGG_SUM, true) => go!(AGG_SUM, true),
                (AGG_MIN, false) => go!(AGG_MIN, false),
                (AGG_MIN, true) => go!(AGG_MIN, true),
                (_, false) => go!(AGG_MAX, false),
                (_, true) => go!(AGG_MAX, true),
            }
            for r in 0..nb {
                emit(self, c, &mut s[r * n_out..(r + 1) * n_out], &mut h[r * n_out..(r + 1) * n_out], r0 + r);
            }
            r0 += nb;
        }
    }

    /// ORT `FinalizeScores1` / `FinalizeScores` of the regression aggregators.
    fn finish_regression<T: Real, O: Real>(&self, c: &Compiled<T>, s: &mut [T], h: &mut [bool], out: &mut [O]) {
        let n_trees = T::from_usize(self.n_trees);
        if s.len() == 1 {
            let origin = if c.base.len() == 1 { c.base[0] } else { T::ZERO };
            let v = match self.aggregate {
                Aggregate::Sum => s[0] + origin,
                Aggregate::Average => s[0] / n_trees + origin,
                Aggregate::Min | Aggregate::Max => {
                    if h[0] {
                        s[0] + origin
                    } else {
                        origin
                    }
                }
            };
            out[0] = if self.post == PostTransform::Probit {
                O::from_f32(probit(v.to_f32()))
            } else {
                O::from_f64(v.to_f64())
            };
            return;
        }
        let use_base = c.base.len() == s.len();
        for k in 0..s.len() {
            let b = if use_base { c.base[k] } else { T::ZERO };
            s[k] = match self.aggregate {
                Aggregate::Sum => {
                    if use_base {
                        s[k] + b
                    } else {
                        s[k]
                    }
                }
                Aggregate::Average => {
                    if use_base {
                        s[k] / n_trees + b
                    } else {
                        s[k] / n_trees
                    }
                }
                Aggregate::Min | Aggregate::Max => b + if h[k] { s[k] } else { T::ZERO },
            };
        }
        let mut tmp = [0f32; 16];
        if s.len() <= tmp.len() {
            write_multi(self.post, s, h, out, &mut tmp);
        } else {
            let mut tmp = vec![0f32; s.len()];
            write_multi(self.post, s, h, out, &mut tmp);
        }
    }

    /// ORT `TreeAggregatorClassifier::FinalizeScores{,1}`; returns the label (`None`: no
    /// class has a score, ORT fails).
    fn finish_classifier<T: Real>(&self, c: &Compiled<T>, s: &mut [T], h: &mut [bool], out: &mut [f32]) -> Option<i64> {
        let Kind::Classifier { labels, binary_case, all_positive } = &self.kind else {
            return Some(0);
        };
        let post = self.post;
        let n = s.len();
        if n > 2 {
            for k in 0..c.base.len().min(n) {
                if !h[k] {
                    h[k] = true;
                    s[k] = c.base[k];
                } else {
                    s[k] = s[k] + c.base[k];
                }
            }
            let mut best: Option<usize> = None;
            for k in 0..n {
                if h[k] && best.is_none_or(|b| s[k] > s[b]) {
                    best = Some(k);
                }
            }
            let mut tmp = [0f32; 16];
            if n <= tmp.len() {
                write_multi(post, s, h, out, &mut tmp);
            } else {
                let mut tmp = vec![0f32; n];
                write_multi(post, s, h, out, &mut tmp);
            }
            return best.map(|b| labels[b]);
        }
        // `_set_score_binary`: label from the positive score; `was` = write_additional_scores.
        let binary = |pos: T, was: &mut i32| -> i64 {
            if *binary_case {
                if *all_positive {
                    if pos.to_f64() > 0.5 {
                        *was = 0;
                        labels[1]
                    } else {
                        *was = 1;
                        labels[0]
                    }
                } else if pos > T::ZERO {
                    *was = 2;
                    labels[1]
                } else {
                    *was = 3;
                    labels[0]
                }
            } else if pos > T::ZERO {
                1
            } else {
                0
            }
        };
        let mut was = -1i32;
        if n == 1 {
            // FinalizeScores1: plain values, no `has` flags.
            let mut v = s[0];
            match c.base.len() {
                2 => {
                    v = v + c.base[1];
                    let label = binary(v, &mut was);
                    let two = [-v, v];
                    let mut o = [0f32; 2];
                    let mut tmp = [0f32; 2];
                    write_multi(post, &two, &[true, true], &mut o, &mut tmp);
                    out[0] = o[0]; // ORT writes the second value past the row
                    return Some(label);
                }
                1 => v = v + c.base[0],
                _ => {}
            }
            let label = binary(v, &mut was);
            out[0] = if post == PostTransform::Probit { probit(v.to_f32()) } else { v.to_f32() };
            return Some(label);
        }
        // Two classes.
        let (mut s0, mut s1, h0, mut h1) = (s[0], s[1], h[0], h[1]);
        let mut size = 2;
        match c.base.len() {
            2 => {
                if h1 {
                    s1 = c.base[1] + s0;
                    s0 = -s1;
                    h1 = true;
                } else {
                    s1 = s1 + c.base[1];
                    s0 = s0 + c.base[0];
                }
            }
            1 => {
                s0 = s0 + c.base[0];
                if !h1 {
                    size = 1;
                }
            }
            _ => {
                was = 3;
                if !h1 {
                    size = 1;
                }
            }
        }
        let pos = if size == 2 && h1 {
            s1
        } else if h0 {
            s0
        } else {
            T::ZERO
        };
        let label = binary(pos, &mut was);
        if size == 2 {
            let mut tmp = [0f32; 2];
            write_multi(post, &[s0, s1], &[h0, h1], out, &mut tmp);
            return Some(label);
        }
        let v = if h0 { s0 } else { T::ZERO };
        if post == PostTransform::Probit {
            out[0] = probit(v.to_f32());
            out[1] = 0.0; // unwritten by ORT
            return Some(label);
        }
        match was {
            0..=3 if post == PostTransform::Logistic => {
                out[0] = logistic((-v).to_f32());
                out[1] = logistic(v.to_f32());
            }
            0 | 1 => {
                out[0] = (T::ONE - v).to_f32();
                out[1] = v.to_f32();
            }
            2 | 3 => {
                out[0] = (-v).to_f32();
                out[1] = v.to_f32();
            }
            _ => {
                out[0] = v.to_f32();
                out[1] = 0.0; // unwritten by ORT
            }
        }
        Some(label)
    }
}

#[cfg(test)]
#[rustfmt::skip] // large generated tables of ORT results
mod tests;
