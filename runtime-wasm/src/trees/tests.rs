//! Tests of the tree-ensemble evaluator. The `ort_*` tests were generated from models built
//! with `onnx.helper` (and scikit-learn / LightGBM models converted by skl2onnx 1.20 and
//! onnxmltools 1.16); **every expected value comes from onnxruntime 1.31.1** (CPU, x86-64, one
//! thread). A score of `-1e300` marks a column ORT leaves unwritten.

use super::*;
use NodeMode as M;
use PostTransform as PT;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;
const SKIP: f64 = -1e300;

fn ml(names: &[&str]) -> Vec<NodeMode> {
    names
        .iter()
        .map(|n| {
            if *n == "LEAF" {
                M::Leaf
            } else {
                M::from_name(&format!("BRANCH_{n}")).unwrap()
            }
        })
        .collect()
}

fn m5(codes: &[i64]) -> Vec<NodeMode> {
    codes.iter().map(|&c| M::from_v5(c).unwrap()).collect()
}

/// A FLOATS attribute, widened to f64 losslessly.
fn w(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn bits(v: &[u8]) -> Vec<bool> {
    v.iter().map(|&b| b != 0).collect()
}

fn close(got: f64, exp: f64) -> bool {
    if (got as f32) == (exp as f32) {
        return true; // f32 results are written with the shortest f32 representation
    }
    if exp.is_nan() {
        return got.is_nan();
    }
    if exp.is_infinite() || exp == 0.0 {
        return got == exp;
    }
    ((got - exp) / exp).abs() <= 2e-6
}

fn check(what: &str, got: &[f64], exp: &[f64]) {
    assert_eq!(got.len(), exp.len(), "{what}: length");
    for (k, (&g, &e)) in got.iter().zip(exp).enumerate() {
        if e == SKIP {
            continue;
        }
        assert!(
            close(g, e),
            "{what}: value {k}: got {g}, ORT {e}\n got {got:?}\n ORT {exp:?}"
        );
    }
}

/// Rows repeated to reach the lock-step path and block boundaries; each row must give exactly
/// what it gives alone.
fn repeat(x: &[f64], cols: usize, times: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(x.len() * times);
    for _ in 0..times {
        v.extend_from_slice(x);
    }
    let _ = cols;
    v
}

fn run_reg(e: &Ensemble, double: bool, x: &[f64], cols: usize) -> Vec<f64> {
    let rows = x.len() / cols;
    if double {
        let mut out = vec![0f32; rows * e.n_outputs()];
        e.predict::<f64, f32>(x, cols, &mut out).unwrap();
        out.iter().map(|&v| v as f64).collect()
    } else {
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut out = vec![0f32; rows * e.n_outputs()];
        e.predict_f32(&xf, cols, &mut out).unwrap();
        out.iter().map(|&v| v as f64).collect()
    }
}

fn consistent(what: &str, x: &[f64], cols: usize, run: &dyn Fn(&[f64]) -> Vec<f64>) {
    let single: Vec<f64> = x.chunks(cols).flat_map(run).collect();
    let batch = run(&repeat(x, cols, 150));
    for (k, chunk) in batch.chunks(single.len()).enumerate() {
        for (j, (&a, &b)) in chunk.iter().zip(&single).enumerate() {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{what}: batch copy {k} value {j}: {a} vs single {b}"
            );
        }
    }
}

fn reg(a: &LegacyAttrs, cols: usize, x: &[f64], exp: &[f64]) {
    let e = Ensemble::regressor(a).unwrap_or_else(|err| panic!("{err}"));
    check("regressor", &run_reg(&e, a.double_precision, x, cols), exp);
    consistent("regressor", x, cols, &|x| {
        run_reg(&e, a.double_precision, x, cols)
    });
}

fn run_clf(e: &Ensemble, double: bool, x: &[f64], cols: usize) -> Vec<f64> {
    let rows = x.len() / cols;
    let mut scores = vec![0f32; rows * e.n_outputs()];
    let mut labels = vec![0i64; rows];
    if double {
        e.classify_f64(x, cols, &mut scores, &mut labels).unwrap();
    } else {
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        e.classify_f32(&xf, cols, &mut scores, &mut labels).unwrap();
    }
    // scores then labels, for the consistency check
    let mut v: Vec<f64> = Vec::new();
    for r in 0..rows {
        v.extend(
            scores[r * e.n_outputs()..(r + 1) * e.n_outputs()]
                .iter()
                .map(|&s| s as f64),
        );
        v.push(labels[r] as f64);
    }
    v
}

fn clf(
    a: &LegacyAttrs,
    labels: &[i64],
    cols: usize,
    x: &[f64],
    exp_scores: &[f64],
    exp_labels: &[i64],
) {
    let e = Ensemble::classifier_with_labels(a, labels).unwrap_or_else(|err| panic!("{err}"));
    let got = run_clf(&e, a.double_precision, x, cols);
    let w = e.n_outputs();
    let rows = x.len() / cols;
    let scores: Vec<f64> = (0..rows)
        .flat_map(|r| got[r * (w + 1)..r * (w + 1) + w].to_vec())
        .collect();
    let labs: Vec<i64> = (0..rows).map(|r| got[r * (w + 1) + w] as i64).collect();
    check("classifier scores", &scores, exp_scores);
    assert_eq!(labs, exp_labels, "classifier labels");
    consistent("classifier", x, cols, &|x| {
        run_clf(&e, a.double_precision, x, cols)
    });
}

fn run_v5(e: &Ensemble, double: bool, x: &[f64], cols: usize) -> Vec<f64> {
    let rows = x.len() / cols;
    if double {
        let mut out = vec![0f64; rows * e.n_outputs()];
        e.predict_f64(x, cols, &mut out).unwrap();
        out
    } else {
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut out = vec![0f32; rows * e.n_outputs()];
        e.predict_f32(&xf, cols, &mut out).unwrap();
        out.iter().map(|&v| v as f64).collect()
    }
}

fn v5(a: &V5Attrs, cols: usize, x: &[f64], exp: &[f64]) {
    let e = Ensemble::v5(a).unwrap_or_else(|err| panic!("{err}"));
    check(
        "TreeEnsemble",
        &run_v5(&e, a.double_precision, x, cols),
        exp,
    );
    consistent("TreeEnsemble", x, cols, &|x| {
        run_v5(&e, a.double_precision, x, cols)
    });
}

/// ORT rejects the model (at load or at run time with `cols` columns): so must we.
fn reg_err(a: &LegacyAttrs, cols: usize) {
    match Ensemble::regressor(a) {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(e) => {
            let mut out = vec![0f32; e.n_outputs()];
            let r = e.predict_f32(&vec![0.0; cols], cols, &mut out);
            assert!(r.is_err(), "accepted a model ORT rejects: {a:?}");
        }
    }
}

fn clf_err(a: &LegacyAttrs, labels: &[i64], cols: usize) {
    let _ = cols;
    assert!(
        Ensemble::classifier_with_labels(a, labels).is_err(),
        "accepted a model ORT rejects: {a:?}"
    );
}

fn v5_err(a: &V5Attrs, cols: usize) {
    match Ensemble::v5(a) {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(e) => {
            let mut out = vec![0f32; e.n_outputs()];
            let r = e.predict_f32(&vec![0.0; cols], cols, &mut out);
            assert!(r.is_err(), "accepted a model ORT rejects: {a:?}");
        }
    }
}
// ---------------------------------------------------------------------------------------------
// Generated from ORT 1.31.1 runs (kept unformatted: `#[rustfmt::skip]` on the module)
// ---------------------------------------------------------------------------------------------

#[test]
fn ort_reg_modes_nan() {
    // every mode x missing-value tracking, NaN threshold in the 2nd tree
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    let x1 = [0.0, 0.5, 1.0, NAN, -INF, INF];
    reg(&a0, 1, &x1, &[21.0, 21.0, 22.0, 22.0, 21.0, 22.0]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a2, 1, &x1, &[21.0, 21.0, 22.0, 11.0, 21.0, 22.0]);
    let a3 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["LT", "LEAF", "LEAF", "LT", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a3, 1, &x1, &[21.0, 22.0, 22.0, 22.0, 21.0, 22.0]);
    let a4 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["LT", "LEAF", "LEAF", "LT", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a4, 1, &x1, &[21.0, 22.0, 22.0, 11.0, 21.0, 22.0]);
    let a5 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["GTE", "LEAF", "LEAF", "GTE", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a5, 1, &x1, &[22.0, 21.0, 21.0, 22.0, 22.0, 21.0]);
    let a6 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["GTE", "LEAF", "LEAF", "GTE", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a6, 1, &x1, &[22.0, 21.0, 21.0, 11.0, 22.0, 21.0]);
    let a7 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["GT", "LEAF", "LEAF", "GT", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a7, 1, &x1, &[22.0, 22.0, 21.0, 22.0, 22.0, 21.0]);
    let a8 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["GT", "LEAF", "LEAF", "GT", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a8, 1, &x1, &[22.0, 22.0, 21.0, 11.0, 22.0, 21.0]);
    let a9 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["EQ", "LEAF", "LEAF", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a9, 1, &x1, &[22.0, 21.0, 22.0, 22.0, 22.0, 22.0]);
    let a10 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["EQ", "LEAF", "LEAF", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a10, 1, &x1, &[22.0, 21.0, 22.0, 11.0, 22.0, 22.0]);
    let a11 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["NEQ", "LEAF", "LEAF", "NEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a11, 1, &x1, &[11.0, 12.0, 11.0, 11.0, 11.0, 11.0]);
    let a12 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, f32::NAN, 0.0, 0.0]), nodes_modes: ml(&["NEQ", "LEAF", "LEAF", "NEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a12, 1, &x1, &[11.0, 12.0, 11.0, 11.0, 11.0, 11.0]);
}

#[test]
fn ort_reg_single_target_aggregates() {
    // single target: SUM/AVERAGE/MIN/MAX with one base value; only PROBIT is applied
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.25, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1, 2, 2], leaf_nodeids: vec![1, 2, 1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, -3.0, 5.0, 0.125, -0.0625]), n_targets: 1, ..Default::default() };
    let x1 = [0.0, 0.30000001192092896, 1.0];
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Sum, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[-1.625, -1.8125, 7.1875]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Sum, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Sum, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[-1.625, -1.8125, 7.1875]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Sum, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[-1.625, -1.8125, 7.1875]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[0.1, 0.2, 0.3, 0.45]), n_targets: 1, ..Default::default() };
    let x3 = [0.0, 1.0];
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[-0.2533535, 0.38534024]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Average, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[-0.375, -0.4375, 2.5625]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Average, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Average, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[-0.375, -0.4375, 2.5625]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Average, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[-0.375, -0.4375, 2.5625]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[-0.8417561, -0.45379275]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Min, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[-2.75, -2.75, 0.1875]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Min, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, -0.887294]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Min, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[-2.75, -2.75, 0.1875]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Min, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[-2.75, -2.75, 0.1875]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[-1.2817129, -0.8417561]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Max, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[1.25, 1.25, 5.25]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Max, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Max, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[1.25, 1.25, 5.25]);
    reg(&LegacyAttrs { base_values: w(&[0.25]), aggregate: Aggregate::Max, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[1.25, 1.25, 5.25]);
    reg(&LegacyAttrs { aggregate: Aggregate::Max, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[-0.5244459, -0.12566201]);
}

#[test]
fn ort_reg_multi_target() {
    // two/three targets, base values, every aggregate and post-transform; untouched targets read 0
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 1, 1, 0], leaf_weights: w(&[1.0, 2.0, -3.0, 5.0]), n_targets: 2, ..Default::default() };
    let x1 = [0.0, 1.0];
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Sum, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[1.5, -2.75, 5.5, 2.25]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.7, 0.0, 0.0, 0.2, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0, 1, 1, 2, 2], leaf_nodeids: vec![1, 1, 2, 1, 2, 1, 2], leaf_targetids: vec![0, 1, 1, 0, 2, 0, 1], leaf_weights: w(&[0.5, -0.25, 2.0, 1.5, 0.0, -1.0, 1.0e-08]), n_targets: 3, ..Default::default() };
    let x3 = [0.0, 0.5, 1.0];
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Sum, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[101.0, -2.25, 0.0, 102.0, -2.25, 0.0, 0.0, 0.0, 3.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[1.0, -0.25, 0.0, 2.0, -0.24999999, 0.0, 0.0, 2.0, 0.0]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Sum, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Sum, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[NAN, NAN, -1e+300, NAN, NAN, -1e+300, -1e+300, -1e+300, NAN]);
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[INF, NAN, -1e+300, NAN, NAN, -1e+300, -1e+300, NAN, -1e+300]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Sum, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[0.81757444, 0.060086668, 0.9959299, 0.9046505]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Sum, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[1.0, 0.09534949, 0.5, 1.0, 0.09534949, 0.5, 0.5, 0.5, 0.95257413]);
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[0.7310586, 0.43782347, 0.5, 0.880797, 0.43782347, 0.5, 0.5, 0.880797, 0.5]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Sum, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[0.9859364, 0.014063627, 0.96267307, 0.037326884]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Sum, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[1.0, 1.0e-45, 1.4e-44, 1.0, 0.0, 6.0e-45, 0.0452785, 0.0452785, 0.909443]);
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[0.6044545, 0.17317913, 0.22236641, 0.8059741, 0.08494905, 0.10907674, 0.10650697, 0.786986, 0.10650697]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Sum, post_transform: PT::SoftmaxZero, ..a0.clone() }, 1, &x1, &[0.9859364, 0.014063627, 0.96267307, 0.037326884]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Sum, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[1.0, 1.0e-45, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[0.7772999, 0.22270015, 0.0, 0.9046505, 0.09534946, 0.0, 0.0, 1.0, 0.0]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Average, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[1.0, -1.25, 3.0, 1.25]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Average, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[100.333336, -2.0833333, 0.0, 100.666664, -2.0833333, 0.0, 0.0, -1.3333333, 3.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[0.33333334, -0.083333336, 0.0, 0.6666667, -0.08333333, 0.0, 0.0, 0.6666667, 0.0]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Average, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[INF, NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Average, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[NAN, NAN, -1e+300, NAN, NAN, -1e+300, -1e+300, NAN, NAN]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[-0.43075374, NAN, -1e+300, 0.43075374, NAN, -1e+300, -1e+300, 0.43075374, -1e+300]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Average, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[0.7310586, 0.22270012, 0.95257413, 0.7772999]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Average, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[1.0, 0.11072731, 0.5, 1.0, 0.11072731, 0.5, 0.5, 0.20860851, 0.95257413]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[0.5825702, 0.47917873, 0.5, 0.66075635, 0.47917873, 0.5, 0.5, 0.66075635, 0.5]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Average, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[0.9046505, 0.09534946, 0.85195273, 0.1480472]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Average, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[1.0, 3.0e-45, 2.7e-44, 1.0, 3.0e-45, 2.0e-44, 0.046840306, 0.012346975, 0.9408127]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[0.4209158, 0.2774848, 0.30159935, 0.5035795, 0.23787412, 0.25854635, 0.25330988, 0.49338025, 0.25330988]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Average, post_transform: PT::SoftmaxZero, ..a0.clone() }, 1, &x1, &[0.9046505, 0.09534946, 0.85195273, 0.1480472]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Average, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[1.0, 3.0e-45, 0.0, 1.0, 3.0e-45, 0.0, 0.0, 0.012953731, 0.98704624]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[0.60268533, 0.39731464, 0.0, 0.6791787, 0.3208213, 0.0, 0.0, 1.0, 0.0]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Min, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[1.5, -2.75, 5.5, 2.25]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Min, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[99.0, -2.25, 0.0, 100.5, -2.25, 0.0, 0.0, -2.0, 3.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[-1.0, -0.25, 0.0, 0.5, -0.25, 0.0, 0.0, 1.0e-08, 0.0]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Min, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Min, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[NAN, NAN, -1e+300, NAN, NAN, -1e+300, -1e+300, NAN, NAN]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[NAN, NAN, -1e+300, 0.0, NAN, -1e+300, -1e+300, -1e+300, -1e+300]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Min, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[0.81757444, 0.060086668, 0.9959299, 0.9046505]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Min, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[1.0, 0.09534949, 0.5, 1.0, 0.09534949, 0.5, 0.5, 0.11920297, 0.95257413]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[0.2689414, 0.43782347, 0.5, 0.62245935, 0.43782347, 0.5, 0.5, 0.5, 0.5]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Min, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[0.9859364, 0.014063627, 0.96267307, 0.037326884]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Min, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[1.0, 1.1e-44, 1.01e-43, 1.0, 3.0e-45, 2.2e-44, 0.047123417, 0.006377461, 0.94649917]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[0.17137133, 0.3627931, 0.46583554, 0.48102427, 0.22721976, 0.29175597, 0.33333334, 0.33333334, 0.33333334]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Min, post_transform: PT::SoftmaxZero, ..a0.clone() }, 1, &x1, &[0.9859364, 0.014063627, 0.96267307, 0.037326884]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Min, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[1.0, 1.1e-44, 0.0, 1.0, 3.0e-45, 0.0, 0.0, 0.006692851, 0.9933072]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[0.32082132, 0.6791787, 0.0, 0.6791787, 0.3208213, 0.0, NAN, INF, NAN]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Max, post_transform: PT::None, ..a0.clone() }, 1, &x1, &[1.5, -2.75, 5.5, 2.25]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Max, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[101.5, -2.25, 0.0, 101.5, -2.0, 0.0, 0.0, 0.0, 3.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Max, post_transform: PT::None, ..a2.clone() }, 1, &x3, &[1.5, -0.25, 0.0, 1.5, 1.0e-08, 0.0, 0.0, 2.0, 0.0]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Max, post_transform: PT::Probit, ..a0.clone() }, 1, &x1, &[NAN, NAN, NAN, NAN]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Max, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[NAN, NAN, -1e+300, NAN, NAN, -1e+300, -1e+300, -1e+300, NAN]);
    reg(&LegacyAttrs { aggregate: Aggregate::Max, post_transform: PT::Probit, ..a2.clone() }, 1, &x3, &[NAN, NAN, -1e+300, NAN, -1e+300, -1e+300, -1e+300, NAN, -1e+300]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Max, post_transform: PT::Logistic, ..a0.clone() }, 1, &x1, &[0.81757444, 0.060086668, 0.9959299, 0.9046505]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Max, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[1.0, 0.09534949, 0.5, 1.0, 0.11920297, 0.5, 0.5, 0.5, 0.95257413]);
    reg(&LegacyAttrs { aggregate: Aggregate::Max, post_transform: PT::Logistic, ..a2.clone() }, 1, &x3, &[0.81757444, 0.43782347, 0.5, 0.81757444, 0.5, 0.5, 0.5, 0.880797, 0.5]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Max, post_transform: PT::Softmax, ..a0.clone() }, 1, &x1, &[0.9859364, 0.014063627, 0.96267307, 0.037326884]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Max, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[1.0, 1.0e-45, 8.0e-45, 1.0, 1.0e-45, 8.0e-45, 0.0452785, 0.0452785, 0.909443]);
    reg(&LegacyAttrs { aggregate: Aggregate::Max, post_transform: PT::Softmax, ..a2.clone() }, 1, &x3, &[0.7158687, 0.12439933, 0.1597319, 0.6914384, 0.15428077, 0.15428077, 0.10650697, 0.786986, 0.10650697]);
    reg(&LegacyAttrs { base_values: w(&[0.5, 0.25]), aggregate: Aggregate::Max, post_transform: PT::SoftmaxZero, ..a0.clone() }, 1, &x1, &[0.9859364, 0.014063627, 0.96267307, 0.037326884]);
    reg(&LegacyAttrs { base_values: w(&[100.0, -2.0, 3.0]), aggregate: Aggregate::Max, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[1.0, 1.0e-45, 0.0, 1.0, 1.0e-45, 0.0, 0.0, 0.0, 1.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Max, post_transform: PT::SoftmaxZero, ..a2.clone() }, 1, &x3, &[0.85195273, 0.1480472, 0.0, 1.0, 2.2313016e-09, 0.0, 0.0, 1.0, 0.0]);
}

#[test]
fn ort_reg_structure() {
    // root = first listed node of each run of tree ids; interleaved runs; leaves without weight; first weight only
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![1, 2, 0], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![0, 0, 1], nodes_falsenodeids: vec![0, 0, 2], nodes_values: w(&[0.0, 0.0, 0.5]), nodes_modes: ml(&["LEAF", "LEAF", "LEQ"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    let x1 = [0.0, 1.0];
    reg(&a0, 1, &x1, &[10.0, 10.0]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 1, 0, 0, 1, 1], nodes_nodeids: vec![0, 0, 1, 2, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 1, 0, 0, 0, 0], nodes_falsenodeids: vec![2, 2, 0, 0, 0, 0], nodes_values: w(&[0.5, 0.5, 0.0, 0.0, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[1.0, 2.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, ..a2.clone() }, 1, &x1, &[22.0, 33.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, ..a2.clone() }, 1, &x1, &[5.5, 8.25]);
    let a3 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0], leaf_nodeids: vec![1], leaf_targetids: vec![0], leaf_weights: w(&[10.0]), n_targets: 1, ..Default::default() };
    reg(&LegacyAttrs { aggregate: Aggregate::Sum, ..a3.clone() }, 1, &x1, &[10.0, 44.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Min, ..a3.clone() }, 1, &x1, &[10.0, 44.0]);
    reg(&LegacyAttrs { aggregate: Aggregate::Average, ..a3.clone() }, 1, &x1, &[10.0, 44.0]);
    let a4 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0], leaf_nodeids: vec![1], leaf_targetids: vec![0], leaf_weights: w(&[10.0]), n_targets: 2, ..Default::default() };
    reg(&a4, 1, &x1, &[10.0, 0.0, 0.0, 0.0]);
    let a5 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0], leaf_nodeids: vec![2, 1, 1], leaf_targetids: vec![0, 0, 0], leaf_weights: w(&[7.0, 10.0, 3.0]), n_targets: 1, ..Default::default() };
    reg(&a5, 1, &x1, &[10.0, 7.0]);
    let a6 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0], leaf_nodeids: vec![2, 1, 1], leaf_targetids: vec![0, 1, 0], leaf_weights: w(&[7.0, 10.0, 3.0]), n_targets: 2, ..Default::default() };
    reg(&a6, 1, &x1, &[3.0, 10.0, 7.0, 0.0]);
    let a7 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0], leaf_nodeids: vec![0, 1, 2], leaf_targetids: vec![0, 0, 0], leaf_weights: w(&[99.0, 10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a7, 1, &x1, &[10.0, 20.0]);
    let a8 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![1, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a8, 1, &x1, &[10.0, 10.0]);
    let a9 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4, 5], nodes_featureids: vec![0, 1, 1, 0, 0, 0], nodes_truenodeids: vec![1, 3, 3, 0, 0, 0], nodes_falsenodeids: vec![2, 4, 5, 0, 0, 0], nodes_values: w(&[0.5, 0.2, 0.8, 0.0, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0], leaf_nodeids: vec![3, 4, 5], leaf_targetids: vec![0, 0, 0], leaf_weights: w(&[10.0, 20.0, 30.0]), n_targets: 1, ..Default::default() };
    let x10 = [0.0, 0.0, 0.0, 0.5, 1.0, 0.5, 1.0, 0.8999999761581421];
    reg(&a9, 2, &x10, &[10.0, 20.0, 10.0, 30.0]);
    let a11 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3], nodes_featureids: vec![0, 0, 0, 9], nodes_truenodeids: vec![1, 0, 0, 1], nodes_falsenodeids: vec![2, 0, 0, 2], nodes_values: w(&[0.5, 0.0, 0.0, 1.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a11, 1, &x1, &[10.0, 20.0]);
}

#[test]
fn ort_reg_precision() {
    // f32 input: f32 thresholds and accumulation; f64 input: f64 everywhere (output f32)
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19, 19, 19, 20, 20, 20, 21, 21, 21, 22, 22, 22, 23, 23, 23, 24, 24, 24, 25, 25, 25, 26, 26, 26, 27, 27, 27, 28, 28, 28, 29, 29, 29, 30, 30, 30, 31, 31, 31, 32, 32, 32, 33, 33, 33, 34, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 40, 40, 40, 41, 41, 41, 42, 42, 42, 43, 43, 43, 44, 44, 44, 45, 45, 45, 46, 46, 46, 47, 47, 47, 48, 48, 48, 49, 49, 49], nodes_nodeids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 22, 22, 23, 23, 24, 24, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 30, 30, 31, 31, 32, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37, 38, 38, 39, 39, 40, 40, 41, 41, 42, 42, 43, 43, 44, 44, 45, 45, 46, 46, 47, 47, 48, 48, 49, 49], leaf_nodeids: vec![1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08, 0.1, 1.0e+08]), n_targets: 1, ..Default::default() };
    let x1 = [0.0, 1.0];
    reg(&a0, 1, &x1, &[4.9999976, 4.9999985e+09]);
    reg(&LegacyAttrs { double_precision: true, ..a0.clone() }, 1, &x1, &[5.0, 5.0e+09]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.1, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    let x3 = [0.10000000149011613, 0.1, 0.10000000149011612];
    reg(&LegacyAttrs { double_precision: true, ..a2.clone() }, 1, &x3, &[20.0, 10.0, 10.0]);
    let x4 = [0.10000000149011612, 0.10000000894069672];
    reg(&a2, 1, &x4, &[10.0, 20.0]);
}

#[test]
fn ort_reg_eq_chains() {
    // ORT fuses BRANCH_EQ chains with integer thresholds in [1, 32] and keeps the first missing-value flag
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    let x1 = [1.0, 3.0, 4.0, 2.0, 1.5, NAN, 0.0, -0.0, 32.0, 33.0, 10000000000.0];
    reg(&a0, 1, &x1, &[10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a2, 1, &x1, &[10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a3 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a3, 1, &x1, &[10.0, 10.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a4 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[0.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a4, 1, &x1, &[20.0, 10.0, 10.0, 20.0, 20.0, 20.0, 10.0, 10.0, 20.0, 20.0, 20.0]);
    let a5 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[0.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a5, 1, &x1, &[20.0, 10.0, 10.0, 20.0, 20.0, 10.0, 10.0, 10.0, 20.0, 20.0, 20.0]);
    let a6 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[0.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a6, 1, &x1, &[20.0, 10.0, 10.0, 20.0, 20.0, 10.0, 10.0, 10.0, 20.0, 20.0, 20.0]);
    let a7 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 32.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a7, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 10.0, 20.0, 20.0]);
    let a8 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 32.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a8, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 10.0, 20.0, 20.0]);
    let a9 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 32.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a9, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0]);
    let a10 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 33.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a10, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 10.0, 20.0]);
    let a11 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 33.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a11, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 10.0, 20.0]);
    let a12 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 33.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a12, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 10.0, 20.0]);
    let a13 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 2.5, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a13, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a14 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 2.5, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a14, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a15 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 2.5, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a15, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a16 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[-1.0, 1.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a16, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a17 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[-1.0, 1.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a17, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a18 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[-1.0, 1.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a18, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
    let a19 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 1.0e+10, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a19, 1, &x1, &[10.0, 10.0, 20.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 10.0]);
    let a20 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 1.0e+10, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a20, 1, &x1, &[10.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 10.0]);
    let a21 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 1.0e+10, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a21, 1, &x1, &[10.0, 10.0, 20.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 10.0]);
    let a22 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[0.0, 30.0, 31.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a22, 1, &x1, &[20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 10.0, 10.0, 20.0, 20.0, 20.0]);
    let a23 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[0.0, 30.0, 31.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a23, 1, &x1, &[20.0, 20.0, 20.0, 20.0, 20.0, 10.0, 10.0, 10.0, 20.0, 20.0, 20.0]);
    let a24 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 3, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[0.0, 30.0, 31.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a24, 1, &x1, &[20.0, 20.0, 20.0, 20.0, 20.0, 10.0, 10.0, 10.0, 20.0, 20.0, 20.0]);
    let a25 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![3, 4, 3, 0, 0], nodes_falsenodeids: vec![1, 2, 4, 0, 0], nodes_values: w(&[1.0, 3.0, 4.0, 0.0, 0.0]), nodes_modes: ml(&["EQ", "EQ", "EQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg(&a25, 1, &x1, &[10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0]);
}

#[test]
fn ort_reg_empty() {
    // no nodes at all
    // ORT 1.31.1: n_targets=2 -> [0, 0]; n_targets=1 with base 1 -> [1]
    reg(&LegacyAttrs { n_targets: 2, base_values: vec![1.0, 2.0], ..Default::default() }, 1, &[0.0, 1.0], &[0.0, 0.0, 0.0, 0.0]);
    reg(&LegacyAttrs { n_targets: 1, base_values: vec![1.0], ..Default::default() }, 1, &[0.0, 1.0], &[1.0, 1.0]);
}

#[test]
fn ort_reg_errors() {
    // models ORT 1.31.1 rejects
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 5], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![5, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 5], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a0, 1);
    let a1 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![-1, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a1, 1);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![0, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a2, 1);
    let a3 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 7], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a3, 1);
    let a4 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 3], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a4, 1);
    let a5 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&LegacyAttrs { base_values: w(&[1.0, 2.0]), ..a5.clone() }, 1);
    let a6 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 1], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a6, 1);
    let a7 = LegacyAttrs { nodes_treeids: vec![0, 0, 1], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 1], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a7, 1);
    let a8 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0]), n_targets: 1, ..Default::default() };
    reg_err(&a8, 1);
    let a9 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a9, 1);
    let a10 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 33.0, 44.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 0, ..Default::default() };
    reg_err(&a10, 1);
    let a11 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3, 4], nodes_featureids: vec![0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 3, 4, 0, 0], nodes_falsenodeids: vec![2, 4, 3, 0, 0], nodes_values: w(&[0.5, 0.2, 0.8, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![3, 4], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a11, 1);
    let a12 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0], nodes_nodeids: vec![0, 1, 2, 3], nodes_featureids: vec![0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 0], nodes_falsenodeids: vec![2, 3, 0, 0], nodes_values: w(&[0.5, 0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![2, 3], leaf_targetids: vec![0, 0], leaf_weights: w(&[10.0, 20.0]), n_targets: 1, ..Default::default() };
    reg_err(&a12, 1);
}

#[test]
fn ort_clf_binary_one_class_mixed() {
    // one class id, mixed-sign weights (GradientBoosting / LightGBM binary form); unwritten PROBIT column skipped
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0], leaf_weights: w(&[-0.3, 0.2, -0.1, 0.4]), ..Default::default() };
    let x1 = [0.0, 1.0];
    clf(&LegacyAttrs { post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[0.4, -0.4, -0.6, 0.6], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.59868765, 0.40131235, 0.3543437, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[0.4, -0.4, -0.6, 0.6], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::SoftmaxZero, ..a0.clone() }, &[0, 1], 1, &x1, &[0.4, -0.4, -0.6, 0.6], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[NAN, -1e+300, 0.2533535, -1e+300], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[0.15, -0.15, -0.85, 0.85], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.5374298, 0.4625702, 0.2994328, 0.7005672], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[0.15, -0.15, -0.85, 0.85], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[0, 1], 1, &x1, &[0.15, -0.15, -0.85, 0.85], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[NAN, -1e+300, 1.0366136, -1e+300], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[0.099999994, 0.0, 1.1, 0.0], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.5249792, 0.5, 0.7502601, 0.5], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[0.5249792, 0.47502083, 0.7502601, 0.24973989], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[0, 1], 1, &x1, &[1.0, 0.0, 1.0, 0.0], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[-1.2817129, -1e+300, NAN, -1e+300], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[1.9, -1.9, 0.9, -0.9], &[0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.8698916, 0.13010842, 0.7109495, 0.28905052], &[0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[1.9, -1.9, 0.9, -0.9], &[0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[0, 1], 1, &x1, &[1.9, -1.9, 0.9, -0.9], &[0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[NAN, -1e+300, NAN, -1e+300], &[0, 0]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1], nodes_nodeids: vec![0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1], leaf_nodeids: vec![1, 2, 1, 2], leaf_targetids: vec![1, 1, 1, 1], leaf_weights: w(&[-0.3, 0.2, -0.1, 0.4]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, -0.4, 0.0, 0.6], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.40131235, 0.5, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.59868765, 0.40131232, 0.35434368, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::SoftmaxZero, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 1.0, 0.0, 1.0], &[0, 1]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, NAN, -1e+300, 0.2533535], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, -0.4, 0.0, 0.6], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.40131235, 0.5, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.59868765, 0.40131232, 0.35434368, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::SoftmaxZero, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 1.0, 0.0, 1.0], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, NAN, -1e+300, 0.2533535], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 0.25, 0.0, 0.25], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.5621765, 0.5, 0.5621765], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.4378235, 0.5621765, 0.4378235, 0.5621765], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::SoftmaxZero, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 1.0, 0.0, 1.0], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, -0.6745743, -1e+300, -0.6745743], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, -0.4, 0.0, 0.6], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.40131235, 0.5, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.59868765, 0.40131232, 0.35434368, 0.6456563], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::SoftmaxZero, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 1.0, 0.0, 1.0], &[0, 1]);
    clf(&LegacyAttrs { base_values: w(&[-1.5]), post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, NAN, -1e+300, 0.2533535], &[0, 1]);
}

#[test]
fn ort_clf_binary_one_class_positive() {
    // one class id, non-negative weights (random forest binary form)
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.7, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1, 2, 2], leaf_nodeids: vec![1, 2, 1, 2, 1, 2], leaf_targetids: vec![0, 0, 0, 0, 0, 0], leaf_weights: w(&[0.3, 0.2, 0.1, 0.4, 0.0, 0.1]), ..Default::default() };
    let x1 = [0.0, 0.6000000238418579, 1.0];
    clf(&LegacyAttrs { post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[0.6, 0.4, 0.39999998, 0.6, 0.29999995, 0.70000005], &[0, 1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.40131235, 0.59868765, 0.3543437, 0.6456563, 0.3318122, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[0.6, 0.4, 0.39999998, 0.6, 0.29999995, 0.70000005], &[0, 1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[-0.2533535, -1e+300, 0.2533535, -1e+300, 0.5244459, -1e+300], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[0.35000002, 0.65, 0.14999998, 0.85, 0.049999952, 0.95000005], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.34298956, 0.65701044, 0.2994328, 0.7005672, 0.27888483, 0.7211152], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[0.35000002, 0.65, 0.14999998, 0.85, 0.049999952, 0.95000005], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[0.38534024, -1e+300, 1.0366136, -1e+300, 1.6446701, -1e+300], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[0.9, 0.0, 1.1, 0.0, 1.2, 0.0], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.7109495, 0.5, 0.7502601, 0.5, 0.7685248, 0.5], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[0.7109495, 0.2890505, 0.7502601, 0.24973989, 0.7685248, 0.2314752], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[1.2817129, -1e+300, NAN, -1e+300, NAN, -1e+300], &[1, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::None, ..a0.clone() }, &[0, 1], 1, &x1, &[1.3, -0.29999998, 1.0999999, -0.099999964, 0.99999994, 5.9604645e-08], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 1, &x1, &[0.5744425, 0.4255575, 0.5249792, 0.47502083, 0.5, 0.5], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::Softmax, ..a0.clone() }, &[0, 1], 1, &x1, &[1.3, -0.29999998, 1.0999999, -0.099999964, 0.99999994, 5.9604645e-08], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::Probit, ..a0.clone() }, &[0, 1], 1, &x1, &[NAN, -1e+300, NAN, -1e+300, -5.2911916, -1e+300], &[0, 0, 0]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.7, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 1, 1, 2, 2], leaf_nodeids: vec![1, 2, 1, 2, 1, 2], leaf_targetids: vec![1, 1, 1, 1, 1, 1], leaf_weights: w(&[0.3, 0.2, 0.1, 0.4, 0.0, 0.1]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 0.4, 0.0, 0.6, 0.0, 0.70000005], &[0, 1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.59868765, 0.5, 0.6456563, 0.5, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.40131232, 0.59868765, 0.35434368, 0.6456563, 0.33181223, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, -0.2533535, -1e+300, 0.2533535, -1e+300, 0.5244459], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 0.4, 0.0, 0.6, 0.0, 0.70000005], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.59868765, 0.5, 0.6456563, 0.5, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.40131232, 0.59868765, 0.35434368, 0.6456563, 0.33181223, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, -0.2533535, -1e+300, 0.2533535, -1e+300, 0.5244459], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 0.25, 0.0, 0.25, 0.0, 0.25], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.5621765, 0.5, 0.5621765, 0.5, 0.5621765], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.4378235, 0.5621765, 0.4378235, 0.5621765, 0.4378235, 0.5621765], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, -0.6745743, -1e+300, -0.6745743, -1e+300, -0.6745743], &[0, 0, 0]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::None, ..a2.clone() }, &[0, 1], 1, &x1, &[0.0, 0.4, 0.0, 0.6, 0.0, 0.70000005], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::Logistic, ..a2.clone() }, &[0, 1], 1, &x1, &[0.5, 0.59868765, 0.5, 0.6456563, 0.5, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::Softmax, ..a2.clone() }, &[0, 1], 1, &x1, &[0.40131232, 0.59868765, 0.35434368, 0.6456563, 0.33181223, 0.6681878], &[0, 1, 1]);
    clf(&LegacyAttrs { base_values: w(&[-0.7]), post_transform: PT::Probit, ..a2.clone() }, &[0, 1], 1, &x1, &[-1e+300, -0.2533535, -1e+300, 0.2533535, -1e+300, 0.5244459], &[0, 1, 1]);
}

#[test]
fn ort_clf_binary_two_classes() {
    // both class ids carry weights: ORT returns the literal labels 1/0, not classlabels
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0, 0], leaf_nodeids: vec![1, 1, 2, 2], leaf_targetids: vec![0, 1, 0, 1], leaf_weights: w(&[0.3, 0.7, 0.8, 0.2]), ..Default::default() };
    let x1 = [0.0, 1.0];
    clf(&LegacyAttrs { post_transform: PT::None, ..a0.clone() }, &[5, 7], 1, &x1, &[0.3, 0.7, 0.8, 0.2], &[1, 1]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0], leaf_nodeids: vec![1, 1, 2], leaf_targetids: vec![0, 1, 0], leaf_weights: w(&[0.3, 0.7, -0.8]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::None, ..a2.clone() }, &[5, 7], 1, &x1, &[0.3, 0.7, 0.8, -0.8], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a0.clone() }, &[5, 7], 1, &x1, &[0.5744425, 0.66818774, 0.6899745, 0.54983395], &[1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a2.clone() }, &[5, 7], 1, &x1, &[0.5744425, 0.66818774, 0.6899745, 0.3100255], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a0.clone() }, &[5, 7], 1, &x1, &[0.40131232, 0.59868765, 0.6456563, 0.35434368], &[1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a2.clone() }, &[5, 7], 1, &x1, &[0.40131232, 0.59868765, 0.8, -0.8], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::SoftmaxZero, ..a0.clone() }, &[5, 7], 1, &x1, &[0.40131232, 0.59868765, 0.6456563, 0.35434368], &[1, 1]);
    clf(&LegacyAttrs { post_transform: PT::SoftmaxZero, ..a2.clone() }, &[5, 7], 1, &x1, &[0.40131232, 0.59868765, 0.8, -0.8], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a0.clone() }, &[5, 7], 1, &x1, &[-0.5244459, 0.5244459, 0.8417561, -0.8417561], &[1, 1]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a2.clone() }, &[5, 7], 1, &x1, &[-0.5244459, -1e+300, NAN, -1e+300], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::None, ..a0.clone() }, &[5, 7], 1, &x1, &[0.55, 0.7, 1.05, 0.2], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::None, ..a2.clone() }, &[5, 7], 1, &x1, &[0.55, -1e+300, -0.55, -1e+300], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Logistic, ..a0.clone() }, &[5, 7], 1, &x1, &[0.6341356, 0.66818774, 0.74077487, 0.54983395], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Logistic, ..a2.clone() }, &[5, 7], 1, &x1, &[0.6341356, -1e+300, -0.55, -1e+300], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Softmax, ..a0.clone() }, &[5, 7], 1, &x1, &[0.46257016, 0.5374298, 0.7005672, 0.29943287], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Softmax, ..a2.clone() }, &[5, 7], 1, &x1, &[0.46257016, -1e+300, -0.55, -1e+300], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[5, 7], 1, &x1, &[0.46257016, 0.5374298, 0.7005672, 0.29943287], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::SoftmaxZero, ..a2.clone() }, &[5, 7], 1, &x1, &[0.46257016, -1e+300, -0.55, -1e+300], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Probit, ..a0.clone() }, &[5, 7], 1, &x1, &[0.12566201, 0.5244459, NAN, -0.8417561], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.25]), post_transform: PT::Probit, ..a2.clone() }, &[5, 7], 1, &x1, &[0.12566201, -1e+300, NAN, -1e+300], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::None, ..a0.clone() }, &[5, 7], 1, &x1, &[-0.55, 0.55, -1.05, 1.05], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::None, ..a2.clone() }, &[5, 7], 1, &x1, &[-0.55, 0.55, -0.3, 0.0], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Logistic, ..a0.clone() }, &[5, 7], 1, &x1, &[0.3658644, 0.6341356, 0.25922513, 0.74077487], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Logistic, ..a2.clone() }, &[5, 7], 1, &x1, &[0.3658644, 0.6341356, 0.4255575, 0.5], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Softmax, ..a0.clone() }, &[5, 7], 1, &x1, &[0.24973989, 0.7502601, 0.10909683, 0.8909032], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Softmax, ..a2.clone() }, &[5, 7], 1, &x1, &[0.24973989, 0.7502601, 0.42555746, 0.5744425], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[5, 7], 1, &x1, &[0.24973989, 0.7502601, 0.10909683, 0.8909032], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::SoftmaxZero, ..a2.clone() }, &[5, 7], 1, &x1, &[0.24973989, 0.7502601, 1.0, 0.0], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Probit, ..a0.clone() }, &[5, 7], 1, &x1, &[NAN, 0.12566201, NAN, NAN], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 0.25]), post_transform: PT::Probit, ..a2.clone() }, &[5, 7], 1, &x1, &[NAN, 0.12566201, NAN, -1e+300], &[1, 0]);
    let a3 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[-0.3, 0.2]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a3.clone() }, &[0, 1], 1, &x1, &[0.5744425, 0.4255575, 0.45016605, 0.54983395], &[0, 1]);
}

#[test]
fn ort_clf_multiclass() {
    // three classes: base values, ties (first max), unscored classes, all post-transforms
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 1, 1, 1, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2], nodes_featureids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0], nodes_truenodeids: vec![1, 0, 0, 1, 0, 0, 1, 0, 0], nodes_falsenodeids: vec![2, 0, 0, 2, 0, 0, 2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.2, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0, 1, 1, 2, 2], leaf_nodeids: vec![1, 1, 2, 1, 2, 1, 2], leaf_targetids: vec![0, 1, 2, 1, 0, 2, 1], leaf_weights: w(&[0.5, 0.5, 0.3, 0.1, 0.3, -0.05, 0.0]), ..Default::default() };
    let x1 = [0.0, 0.30000001192092896, 1.0];
    clf(&LegacyAttrs { post_transform: PT::None, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.5, 0.6, -0.05, 0.5, 0.6, 0.0, 0.3, 0.0, 0.3], &[20, 20, 10]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.62245935, 0.6456563, 0.48750263, 0.62245935, 0.6456563, 0.5, 0.5744425, 0.5, 0.5744425], &[20, 20, 10]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.37283927, 0.41205114, 0.21510954, 0.36877212, 0.40755624, 0.2236716, 0.36485454, 0.27029088, 0.36485454], &[20, 20, 10]);
    clf(&LegacyAttrs { post_transform: PT::SoftmaxZero, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.37283927, 0.41205114, 0.21510954, 0.4750208, 0.5249792, 0.0, 0.5, 0.0, 0.5], &[20, 20, 10]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.0, 0.2533535, NAN, 0.0, 0.2533535, -1e+300, -0.5244459, -1e+300, -0.5244459], &[20, 20, 10]);
    clf(&LegacyAttrs { base_values: w(&[0.0, 0.0, 0.0]), post_transform: PT::None, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.5, 0.6, -0.05, 0.5, 0.6, 0.0, 0.3, 0.0, 0.3], &[20, 20, 10]);
    clf(&LegacyAttrs { base_values: w(&[0.0, 0.0, 0.0]), post_transform: PT::Logistic, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.62245935, 0.6456563, 0.48750263, 0.62245935, 0.6456563, 0.5, 0.5744425, 0.5, 0.5744425], &[20, 20, 10]);
    clf(&LegacyAttrs { base_values: w(&[0.0, 0.0, 0.0]), post_transform: PT::Softmax, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.37283927, 0.41205114, 0.21510954, 0.36877212, 0.40755624, 0.2236716, 0.36485454, 0.27029088, 0.36485454], &[20, 20, 10]);
    clf(&LegacyAttrs { base_values: w(&[0.0, 0.0, 0.0]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.37283927, 0.41205114, 0.21510954, 0.4750208, 0.5249792, 0.0, 0.5, 0.0, 0.5], &[20, 20, 10]);
    clf(&LegacyAttrs { base_values: w(&[0.0, 0.0, 0.0]), post_transform: PT::Probit, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.0, 0.2533535, NAN, 0.0, 0.2533535, -1e+300, -0.5244459, -1e+300, -0.5244459], &[20, 20, 10]);
    clf(&LegacyAttrs { base_values: w(&[0.1, -0.2, 0.3]), post_transform: PT::None, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.6, 0.40000004, 0.25, 0.6, 0.40000004, 0.3, 0.4, -0.2, 0.6], &[10, 10, 30]);
    clf(&LegacyAttrs { base_values: w(&[0.1, -0.2, 0.3]), post_transform: PT::Logistic, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.6456563, 0.59868765, 0.5621765, 0.6456563, 0.59868765, 0.5744425, 0.59868765, 0.45016605, 0.6456563], &[10, 10, 30]);
    clf(&LegacyAttrs { base_values: w(&[0.1, -0.2, 0.3]), post_transform: PT::Softmax, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.39628774, 0.32445297, 0.27925926, 0.3906938, 0.31987303, 0.2894331, 0.36098287, 0.19811161, 0.44090548], &[10, 10, 30]);
    clf(&LegacyAttrs { base_values: w(&[0.1, -0.2, 0.3]), post_transform: PT::SoftmaxZero, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.39628774, 0.32445297, 0.27925926, 0.3906938, 0.31987303, 0.2894331, 0.36098287, 0.19811161, 0.44090548], &[10, 10, 30]);
    clf(&LegacyAttrs { base_values: w(&[0.1, -0.2, 0.3]), post_transform: PT::Probit, ..a0.clone() }, &[10, 20, 30], 1, &x1, &[0.2533535, -0.2533535, -0.6745743, 0.2533535, -0.2533535, -0.5244459, -0.2533535, NAN, 0.2533535], &[10, 10, 30]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0, 0], leaf_nodeids: vec![1, 1, 2, 2], leaf_targetids: vec![0, 1, 2, 1], leaf_weights: w(&[0.5, 0.5, 0.3, 0.3]), ..Default::default() };
    let x3 = [0.0, 1.0];
    clf(&a2, &[10, 20, 30], 1, &x3, &[0.5, 0.5, 0.0, 0.0, 0.3, 0.3], &[10, 20]);
    let a4 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0, 0], leaf_nodeids: vec![1, 1, 2, 2], leaf_targetids: vec![1, 2, 2, 1], leaf_weights: w(&[0.0, 0.0, -0.3, -0.3]), ..Default::default() };
    clf(&a4, &[10, 20, 30], 1, &x3, &[0.0, 0.0, 0.0, 0.0, -0.3, -0.3], &[20, 20]);
    let a5 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0], leaf_nodeids: vec![1, 1, 2], leaf_targetids: vec![0, 1, 2], leaf_weights: w(&[f32::NAN, -0.2, -0.3]), ..Default::default() };
    clf(&a5, &[10, 20, 30], 1, &x3, &[NAN, -0.2, 0.0, 0.0, 0.0, -0.3], &[10, 30]);
    let a6 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0, 0, 0], leaf_nodeids: vec![1, 1, 2, 2], leaf_targetids: vec![0, 1, 2, 3], leaf_weights: w(&[0.5, 0.5, 0.3, 0.3]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a6.clone() }, &[0, 1, 2, 3], 1, &x3, &[0.31122968, 0.31122968, 0.18877034, 0.18877034, 0.21277873, 0.21277873, 0.28722125, 0.28722125], &[0, 2]);
}

#[test]
fn ort_clf_one_class() {
    // a single class label: literal 1/0 labels, one score column
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 0], leaf_weights: w(&[0.3, -0.7]), ..Default::default() };
    let x1 = [0.0, 1.0];
    clf(&LegacyAttrs { post_transform: PT::None, ..a0.clone() }, &[10], 1, &x1, &[0.3, -0.7], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a0.clone() }, &[10], 1, &x1, &[0.3, -0.7], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::Probit, ..a0.clone() }, &[10], 1, &x1, &[-0.5244459, NAN], &[1, 0]);
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a0.clone() }, &[10], 1, &x1, &[0.3, -0.7], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5]), post_transform: PT::None, ..a0.clone() }, &[10], 1, &x1, &[0.8, -0.19999999], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5]), post_transform: PT::Logistic, ..a0.clone() }, &[10], 1, &x1, &[0.8, -0.19999999], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5]), post_transform: PT::Probit, ..a0.clone() }, &[10], 1, &x1, &[0.8417561, NAN], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5]), post_transform: PT::Softmax, ..a0.clone() }, &[10], 1, &x1, &[0.8, -0.19999999], &[1, 0]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 1.0]), post_transform: PT::None, ..a0.clone() }, &[10], 1, &x1, &[-1.3, -0.3], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 1.0]), post_transform: PT::Logistic, ..a0.clone() }, &[10], 1, &x1, &[0.21416497, 0.4255575], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 1.0]), post_transform: PT::Probit, ..a0.clone() }, &[10], 1, &x1, &[NAN, NAN], &[1, 1]);
    clf(&LegacyAttrs { base_values: w(&[0.5, 1.0]), post_transform: PT::Softmax, ..a0.clone() }, &[10], 1, &x1, &[0.06913843, 0.35434368], &[1, 1]);
}

#[test]
fn ort_clf_errors() {
    // classifier models ORT 1.31.1 rejects
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 3], leaf_weights: w(&[0.3, -0.7]), ..Default::default() };
    clf_err(&a0, &[10, 20, 30], 1);
    let a1 = LegacyAttrs { nodes_treeids: vec![0, 0, 0], nodes_nodeids: vec![0, 1, 2], nodes_featureids: vec![0, 0, 0], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![2, 0, 0], nodes_values: w(&[0.5, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]), leaf_treeids: vec![0, 0], leaf_nodeids: vec![1, 2], leaf_targetids: vec![0, 1], leaf_weights: w(&[0.3, -0.7]), ..Default::default() };
    clf_err(&LegacyAttrs { base_values: w(&[1.0, 2.0]), ..a1.clone() }, &[10, 20, 30], 1);
    clf_err(&LegacyAttrs { base_values: w(&[1.0, 2.0, 3.0]), ..a1.clone() }, &[10, 20], 1);
}

#[test]
fn ort_v5_membership() {
    // BRANCH_MEMBER: small sets are exact, big sets test the input truncated to i32 (x86 rules)
    let a0 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    let x1 = [0.0, 0.0, 1.0, 1.0, 1.0, 3.0, 1.0, 2.0, 1.0, 1.5, 1.0, NAN, NAN, 1.0];
    v5(&a0, 2, &x1, &[1.0, 10.0, 10.0, 100.0, 100.0, 100.0, 10.0]);
    let a2 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a2, 2, &x1, &[1.0, 10.0, 10.0, 100.0, 100.0, 10.0, 10.0]);
    v5(&V5Attrs { double_precision: true, ..a0.clone() }, 2, &x1, &[1.0, 10.0, 10.0, 100.0, 100.0, 100.0, 10.0]);
    let a3 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    let x4 = [1.0, 0.0, 1.0, 2.0, 1.0, 2.5, 1.0, 39.0, 1.0, 39.5, 1.0, 40.0, 1.0, -1.0, 1.0, -0.9900000095367432, 1.0, NAN, 1.0, 10000000000.0, 1.0, -10000000000.0, 1.0, INF, 1.0, 2147483648.0, 1.0, 4294967296.0];
    v5(&a3, 2, &x4, &[10.0, 10.0, 10.0, 10.0, 10.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a5 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a5, 2, &x4, &[10.0, 10.0, 10.0, 10.0, 10.0, 100.0, 100.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a6 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![2.5, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a6, 2, &x4, &[100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a7 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![2.5, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a7, 2, &x4, &[100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a8 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![100.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a8, 2, &x4, &[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a9 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![100.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a9, 2, &x4, &[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a10 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![-1.0, 0.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a10, 2, &x4, &[10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a11 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![-1.0, 0.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a11, 2, &x4, &[10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a12 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 30.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a12, 2, &x4, &[10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a13 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 30.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a13, 2, &x4, &[10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a14 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a14, 2, &x4, &[10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a15 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a15, 2, &x4, &[10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a16 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a16, 2, &x4, &[10.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a17 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a17, 2, &x4, &[10.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a18 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![-2147483648.0, 1.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a18, 2, &x4, &[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]);
    let a19 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![-2147483648.0, 1.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a19, 2, &x4, &[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]);
    let a20 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![3.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a20, 2, &x4, &[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a21 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![3.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_missing_value_tracks_true: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a21, 2, &x4, &[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let x22 = [1.0, 0.0, 1.0, 2.0, 1.0, 2.5, 1.0, 39.0, 1.0, 39.5, 1.0, 40.0, 1.0, -1.0, 1.0, -0.99, 1.0, NAN, 1.0, 10000000000.0, 1.0, -10000000000.0, 1.0, INF, 1.0, 2147483648.0, 1.0, 4294967298.0];
    v5(&V5Attrs { double_precision: true, ..a3.clone() }, 2, &x22, &[10.0, 10.0, 10.0, 10.0, 10.0, 100.0, 100.0, 10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]);
    let a23 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![2147483647.0, 5.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    let x24 = [1.0, 2147483647.0, 1.0, 2147483647.5, 1.0, 5.5, 1.0, NAN];
    v5(&V5Attrs { double_precision: true, ..a23.clone() }, 2, &x24, &[10.0, 10.0, 10.0, 100.0]);
    let a25 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.0, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 2.0, NAN, 5.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[6, 6]), n_targets: 1, ..Default::default() };
    let x26 = [1.0, 0.0, 2.0, 5.0, 3.0, 5.0, 3.0, 4.0];
    v5(&a25, 2, &x26, &[1.0, 1.0, 10.0, 100.0]);
    let a27 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.0, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 2.0, NAN, 5.0, NAN, 7.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[6, 6]), n_targets: 1, ..Default::default() };
    v5(&a27, 2, &x26, &[1.0, 1.0, 10.0, 100.0]);
}

#[test]
fn ort_v5_aggregates_transforms() {
    // post_transform codes as ORT maps them (1 = LOGISTIC, 2 = SOFTMAX)
    let a0 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 1, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 2, ..Default::default() };
    let x1 = [0.0, 0.0, 1.0, 1.0, 1.0, 2.0];
    v5(&a0, 2, &x1, &[1.0, 0.0, 0.0, 10.0, 100.0, 0.0]);
    let a2 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![0.1, 0.3, 0.9], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&a2, 2, &x1, &[0.1, 0.3, 0.9]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(1).unwrap(), ..a0.clone() }, 2, &x1, &[0.7310586, 0.5, 0.5, 0.9999546, 1.0, 0.5]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(1).unwrap(), ..a2.clone() }, 2, &x1, &[0.1, 0.3, 0.9]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(2).unwrap(), ..a0.clone() }, 2, &x1, &[0.7310586, 0.26894143, 4.539787e-05, 0.9999546, 1.0, 3.8e-44]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(2).unwrap(), ..a2.clone() }, 2, &x1, &[0.1, 0.3, 0.9]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(3).unwrap(), ..a0.clone() }, 2, &x1, &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(3).unwrap(), ..a2.clone() }, 2, &x1, &[0.1, 0.3, 0.9]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(4).unwrap(), ..a0.clone() }, 2, &x1, &[INF, -1e+300, -1e+300, NAN, NAN, -1e+300]);
    v5(&V5Attrs { post_transform: PT::from_v5_ort(4).unwrap(), ..a2.clone() }, 2, &x1, &[-1.2817129, -0.5244459, 1.2817129]);
    let a3 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&V5Attrs { aggregate: Aggregate::from_v5(0).unwrap(), ..a3.clone() }, 2, &x1, &[50.5, 10.0, 100.0]);
    let a4 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![2, 0, 2], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 3, ..Default::default() };
    v5(&V5Attrs { aggregate: Aggregate::from_v5(0).unwrap(), ..a4.clone() }, 2, &x1, &[0.0, 0.0, 50.5, 10.0, 0.0, 0.0, 0.0, 0.0, 100.0]);
    let a5 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![0.1, 1e-09, 3.3], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5(&V5Attrs { double_precision: true, aggregate: Aggregate::from_v5(0).unwrap(), ..a5.clone() }, 2, &x1, &[1.7, 1e-09, 3.3]);
    v5(&a3, 2, &x1, &[101.0, 20.0, 200.0]);
    v5(&a4, 2, &x1, &[0.0, 0.0, 101.0, 20.0, 0.0, 0.0, 0.0, 0.0, 200.0]);
    v5(&V5Attrs { double_precision: true, ..a5.clone() }, 2, &x1, &[3.4, 2e-09, 6.6]);
    v5(&V5Attrs { aggregate: Aggregate::from_v5(2).unwrap(), ..a3.clone() }, 2, &x1, &[1.0, 10.0, 100.0]);
    v5(&V5Attrs { aggregate: Aggregate::from_v5(2).unwrap(), ..a4.clone() }, 2, &x1, &[0.0, 0.0, 1.0, 10.0, 0.0, 0.0, 0.0, 0.0, 100.0]);
    v5(&V5Attrs { double_precision: true, aggregate: Aggregate::from_v5(2).unwrap(), ..a5.clone() }, 2, &x1, &[0.1, 1e-09, 3.3]);
    v5(&V5Attrs { aggregate: Aggregate::from_v5(3).unwrap(), ..a3.clone() }, 2, &x1, &[100.0, 10.0, 100.0]);
    v5(&V5Attrs { aggregate: Aggregate::from_v5(3).unwrap(), ..a4.clone() }, 2, &x1, &[0.0, 0.0, 100.0, 10.0, 0.0, 0.0, 0.0, 0.0, 100.0]);
    v5(&V5Attrs { double_precision: true, aggregate: Aggregate::from_v5(3).unwrap(), ..a5.clone() }, 2, &x1, &[3.3, 1e-09, 3.3]);
}

#[test]
fn ort_v5_structure() {
    // single-leaf roots, shared roots and leaves, modes
    let a0 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0], nodes_truenodeids: vec![1], nodes_falsenodeids: vec![1], leaf_targetids: vec![0, 0], nodes_splits: vec![0.5], leaf_weights: vec![7.0, 9.0], nodes_trueleafs: bits(&[1]), nodes_falseleafs: bits(&[1]), nodes_modes: m5(&[0]), n_targets: 1, ..Default::default() };
    let x1 = [0.0, 1.0];
    v5(&a0, 1, &x1, &[9.0, 9.0]);
    let a2 = V5Attrs { tree_roots: vec![0, 0, 1], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![1, 0], nodes_falsenodeids: vec![0, 1], leaf_targetids: vec![0, 0], nodes_splits: vec![0.5, 0.5], leaf_weights: vec![7.0, 9.0], nodes_trueleafs: bits(&[0, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_modes: m5(&[0, 0]), n_targets: 1, ..Default::default() };
    let x3 = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    v5(&a2, 2, &x3, &[21.0, 23.0, 27.0]);
    let a4 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[0, 0]), nodes_modes: m5(&[0, 0]), n_targets: 1, ..Default::default() };
    let x5 = [0.0, 0.5, 1.0, NAN];
    v5(&a4, 1, &x5, &[21.0, 21.0, 22.0, 22.0]);
    let a6 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[1, 1]), nodes_modes: m5(&[0, 0]), n_targets: 1, ..Default::default() };
    v5(&a6, 1, &x5, &[21.0, 21.0, 22.0, 11.0]);
    let a7 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[0, 0]), nodes_modes: m5(&[1, 1]), n_targets: 1, ..Default::default() };
    v5(&a7, 1, &x5, &[21.0, 22.0, 22.0, 22.0]);
    let a8 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[1, 1]), nodes_modes: m5(&[1, 1]), n_targets: 1, ..Default::default() };
    v5(&a8, 1, &x5, &[21.0, 22.0, 22.0, 11.0]);
    let a9 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[0, 0]), nodes_modes: m5(&[2, 2]), n_targets: 1, ..Default::default() };
    v5(&a9, 1, &x5, &[22.0, 21.0, 21.0, 22.0]);
    let a10 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[1, 1]), nodes_modes: m5(&[2, 2]), n_targets: 1, ..Default::default() };
    v5(&a10, 1, &x5, &[22.0, 21.0, 21.0, 11.0]);
    let a11 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[0, 0]), nodes_modes: m5(&[3, 3]), n_targets: 1, ..Default::default() };
    v5(&a11, 1, &x5, &[22.0, 22.0, 21.0, 22.0]);
    let a12 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[1, 1]), nodes_modes: m5(&[3, 3]), n_targets: 1, ..Default::default() };
    v5(&a12, 1, &x5, &[22.0, 22.0, 21.0, 11.0]);
    let a13 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[0, 0]), nodes_modes: m5(&[4, 4]), n_targets: 1, ..Default::default() };
    v5(&a13, 1, &x5, &[22.0, 21.0, 22.0, 22.0]);
    let a14 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[1, 1]), nodes_modes: m5(&[4, 4]), n_targets: 1, ..Default::default() };
    v5(&a14, 1, &x5, &[22.0, 21.0, 22.0, 11.0]);
    let a15 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[0, 0]), nodes_modes: m5(&[5, 5]), n_targets: 1, ..Default::default() };
    v5(&a15, 1, &x5, &[11.0, 12.0, 11.0, 11.0]);
    let a16 = V5Attrs { tree_roots: vec![0, 1], nodes_featureids: vec![0, 0], nodes_truenodeids: vec![0, 2], nodes_falsenodeids: vec![1, 3], leaf_targetids: vec![0, 0, 0, 0], nodes_splits: vec![0.5, NAN], leaf_weights: vec![1.0, 2.0, 10.0, 20.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[1, 1]), nodes_missing_value_tracks_true: bits(&[1, 1]), nodes_modes: m5(&[5, 5]), n_targets: 1, ..Default::default() };
    v5(&a16, 1, &x5, &[11.0, 12.0, 11.0, 11.0]);
}

#[test]
fn ort_v5_errors() {
    // TreeEnsemble models ORT 1.31.1 rejects
    let a0 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1, 1], nodes_truenodeids: vec![1, 0, 0], nodes_falsenodeids: vec![1, 1, 1], leaf_targetids: vec![0, 0], nodes_splits: vec![0.5, 0.5, 0.7], leaf_weights: vec![7.0, 9.0], nodes_trueleafs: bits(&[0, 1, 1]), nodes_falseleafs: bits(&[0, 1, 1]), nodes_modes: m5(&[0, 0, 0]), n_targets: 1, ..Default::default() };
    v5_err(&a0, 2);
    let a1 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![1, 0], nodes_falsenodeids: vec![0, 1], leaf_targetids: vec![0, 0], nodes_splits: vec![0.5, 0.5], leaf_weights: vec![7.0, 9.0], nodes_trueleafs: bits(&[0, 0]), nodes_falseleafs: bits(&[1, 1]), nodes_modes: m5(&[0, 0]), n_targets: 1, ..Default::default() };
    v5_err(&a1, 2);
    let a2 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![0.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a2, 2);
    let a3 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a3, 2);
    let a4 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![NAN, 1.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a4, 2);
    let a5 = V5Attrs { tree_roots: vec![3], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a5, 2);
    let a6 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, -1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a6, 2);
    let a7 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 5], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a7, 2);
    let a8 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 1], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 1, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 1]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a8, 2);
    let a9 = V5Attrs { tree_roots: vec![0], nodes_featureids: vec![0, 1], nodes_truenodeids: vec![0, 7], nodes_falsenodeids: vec![1, 2], leaf_targetids: vec![0, 0, 0], nodes_splits: vec![0.5, 0.0], leaf_weights: vec![1.0, 10.0, 100.0], membership_values: vec![1.0, 3.0], nodes_trueleafs: bits(&[1, 0]), nodes_falseleafs: bits(&[0, 1]), nodes_modes: m5(&[0, 6]), n_targets: 1, ..Default::default() };
    v5_err(&a9, 2);
}

#[test]
fn ort_real_models() {
    // scikit-learn / LightGBM models converted by skl2onnx 1.20 / onnxmltools 1.16, scored by ORT 1.31.1
    let a0 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], nodes_featureids: vec![3, 3, 3, 0, 0, 4, 0, 0, 1, 3, 0, 0, 4, 0, 0, 3, 3, 0, 0, 0, 4, 0, 0, 1, 0, 0, 0, 4, 0, 0, 3, 1, 0, 3, 0, 0, 1, 3, 0, 0, 4, 0, 0, 3, 3, 3, 0, 0, 4, 0, 0, 1, 4, 0, 0, 4, 0, 0, 3, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0], nodes_truenodeids: vec![1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 0, 4, 0, 0, 7, 8, 0, 0, 11, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 0, 4, 0, 0, 7, 8, 0, 0, 11, 0, 0], nodes_falsenodeids: vec![8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 6, 3, 0, 5, 0, 0, 10, 9, 0, 0, 12, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 6, 3, 0, 5, 0, 0, 10, 9, 0, 0, 12, 0, 0], nodes_values: w(&[0.34497845, -0.04611487, -3.0535347, 0.0, 0.0, 1.4992836, 0.0, 0.0, -0.25820047, 1.7715709, 0.0, 0.0, 1.1461059, 0.0, 0.0, 0.34497845, -0.04611487, -2.9537783, 0.0, 0.0, 1.4992836, 0.0, 0.0, 0.34692565, 2.2181046, 0.0, 0.0, 1.3122448, 0.0, 0.0, 0.34497845, -1.1969142, 0.0, -3.0535347, 0.0, 0.0, -0.25820047, 1.7715709, 0.0, 0.0, -1.0843197, 0.0, 0.0, 0.34497845, -0.04611487, -3.0535347, 0.0, 0.0, 1.4992836, 0.0, 0.0, -0.25820047, -2.1299052, 0.0, 0.0, 1.1461059, 0.0, 0.0, 0.34497845, -1.1969142, 0.0, 0.44006273, 0.0, 0.0, 2.085139, 0.34692565, 0.0, 0.0, -0.29221076, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4], leaf_nodeids: vec![3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14, 2, 4, 5, 8, 9, 11, 12, 3, 4, 6, 7, 10, 11, 13, 14, 2, 4, 5, 8, 9, 11, 12], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[0.20134228, -0.1945516, -0.13200587, 0.101337835, 0.17720328, -0.016849233, -0.05232753, 0.20134228, 0.18286075, -0.1770616, -0.11945353, 0.09138195, 0.14246383, -0.08664819, -0.14359091, 0.18286075, 0.2303161, 0.1690134, -0.15009147, 0.14890546, -0.014883499, 0.13246755, -0.068182014, 0.15828165, -0.15413876, -0.09839958, 0.097091556, -0.22183415, 0.12997064, -0.050501082, 0.17591733, 0.21421088, -0.14324439, -0.07750749, 0.1132885, -0.0435316, -0.0026454807, -0.17416054]), ..Default::default() };
    let x1 = [1.3962920904159546, 2.0736849308013916, 2.7945051193237305, 0.022020241245627403, 0.9268203973770142, 1.668809175491333, 1.8869338035583496, 3.805164337158203, 0.14232158660888672, 1.8452720642089844, 0.8510273098945618, -0.5472298860549927, -0.8350914716720581, 1.0128649473190308, -1.5045541524887085, 0.0006489114020951092, NAN, 1.825055718421936, -0.3944232761859894, 1.8748531341552734, -0.5161042213439941, 1.4659351110458374, 2.187603712081909, -1.25498628616333, 2.30845308303833, 0.18551257252693176, -1.8893418312072754, -0.651705265045166, 0.8706368803977966, -0.15419058501720428, 0.8282337784767151, -0.24517646431922913, 0.3329141438007355, 0.7063791751861572, -0.3246102035045624, 1.3727502822875977, -0.15499038994312286, 1.5845414400100708, 0.9214472770690918, 0.4923188388347626, 0.8480110764503479, -0.6241773366928101, 1.9541854858398438, 0.581874668598175, 1.5742990970611572, 0.4251338839530945, -0.6519709229469299, -1.3963782787322998, 0.7878314852714539, -1.6741082668304443, NAN, -3.341212749481201, -0.29434752464294434, 1.881494402885437, 0.11093886941671371, 1.1625878810882568, -0.7594273686408997, 2.3284897804260254, 0.8235252499580383, 1.7380344867706299, 1.3210786581039429, 1.885491132736206, -0.37882450222969055, 0.5370208024978638, -2.3946053981781006, 1.1759032011032104, -1.3271358013153076, 0.01251296978443861, 1.3949095010757446, -0.5835738778114319, -0.7381654381752014, 1.2928009033203125, -1.4767380952835083, -0.7857972383499146, -1.416164755821228, 1.1628512144088745, -1.4780737161636353, NAN, 1.4341429471969604, -0.5198103189468384, -0.07896256446838379, 1.6242040395736694, 1.5093145370483398, -0.8365336656570435, 1.0928714275360107, 1.1968421936035156, 0.655274510383606, 1.6481084823608398, 0.5039384961128235, 0.4137582778930664, NAN, NAN, NAN, NAN, NAN];
    clf(&LegacyAttrs { base_values: w(&[-0.013333531]), post_transform: PT::Logistic, ..a0.clone() }, &[0, 1], 5, &x1, &[0.6435467, 0.3564533, 0.48778272, 0.5122173, 0.33214527, 0.6678547, 0.6968667, 0.3031333, 0.6968667, 0.3031333, 0.33214527, 0.6678547, 0.48215556, 0.51784444, 0.48215556, 0.51784444, 0.33214527, 0.6678547, 0.33214527, 0.6678547, 0.5010973, 0.49890268, 0.33214527, 0.6678547, 0.54260075, 0.45739925, 0.33214527, 0.6678547, 0.6968667, 0.3031333, 0.33214527, 0.6678547, 0.6968667, 0.3031333, 0.5918133, 0.40818667, 0.42447138, 0.5755286], &[0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1]);
    let a2 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], nodes_featureids: vec![1, 0, 1, 0, 0, 3, 1, 0, 0, 0, 1, 3, 0, 3, 0, 0, 0, 3, 1, 0, 3, 3, 0, 0, 4, 0, 0, 1, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3, 4, 0, 3, 1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 4, 0, 0, 1, 1, 0, 0, 0, 0, 3, 0, 0, 1, 4, 0, 1, 0, 0, 2, 2, 0, 0, 0], nodes_truenodeids: vec![1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11, 12, 0, 14, 0, 0, 0, 1, 2, 0, 4, 5, 0, 0, 8, 0, 0, 11, 12, 13, 0, 0, 16, 0, 0, 19, 20, 0, 0, 0, 1, 2, 0, 4, 5, 0, 0, 8, 0, 0, 11, 12, 13, 0, 0, 16, 0, 0, 19, 20, 0, 0, 0, 1, 2, 0, 0, 5, 6, 0, 8, 0, 0, 11, 12, 0, 0, 0], nodes_falsenodeids: vec![10, 5, 4, 0, 0, 9, 8, 0, 0, 0, 16, 13, 0, 15, 0, 0, 0, 10, 3, 0, 7, 6, 0, 0, 9, 0, 0, 18, 15, 14, 0, 0, 17, 0, 0, 22, 21, 0, 0, 0, 10, 3, 0, 7, 6, 0, 0, 9, 0, 0, 18, 15, 14, 0, 0, 17, 0, 0, 22, 21, 0, 0, 0, 4, 3, 0, 0, 10, 7, 0, 9, 0, 0, 14, 13, 0, 0, 0], nodes_values: w(&[-0.20978048, -0.39618215, -1.1969142, 0.0, 0.0, 1.962096, -0.30759808, 0.0, 0.0, 0.0, 0.81247425, -0.050717775, 0.0, 1.4973344, 0.0, 0.0, 0.0, 0.32571685, -1.1529391, 0.0, -0.028506963, -2.9312613, 0.0, 0.0, 0.9192328, 0.0, 0.0, 0.039652947, 0.14348592, 2.1427412, 0.0, 0.0, 0.43074515, 0.0, 0.0, 2.0805798, 0.79995584, 0.0, 0.0, 0.0, 0.32448295, 0.31997308, 0.0, -0.047326308, 0.7782944, 0.0, 0.0, 0.7356484, 0.0, 0.0, 2.085139, 0.43846762, -2.6818094, 0.0, 0.0, 1.3788816, 0.0, 0.0, -0.29221076, -1.1089845, 0.0, 0.0, 0.0, -0.25079843, 0.119515486, 0.0, 0.0, 0.04747403, -2.5233471, 0.0, -1.2470877, 0.0, 0.0, 4.0226593, -1.1779239, 0.0, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3], leaf_nodeids: vec![3, 4, 7, 8, 9, 12, 14, 15, 16, 2, 5, 6, 8, 9, 13, 14, 16, 17, 20, 21, 22, 2, 5, 6, 8, 9, 13, 14, 16, 17, 20, 21, 22, 2, 3, 6, 8, 9, 12, 13, 14], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[0.25, 0.0, 0.24130435, 0.17105263, 0.0, 0.0, 0.18243243, 0.0, 0.0, 0.25, 0.25, 0.0, 0.25, 0.04411765, 0.24642856, 0.0, 0.13095239, 0.21825397, 0.2, 0.0, 0.0, 0.0, 0.0625, 0.0, 0.17857143, 0.0, 0.0, 0.23666666, 0.06666667, 0.25, 0.0, 0.25, 0.0, 0.0, 0.25, 0.0, 0.2421875, 0.19705883, 0.16666667, 0.028225806, 0.25]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::None, ..a2.clone() }, &[0, 1], 5, &x1, &[0.92765653, 0.072343454, 0.92765653, 0.072343454, 0.07854164, 0.92145836, 0.9717742, 0.028225806, 1.0, 0.0, 0.033412933, 0.96658707, 0.26426947, 0.7357305, 0.16558814, 0.83441186, 0.106716156, 0.89328384, 0.07854164, 0.92145836, 0.51650816, 0.48349184, 0.106716156, 0.89328384, 0.7051075, 0.2948925, 0.033412933, 0.96658707, 1.0, 0.0, 0.061587512, 0.9384125, 0.9717742, 0.028225806, 0.5226751, 0.4773249, 0.75, 0.25], &[0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0]);
    let a3 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6], nodes_featureids: vec![2, 1, 0, 0, 0, 0, 0, 3, 3, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 3, 3, 0, 0, 1, 0, 0, 1, 3, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 3, 3, 0, 0, 1, 0, 0, 2, 1, 0, 0, 1, 0, 0, 2, 1, 0, 0, 1, 0, 0, 2, 2, 0, 0, 3, 0, 0, 2, 1, 0, 0, 1, 0, 0], nodes_truenodeids: vec![1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 0, 3, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0, 1, 2, 0, 0, 5, 0, 0], nodes_falsenodeids: vec![4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 2, 0, 4, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0, 4, 3, 0, 0, 6, 0, 0], nodes_values: w(&[-1.6337931, 0.47534174, 0.0, 0.0, -0.028381184, 0.0, 0.0, 0.67707044, -0.6720393, 0.0, 0.0, 0.47256747, 0.0, 0.0, 0.48814428, 0.0, -0.00037380867, 0.0, 0.0, -1.6337931, 0.47534174, 0.0, 0.0, -0.028381184, 0.0, 0.0, 0.67707044, -0.6720393, 0.0, 0.0, 0.47256747, 0.0, 0.0, 0.48814428, 0.67298645, 0.0, 0.0, -0.00037380867, 0.0, 0.0, -1.6337931, 0.47534174, 0.0, 0.0, -0.028381184, 0.0, 0.0, 0.67707044, -0.6720393, 0.0, 0.0, 0.47256747, 0.0, 0.0, 2.3549724, 0.55198324, 0.0, 0.0, 0.46845612, 0.0, 0.0, -1.6337931, 0.47534174, 0.0, 0.0, -2.7832968, 0.0, 0.0, 3.2759237, -1.6337931, 0.0, 0.0, -1.651364, 0.0, 0.0, 1.9663274, 0.55198324, 0.0, 0.0, 0.48814428, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11], leaf_nodeids: vec![2, 3, 5, 6, 2, 3, 5, 6, 1, 3, 4, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6, 2, 3, 5, 6], leaf_targetids: vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], leaf_weights: w(&[0.634475, -0.0729927, -0.0050714533, -0.0729927, 0.0500946, -0.15447757, 0.08253494, -0.2777778, -0.07874016, -0.07874016, 0.4347826, 0.32687607, -0.07237592, -0.0041581746, -0.07249901, 0.047358427, -0.11592084, 0.079156406, -0.18757771, -0.07890066, -0.077077754, -0.077496946, 0.2720225, 0.23232953, -0.071822844, -0.003173761, -0.072032616, 0.044640698, -0.09468443, 0.076214485, -0.14912628, -0.0766039, 0.023852276, -0.07676797, 0.1875416, 0.18347885, -0.07127734, 0.20905484, -0.05658111, -0.09092576, 0.030459847, 0.08522043, -0.15001172, -0.07570919, -0.0015640678, -0.07639621, 0.14815879]), ..Default::default() };
    clf(&LegacyAttrs { base_values: w(&[-0.9139313, 1.2573178, -0.34338647]), post_transform: PT::Softmax, ..a3.clone() }, &[0, 1, 2], 5, &x1, &[0.0630722, 0.52061546, 0.4163124, 0.069004215, 0.4755288, 0.455467, 0.056194507, 0.8477104, 0.09609509, 0.071028, 0.5862849, 0.34268713, 0.07096847, 0.7923657, 0.13666588, 0.056194507, 0.8477104, 0.09609509, 0.056194507, 0.8477104, 0.09609509, 0.056194507, 0.8477104, 0.09609509, 0.09123082, 0.75304455, 0.15572463, 0.056194507, 0.8477104, 0.09609509, 0.07206019, 0.83346015, 0.09447971, 0.056198213, 0.84776634, 0.09603542, 0.071028, 0.5862849, 0.34268713, 0.056194507, 0.8477104, 0.09609509, 0.072343275, 0.80771536, 0.119941376, 0.06534692, 0.82300204, 0.11165104, 0.072343275, 0.80771536, 0.119941376, 0.071028, 0.5862849, 0.34268713, 0.07709657, 0.41402227, 0.50888115], &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    let a4 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], nodes_featureids: vec![2, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 2, 2, 0, 0, 0, 3, 0, 0, 4, 1, 0, 0, 0, 1, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0, 3, 1, 0, 0, 2, 0, 0], nodes_truenodeids: vec![1, 2, 3, 0, 0, 0, 7, 8, 0, 0, 11, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 0, 0, 1, 2, 3, 0, 0, 0, 7, 8, 0, 0, 11, 0, 0], nodes_falsenodeids: vec![6, 5, 4, 0, 0, 0, 10, 9, 0, 0, 12, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 10, 0, 0, 6, 5, 4, 0, 0, 0, 10, 9, 0, 0, 12, 0, 0], nodes_values: w(&[-1.6197927, 0.12527998, 0.6768323, 0.0, 0.0, 0.0, 0.78582656, 0.17001088, 0.0, 0.0, 0.4030825, 0.0, 0.0, 2.9371731, -1.6337931, 0.01208603, 0.0, 0.0, 0.54217863, 0.0, 0.0, 2.6553981, 0.26537317, 0.0, 0.0, 0.0, 0.55198324, -1.6302681, -0.04147444, 0.0, 0.0, 0.41564175, 0.0, 0.0, 0.0955737, 0.0, 0.0, -6.138577e-05, -0.3711755, 0.46766263, 0.0, 0.0, 0.0, 0.32448295, 0.53351337, 0.0, 0.0, 3.2759237, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], leaf_nodeids: vec![3, 3, 3, 4, 4, 4, 5, 5, 5, 8, 8, 8, 9, 9, 9, 11, 11, 11, 12, 12, 12, 3, 3, 3, 4, 4, 4, 6, 6, 6, 7, 7, 7, 10, 10, 10, 11, 11, 11, 12, 12, 12, 3, 3, 3, 4, 4, 4, 6, 6, 6, 7, 7, 7, 9, 9, 9, 10, 10, 10, 3, 3, 3, 4, 4, 4, 5, 5, 5, 8, 8, 8, 9, 9, 9, 11, 11, 11, 12, 12, 12], leaf_targetids: vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], leaf_weights: w(&[0.25, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.25, 0.0, 0.016666668, 0.22666667, 0.006666667, 0.0, 0.1056338, 0.14436619, 0.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.16346154, 0.086538464, 0.0, 0.0, 0.25, 0.0, 0.010416667, 0.1796875, 0.059895832, 0.0016891892, 0.24493243, 0.0033783785, 0.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.0, 0.25, 0.0, 0.21296297, 0.037037037, 0.0, 0.0, 0.25, 0.0, 0.08928572, 0.16071428, 0.0, 0.0017123288, 0.24828768, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.25, 0.0, 0.0, 0.0, 0.25, 0.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.0, 0.2328125, 0.0171875, 0.0, 0.0, 0.25]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::None, ..a4.clone() }, &[0, 1, 2], 5, &x1, &[0.010416667, 0.2853213, 0.704262, 0.0, 0.1056338, 0.8943662, 0.0034015179, 0.9760326, 0.020565879, 0.027083334, 0.6563542, 0.3165625, 0.027083334, 0.9063542, 0.066562496, 0.0034015179, 0.9760326, 0.020565879, 0.0034015179, 0.83166647, 0.16493207, 0.0034015179, 0.9760326, 0.020565879, 0.0034015179, 0.83166647, 0.16493207, 0.0034015179, 0.9760326, 0.020565879, 0.0034015179, 0.9760326, 0.020565879, 0.0034015179, 0.9760326, 0.020565879, 0.010416667, 0.51813376, 0.47144952, 0.0034015179, 0.9760326, 0.020565879, 0.027083334, 0.9063542, 0.066562496, 0.0017123288, 0.7482877, 0.25, 0.027083334, 0.9063542, 0.066562496, 0.010416667, 0.51813376, 0.47144952, 0.0, 0.25, 0.75], &[2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    let a5 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], nodes_featureids: vec![0, 1, 3, 0, 0, 2, 0, 0, 1, 2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1, 3, 0, 0, 3, 0, 0, 0, 1, 3, 0, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1, 3, 0, 0, 3, 0, 0, 0, 1, 3, 0, 0, 2, 0, 0, 1, 0, 0, 0, 3, 0, 0], nodes_truenodeids: vec![1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0], nodes_falsenodeids: vec![8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0], nodes_values: w(&[-0.078416064, 0.093125515, 0.27133626, 0.0, 0.0, -0.36481324, 0.0, 0.0, 0.3196735, 0.3698066, 0.0, 0.0, -0.29494208, 0.0, 0.0, -0.078416064, -0.48430797, -1.7392256, 0.0, 0.0, -0.17851622, 0.0, 0.0, 0.08647184, -0.1647034, 0.0, 0.0, 1.7014035, 0.0, 0.0, -0.21187688, 0.3240765, 0.3332906, 0.0, 0.0, -0.36294523, 0.0, 0.0, 0.3196735, 1.7350684, 0.0, 0.0, 1.8177116, 0.0, 0.0, -0.078416064, -0.50002956, -2.0619037, 0.0, 0.0, -0.1723987, 0.0, 0.0, 0.060121812, -0.1647034, 0.0, 0.0, -0.29494208, 0.0, 0.0, -0.49697652, 0.26129085, 1.1991522, 0.0, 0.0, -0.36797106, 0.0, 0.0, 0.4363394, 0.8583922, 0.0, 0.0, 1.6377156, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4], leaf_nodeids: vec![3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[-17.94295, -7.4417763, -9.271229, 2.3839092, -0.28343248, 10.31834, 10.786054, 22.17847, -29.754005, -12.34358, -8.8995905, 1.4786851, -4.2934985, 6.683603, 14.088042, 38.42141, -15.066497, -6.05626, -7.5413947, 3.0693884, 0.2858538, 16.206167, 13.307937, 31.82064, -31.74668, -10.784058, -7.3392687, 1.4010242, -3.9787898, 5.751449, 6.621681, 15.8215275, -13.043381, -0.3108089, -8.609176, 1.9969352, -1.1789285, 8.85913, 10.474547, 31.04923]), n_targets: 1, ..Default::default() };
    let x6 = [-0.263388067483902, -0.677360475063324, -0.9969596862792969, 0.3270670473575592, -1.4553594589233398, -1.6354063749313354, -0.5283529758453369, -0.24608775973320007, 1.320966362953186, 0.26801177859306335, 0.43239569664001465, -0.3235800564289093, -1.0214147567749023, 0.4238246977329254, 0.7991799712181091, -0.19092456996440887, -0.6252534985542297, 0.5812862515449524, 0.28925254940986633, 0.40029749274253845, -0.495002418756485, -1.027169108390808, 1.4001368284225464, 0.3439427316188812, -0.16200335323810577, NAN, -2.1929666996002197, -0.3080027401447296, 0.5994656085968018, 0.576275110244751, -0.4998587667942047, 1.471232295036316, 0.1326603889465332, -0.8585360646247864, -1.5989048480987549, -0.017660679295659065, 0.23604092001914978, 0.679267168045044, 0.49403586983680725, 1.546277642250061, 0.06731341034173965, 0.6317989230155945, -0.4144085943698883, 0.41759273409843445, 1.6151763200759888, -1.2000770568847656, 0.21452711522579193, -0.07139351963996887, 1.689428687095642, -0.6319624781608582, -1.5951343774795532, -0.3977057635784149, -0.4435114562511444, 0.0006286841235123575, 1.7412245273590088, 2.1446781158447266, 0.12110558152198792, -0.3122706711292267, -0.8468287587165833, 0.06046244874596596, -0.6346793174743652, 0.5083962678909302, 1.278379201889038, 0.2161160111427307, -1.8586124181747437, 2.6036996841430664, 0.9359161257743835, -0.007642311044037342, -0.05086667090654373, -1.3344123363494873, 1.284566044807434, -0.6545758843421936, -0.7348058819770813, 0.9603222012519836, -0.23224852979183197, -0.19503791630268097, -1.3343585729599, 1.8091449737548828, 0.6829213500022888, 0.45370176434516907, 1.8353327512741089, 0.4406898617744446, 2.5852949619293213, -0.7192538380622864, -0.583414614200592, -1.9858458042144775, 0.3650535047054291, 1.531760334968567, NAN, -0.36447909474372864, 0.21475951373577118, 1.9429556131362915, 0.20800301432609558, -1.7060410976409912, 1.0556915998458862];
    reg(&LegacyAttrs { base_values: w(&[-16.665106]), post_transform: PT::None, ..a5.clone() }, 5, &x6, &[-63.479942, -53.601593, -5.406561, -48.127594, -54.46971, 20.551813, -25.453732, 22.66973, 59.20542, -17.768557, -59.838226, 28.826483, -6.335164, 59.20542, 4.6314983, -48.127594, 57.125854, -6.335164, 38.61316]);
    let a7 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30], nodes_featureids: vec![0, 1, 3, 2, 0, 0, 0, 0, 0, 2, 3, 0, 0, 4, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 2, 3, 0, 0, 4, 0, 0, 0, 3, 1, 0, 0, 0, 1, 0, 0, 4, 1, 0, 0, 1, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 1, 0, 4, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 1, 0, 0, 0, 2, 1, 0, 0, 4, 0, 0, 2, 3, 0, 0, 3, 0, 0], nodes_truenodeids: vec![1, 2, 3, 4, 0, 0, 7, 0, 0, 10, 11, 0, 0, 14, 0, 0, 17, 18, 19, 0, 0, 22, 0, 0, 25, 26, 0, 0, 29, 0, 0, 1, 2, 3, 4, 0, 0, 7, 0, 0, 10, 11, 0, 0, 14, 0, 0, 17, 18, 19, 0, 0, 22, 0, 0, 25, 26, 0, 0, 29, 0, 0, 1, 2, 3, 4, 0, 0, 7, 0, 0, 10, 11, 0, 0, 14, 0, 0, 17, 18, 19, 0, 0, 22, 0, 0, 25, 26, 0, 0, 29, 0, 0], nodes_falsenodeids: vec![16, 9, 6, 5, 0, 0, 8, 0, 0, 13, 12, 0, 0, 15, 0, 0, 24, 21, 20, 0, 0, 23, 0, 0, 28, 27, 0, 0, 30, 0, 0, 16, 9, 6, 5, 0, 0, 8, 0, 0, 13, 12, 0, 0, 15, 0, 0, 24, 21, 20, 0, 0, 23, 0, 0, 28, 27, 0, 0, 30, 0, 0, 16, 9, 6, 5, 0, 0, 8, 0, 0, 13, 12, 0, 0, 15, 0, 0, 24, 21, 20, 0, 0, 23, 0, 0, 28, 27, 0, 0, 30, 0, 0], nodes_values: w(&[-0.16885163, 0.2587623, 0.25000888, 0.19597831, 0.0, 0.0, -1.1832242, 0.0, 0.0, 0.93114495, -0.92274827, 0.0, 0.0, -0.2363419, 0.0, 0.0, 0.3196735, 0.3698066, -0.6013349, 0.0, 0.0, 1.0466981, 0.0, 0.0, 0.7233415, -0.38280678, 0.0, 0.0, -0.93215495, 0.0, 0.0, -0.078416064, 0.6073849, 0.093125515, -0.51153296, 0.0, 0.0, 0.8225611, 0.0, 0.0, 0.32061937, 0.061537247, 0.0, 0.0, 0.37655953, 0.0, 0.0, 0.3196735, -0.8004864, 1.7494255, 0.0, 0.0, 1.9403981, 0.0, 0.0, 1.7908493, 1.0233735, 0.0, 0.0, 3.2055354, 0.0, 0.0, 0.060121812, -0.5340289, -1.1992815, -1.1603504, 0.0, 0.0, -0.5834178, 0.0, 0.0, 0.764691, -1.0556421, 0.0, 0.0, -1.0151778, 0.0, 0.0, 0.006510891, -0.60578245, 0.7834749, 0.0, 0.0, -0.5264489, 0.0, 0.0, -0.18648738, 0.051162936, 0.0, 0.0, 0.6258895, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], leaf_nodeids: vec![4, 5, 7, 8, 11, 12, 14, 15, 19, 20, 22, 23, 26, 27, 29, 30, 4, 5, 7, 8, 11, 12, 14, 15, 19, 20, 22, 23, 26, 27, 29, 30, 4, 5, 7, 8, 11, 12, 14, 15, 19, 20, 22, 23, 26, 27, 29, 30], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[-83.3256, -45.06461, -52.41979, -17.153578, -42.35934, -3.2683501, 11.4266405, 40.240475, -31.407768, 4.584048, 12.921254, 69.562805, 19.344538, 50.049755, 18.415028, 104.04145, -71.15282, -38.23353, -30.938128, 4.5599265, -30.838982, 12.0885105, 5.9521275, 39.333763, -35.87924, 64.71397, 11.160521, 64.97926, 43.75769, 75.069244, 155.50237, 135.96616, -136.01233, -81.707924, -74.55715, -43.014652, -49.46357, -11.331232, -7.554687, 48.338074, -55.67409, -20.019676, -8.135816, 14.904978, 19.22459, 50.718536, 60.735123, 99.73353]), n_targets: 1, ..Default::default() };
    reg(&LegacyAttrs { post_transform: PT::None, ..a7.clone() }, 5, &x6, &[-66.71834, -126.27342, -42.626423, -66.71834, -66.71834, 62.00862, -6.844239, 38.986755, 144.52599, -48.46709, -197.49307, 52.796085, -27.6473, 185.85413, 64.08264, -22.532682, 239.84581, 38.420128, 123.83735]);
    let a8 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], nodes_featureids: vec![0, 1, 3, 0, 0, 2, 0, 0, 1, 2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1, 3, 0, 0, 3, 0, 0, 0, 1, 3, 0, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0, 0], nodes_truenodeids: vec![1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0, 6, 0, 0, 9, 10, 0, 0, 13, 0, 0], nodes_falsenodeids: vec![8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0, 8, 5, 4, 0, 0, 7, 0, 0, 12, 11, 0, 0, 14, 0, 0], nodes_values: w(&[-0.078416064, 0.093125515, 0.27133626, 0.0, 0.0, -0.36481324, 0.0, 0.0, 0.3196735, 0.3698066, 0.0, 0.0, -0.29494208, 0.0, 0.0, -0.078416064, -0.48430797, -1.7392256, 0.0, 0.0, -0.17851622, 0.0, 0.0, 0.08647184, -0.1647034, 0.0, 0.0, 1.7014035, 0.0, 0.0, -0.21187688, 0.3240765, 0.3332906, 0.0, 0.0, -0.36294523, 0.0, 0.0, 0.3196735, 1.7350684, 0.0, 0.0, 1.8177116, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2], leaf_nodeids: vec![3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14, 3, 4, 6, 7, 10, 11, 13, 14], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[-17.94295, -7.4417763, -9.271229, 2.3839092, -0.28343248, 10.31834, 10.786054, 22.17847, -29.754005, -12.34358, -8.8995905, 1.4786851, -4.2934985, 6.683603, 14.088042, 38.42141, -15.066497, -6.05626, -7.5413947, 3.0693884, 0.2858538, 16.206167, 13.307937, 31.82064]), n_targets: 1, ..Default::default() };
    reg(&LegacyAttrs { double_precision: true, base_values: w(&[-16.665106]), post_transform: PT::None, ..a8.clone() }, 5, &x6, &[-51.51696, -42.50672, -9.979082, -36.164608, -42.50672, 5.9412317, -20.111399, 8.02713, 32.909344, -18.858772, -48.195866, 13.345671, -9.733123, 32.909344, -9.979082, -36.164608, 40.029633, -9.733123, 21.516926]);
    let a9 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nodes_featureids: vec![3, 3, 1, 0, 0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 3, 0, 1, 2, 0, 0, 0, 0, 3, 0, 1, 0, 4, 0, 0, 4, 0, 0, 0, 3, 0, 1, 3, 0, 1, 0, 0, 2, 0, 0, 3, 3, 1, 0, 0, 0, 2, 0, 0, 0, 0], nodes_truenodeids: vec![1, 3, 5, 0, 0, 7, 0, 9, 0, 0, 0, 1, 0, 3, 5, 0, 7, 9, 0, 0, 0, 0, 1, 0, 3, 5, 7, 0, 0, 9, 0, 0, 0, 1, 0, 3, 5, 0, 7, 0, 0, 9, 0, 0, 1, 3, 5, 0, 0, 7, 9, 0, 0, 0, 0], nodes_falsenodeids: vec![2, 4, 6, 0, 0, 8, 0, 10, 0, 0, 0, 2, 0, 4, 6, 0, 8, 10, 0, 0, 0, 0, 2, 0, 4, 6, 8, 0, 0, 10, 0, 0, 0, 2, 0, 4, 6, 0, 8, 0, 0, 10, 0, 0, 2, 4, 6, 0, 0, 8, 10, 0, 0, 0, 0], nodes_values: w(&[0.32448295, -0.08430006, 0.40383697, 0.0, 0.0, 1.7715709, 0.0, -0.2713891, 0.0, 0.0, 0.0, 0.32448295, 0.0, 0.43846765, 1.5428346, 0.0, -0.2713891, 0.13565294, 0.0, 0.0, 0.0, 0.0, 0.32448295, 0.0, -0.31159776, 1.7590972, 0.8823943, 0.0, 0.0, -0.9950939, 0.0, 0.0, 0.0, 0.32448295, 0.0, 0.43846765, 1.7715709, 0.0, -0.2713891, 0.0, 0.0, 0.6506452, 0.0, 0.0, 0.32448295, -0.28238982, -0.31159776, 0.0, 0.0, 1.7590972, 2.51553, 0.0, 0.0, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4], leaf_nodeids: vec![3, 4, 9, 10, 8, 6, 1, 7, 8, 9, 10, 4, 1, 5, 6, 9, 10, 8, 1, 7, 9, 10, 6, 4, 3, 4, 7, 8, 9, 10], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[-0.20735766, -0.116766706, 0.16159248, 0.069484964, 0.018304238, -0.12311619, -0.16015507, 0.16410916, 0.076067336, 0.11750247, -0.015423667, -0.10811256, -0.14741944, 0.15133266, 0.05190764, 0.05816048, -0.190822, 0.07885993, -0.13703379, 0.14196317, 0.1384747, 0.0024452468, 0.013859551, -0.09296602, -0.15210204, -0.06842977, 0.13256866, 0.039893337, -0.06997942, 0.06441058]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::Logistic, ..a9.clone() }, &[0, 1], 5, &x1, &[0.6524452, 0.3475548, 0.6524452, 0.3475548, 0.32048017, 0.67951983, 0.690844, 0.309156, 0.690844, 0.309156, 0.32048017, 0.67951983, 0.49419385, 0.50580615, 0.5281711, 0.47182888, 0.32048017, 0.67951983, 0.32048017, 0.67951983, 0.43992478, 0.5600752, 0.32048017, 0.67951983, 0.58322185, 0.41677815, 0.32048017, 0.67951983, 0.690844, 0.309156, 0.32048017, 0.67951983, 0.690844, 0.309156, 0.64221627, 0.35778373, 0.43992478, 0.5600752], &[0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1]);
    let a10 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8], nodes_featureids: vec![2, 0, 0, 3, 4, 0, 0, 0, 0, 3, 3, 0, 0, 1, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 2, 0, 3, 0, 0, 2, 1, 1, 0, 3, 0, 0, 0, 0, 2, 0, 0, 1, 4, 0, 0, 0, 0, 3, 3, 0, 0, 1, 2, 0, 0, 0, 1, 2, 0, 0, 0, 3, 0, 0, 0, 2, 1, 0, 3, 0, 0, 0, 0, 0, 3, 3, 1, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 0, 0, 0], nodes_truenodeids: vec![1, 0, 3, 5, 7, 0, 0, 0, 0, 1, 3, 0, 0, 5, 7, 0, 0, 0, 1, 3, 7, 0, 5, 0, 0, 0, 0, 1, 0, 3, 5, 7, 0, 0, 0, 0, 1, 3, 0, 0, 5, 0, 7, 0, 0, 1, 3, 7, 0, 5, 0, 0, 0, 0, 1, 0, 3, 5, 7, 0, 0, 0, 0, 1, 3, 0, 0, 5, 7, 0, 0, 0, 1, 3, 5, 0, 0, 7, 0, 0, 0, 1, 3, 7, 5, 0, 0, 0, 0, 0, 1, 3, 5, 0, 0, 7, 0, 0, 0, 1, 3, 5, 0, 0, 7, 0, 0, 0], nodes_falsenodeids: vec![2, 0, 4, 6, 8, 0, 0, 0, 0, 2, 4, 0, 0, 6, 8, 0, 0, 0, 2, 4, 8, 0, 6, 0, 0, 0, 0, 2, 0, 4, 6, 8, 0, 0, 0, 0, 2, 4, 0, 0, 6, 0, 8, 0, 0, 2, 4, 8, 0, 6, 0, 0, 0, 0, 2, 0, 4, 6, 8, 0, 0, 0, 0, 2, 4, 0, 0, 6, 8, 0, 0, 0, 2, 4, 6, 0, 0, 8, 0, 0, 0, 2, 4, 8, 6, 0, 0, 0, 0, 0, 2, 4, 6, 0, 0, 8, 0, 0, 0, 2, 4, 6, 0, 0, 8, 0, 0, 0], nodes_values: w(&[-1.6337931, 0.0, -1.0e-35, -0.83436763, -1.6357123, 0.0, 0.0, 0.0, 0.0, 0.6770705, -0.6720392, 0.0, 0.0, 0.6255553, -1.0e-35, 0.0, 0.0, 0.0, 1.9712981, 0.5519833, 0.59067804, 0.0, -1.0e-35, 0.0, 0.0, 0.0, 0.0, -1.6337931, 0.0, -1.4792012, 0.3713772, -1.0e-35, 0.0, 0.0, 0.0, 0.0, 2.333883, -1.6337931, 0.0, 0.0, 1.9712981, 0.0, 0.6883824, 0.0, 0.0, 2.0088592, 0.5519833, 0.59067804, 0.0, -0.7427787, 0.0, 0.0, 0.0, 0.0, -1.6337931, 0.0, -1.0e-35, 0.87805855, -1.6357123, 0.0, 0.0, 0.0, 0.0, 0.6770705, -0.6720392, 0.0, 0.0, 0.6255553, -0.80880326, 0.0, 0.0, 0.0, 0.43846765, 1.8931465, 0.19360311, 0.0, 0.0, -0.98338085, 0.0, 0.0, 0.0, -1.6337931, 0.43846765, 1.0e-35, 0.32448295, 0.0, 0.0, 0.0, 0.0, 0.0, 0.6770705, -0.6720392, 0.27824378, 0.0, 0.0, 0.43937963, 0.0, 0.0, 0.0, 0.43846765, 1.8931465, 0.19360311, 0.0, 0.0, -0.98338085, 0.0, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11], leaf_nodeids: vec![1, 5, 6, 7, 8, 3, 7, 8, 6, 2, 3, 5, 6, 7, 8, 1, 5, 6, 7, 8, 3, 5, 7, 8, 2, 3, 5, 6, 7, 8, 1, 5, 6, 7, 8, 3, 7, 8, 6, 2, 3, 4, 7, 8, 6, 5, 6, 4, 7, 8, 3, 4, 7, 8, 6, 3, 4, 7, 8, 6], leaf_targetids: vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2], leaf_weights: w(&[-1.9459666, -2.5186787, -2.1817892, -2.4765675, -2.5186787, -0.22798336, -0.48259613, -0.23893142, -0.5522146, -0.2197444, -1.9538813, -1.9538813, -1.6200914, -1.8768529, -1.5588638, 0.28700843, 0.18738316, -0.07254729, -0.036286812, -0.07256058, -0.12561068, 0.060612485, -0.072542556, 0.08525952, -0.11808195, -0.07757509, -0.0671776, 0.2159975, 0.00083884184, 0.22730736, 0.19718494, 0.21961561, -0.07295489, -0.025800632, -0.07206066, 0.049404036, -0.14498654, 0.034912903, -0.17404719, 0.047686644, -0.07644653, -0.028055897, -0.07990692, -0.003186458, 0.2325702, 0.27492237, 0.09517633, -0.05245754, -0.020796195, -0.07159884, 0.047394864, -0.097258866, -0.039218955, 0.077871226, -0.05168918, -0.075557776, -0.024982648, -0.07846094, -0.001653355, 0.18574463]), ..Default::default() };
    clf(&LegacyAttrs { post_transform: PT::Softmax, ..a10.clone() }, &[0, 1, 2], 5, &x1, &[0.07580743, 0.45554402, 0.46864864, 0.07580743, 0.45554402, 0.46864864, 0.056704774, 0.8448701, 0.09842514, 0.06734825, 0.81575215, 0.116899535, 0.06362735, 0.7336507, 0.20272201, 0.06254345, 0.8288969, 0.1085596, 0.056704774, 0.8448701, 0.09842514, 0.056704774, 0.8448701, 0.09842514, 0.06653909, 0.8059512, 0.12750977, 0.06792952, 0.8241346, 0.10793589, 0.056704774, 0.8448701, 0.09842514, 0.05402534, 0.8250341, 0.12094054, 0.07787849, 0.51222765, 0.4098938, 0.056704774, 0.8448701, 0.09842514, 0.085206985, 0.8013828, 0.11341028, 0.064958885, 0.83961004, 0.09543105, 0.06235638, 0.82140046, 0.11624315, 0.07176433, 0.51562405, 0.41261166, 0.08210888, 0.8100781, 0.10781307], &[2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    let a11 = LegacyAttrs { nodes_treeids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], nodes_nodeids: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nodes_featureids: vec![0, 1, 1, 0, 3, 0, 0, 3, 0, 0, 0, 0, 1, 1, 3, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 3, 0, 0, 0, 3, 0, 0, 0, 0, 1, 1, 0, 3, 0, 0, 2, 0, 0, 0, 0, 1, 1, 0, 0, 2, 3, 0, 0, 0, 0], nodes_truenodeids: vec![1, 3, 7, 0, 5, 0, 0, 9, 0, 0, 0, 1, 3, 7, 5, 0, 0, 0, 9, 0, 0, 0, 1, 3, 7, 5, 0, 0, 0, 9, 0, 0, 0, 1, 3, 7, 0, 5, 0, 0, 9, 0, 0, 0, 1, 3, 5, 0, 0, 7, 9, 0, 0, 0, 0], nodes_falsenodeids: vec![2, 4, 8, 0, 6, 0, 0, 10, 0, 0, 0, 2, 4, 8, 6, 0, 0, 0, 10, 0, 0, 0, 2, 4, 8, 6, 0, 0, 0, 10, 0, 0, 0, 2, 4, 8, 0, 6, 0, 0, 10, 0, 0, 0, 2, 4, 6, 0, 0, 8, 10, 0, 0, 0, 0], nodes_values: w(&[-0.08640566, -0.27545422, 0.3240765, 0.0, -0.21527614, 0.0, 0.0, 0.23617716, 0.0, 0.0, 0.0, -0.06920747, 0.11288408, 0.060121812, 0.33172607, 0.0, 0.0, 0.0, 0.401071, 0.0, 0.0, 0.0, -0.19851333, 0.3240765, 0.3240765, -0.59336114, 0.0, 0.0, 0.0, -0.15733625, 0.0, 0.0, 0.0, 0.034249827, -0.48430794, 0.3240765, 0.0, -0.174034, 0.0, 0.0, 0.37807798, 0.0, 0.0, 0.0, -0.5169081, 0.26453114, 0.060121812, 0.0, 0.0, 1.0e-35, 0.71943885, 0.0, 0.0, 0.0, 0.0]), nodes_modes: ml(&["LEQ", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEQ", "LEAF", "LEAF", "LEQ", "LEAF", "LEAF", "LEAF", "LEQ", "LEQ", "LEQ", "LEAF", "LEAF", "LEQ", "LEQ", "LEAF", "LEAF", "LEAF", "LEAF"]), nodes_missing_value_tracks_true: bits(&[0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0]), leaf_treeids: vec![0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4], leaf_nodeids: vec![3, 5, 6, 9, 10, 8, 5, 6, 4, 9, 10, 8, 5, 6, 4, 9, 10, 8, 3, 5, 6, 9, 10, 8, 3, 4, 7, 8, 9, 10], leaf_targetids: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], leaf_weights: w(&[-30.859638, -25.048769, -14.759532, -17.525211, -7.337912, 1.851516, -15.964203, -5.6213684, -0.93286365, -2.1442251, 9.892606, 15.265013, -19.683407, -8.766966, 0.11611108, -2.693724, 6.336661, 14.561345, -11.813545, -7.140194, 2.7733817, -0.053693503, 9.7914095, 14.4094305, -11.61573, -1.0979717, -4.7495356, 4.117592, 7.039551, 17.616386]), n_targets: 1, ..Default::default() };
    reg(&LegacyAttrs { post_transform: PT::None, ..a11.clone() }, 5, &x6, &[-72.153885, -68.677246, -7.9487057, -48.183132, -52.943924, -19.708557, -25.966164, 24.076694, 53.126858, -33.301712, -64.43315, 2.0319352, -13.900874, 53.126858, -7.9487057, -37.8403, 53.126858, -13.900874, 53.126858]);
}

// ---------------------------------------------------------------------------------------------
// Hand-written tests
// ---------------------------------------------------------------------------------------------

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn unit(&mut self) -> f32 {
        self.next() as f32 / (1u64 << 31) as f32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

const GRID: [f32; 6] = [-1.5, -0.25, 0.0, 0.5, 0.75, 2.5];

/// Random proper trees (no sharing), thresholds and inputs drawn from a small grid so that
/// equality modes fire, NaN thresholds and inputs included.
fn random_legacy(
    rng: &mut Lcg,
    n_trees: usize,
    depth: u32,
    n_feat: u32,
    n_targets: i64,
    modes: &[NodeMode],
    multi_weights: bool,
) -> LegacyAttrs {
    let mut a = LegacyAttrs {
        n_targets,
        ..Default::default()
    };
    for t in 0..n_trees as i64 {
        // (node id, depth) to expand, preorder ids
        let mut next_id = 1i64;
        let mut stack = vec![(0i64, 0u32)];
        while let Some((id, d)) = stack.pop() {
            let leaf = d == depth || (d > 0 && rng.below(5) == 0);
            a.nodes_treeids.push(t);
            a.nodes_nodeids.push(id);
            if leaf {
                a.nodes_featureids.push(0);
                a.nodes_values.push(0.0);
                a.nodes_modes.push(M::Leaf);
                a.nodes_truenodeids.push(0);
                a.nodes_falsenodeids.push(0);
                a.nodes_missing_value_tracks_true.push(false);
                let nw = if multi_weights { 1 + rng.below(2) } else { 1 };
                for _ in 0..nw {
                    a.leaf_treeids.push(t);
                    a.leaf_nodeids.push(id);
                    a.leaf_targetids.push(rng.below(n_targets as u32) as i64);
                    a.leaf_weights.push(((rng.unit() - 0.4) * 4.0) as f64);
                }
            } else {
                let (tc, fc) = (next_id, next_id + 1);
                next_id += 2;
                a.nodes_featureids.push(rng.below(n_feat) as i64);
                let thr = if rng.below(25) == 0 {
                    f32::NAN
                } else {
                    GRID[rng.below(GRID.len() as u32) as usize]
                        + 0.125 * (rng.below(3) as f32 - 1.0)
                };
                a.nodes_values.push(thr as f64);
                a.nodes_modes
                    .push(modes[rng.below(modes.len() as u32) as usize]);
                a.nodes_truenodeids.push(tc);
                a.nodes_falsenodeids.push(fc);
                a.nodes_missing_value_tracks_true.push(rng.below(3) == 0);
                stack.push((tc, d + 1));
                stack.push((fc, d + 1));
            }
        }
    }
    a
}

fn random_rows(rng: &mut Lcg, rows: usize, cols: usize) -> Vec<f32> {
    (0..rows * cols)
        .map(|_| match rng.below(10) {
            0 => f32::NAN,
            1..=4 => {
                GRID[rng.below(GRID.len() as u32) as usize] + 0.125 * (rng.below(3) as f32 - 1.0)
            }
            _ => (rng.unit() - 0.5) * 6.0,
        })
        .collect()
}

/// Straightforward evaluation of the ONNX definition (post_transform NONE), independent of the
/// compiled form: f32 accumulation in tree order like ORT.
fn reference(a: &LegacyAttrs, x: &[f32], cols: usize) -> Vec<f32> {
    let n_out = a.n_targets as usize;
    let idx: HashMap<(i64, i64), usize> = (0..a.nodes_treeids.len())
        .map(|i| ((a.nodes_treeids[i], a.nodes_nodeids[i]), i))
        .collect();
    let mut trees: Vec<i64> = a.nodes_treeids.clone();
    trees.dedup();
    let mut out = Vec::new();
    for row in x.chunks(cols) {
        let mut s = vec![0f32; n_out];
        let mut h = vec![false; n_out];
        for &t in &trees {
            let mut i = idx[&(t, 0)];
            while a.nodes_modes[i] != M::Leaf {
                let (v, thr) = (
                    row[a.nodes_featureids[i] as usize],
                    a.nodes_values[i] as f32,
                );
                let c = match a.nodes_modes[i] {
                    M::Leq => v <= thr,
                    M::Lt => v < thr,
                    M::Gte => v >= thr,
                    M::Gt => v > thr,
                    M::Eq => v == thr,
                    _ => v != thr,
                } || (a.nodes_missing_value_tracks_true[i] && v.is_nan());
                let id = if c {
                    a.nodes_truenodeids[i]
                } else {
                    a.nodes_falsenodeids[i]
                };
                i = idx[&(t, id)];
            }
            let id = a.nodes_nodeids[i];
            for k in 0..a.leaf_nodeids.len() {
                if a.leaf_treeids[k] == t && a.leaf_nodeids[k] == id {
                    let (tg, w) = (a.leaf_targetids[k] as usize, a.leaf_weights[k] as f32);
                    match a.aggregate {
                        Aggregate::Sum | Aggregate::Average => s[tg] += w,
                        Aggregate::Min => s[tg] = if !h[tg] || w < s[tg] { w } else { s[tg] },
                        Aggregate::Max => s[tg] = if !h[tg] || w > s[tg] { w } else { s[tg] },
                    }
                    h[tg] = true;
                    if n_out == 1 {
                        break; // ORT uses the first weight of a single-target leaf
                    }
                }
            }
        }
        let nt = trees.len() as f32;
        for k in 0..n_out {
            let b = if a.base_values.len() == n_out {
                a.base_values[k] as f32
            } else {
                0.0
            };
            let v = match a.aggregate {
                Aggregate::Sum => s[k] + b,
                Aggregate::Average => s[k] / nt + b,
                _ => b + if h[k] { s[k] } else { 0.0 },
            };
            out.push(if n_out > 1 && !h[k] {
                0.0
            } else if n_out == 1
                && !h[k]
                && a.aggregate != Aggregate::Sum
                && a.aggregate != Aggregate::Average
            {
                b
            } else {
                v
            });
        }
    }
    out
}

fn to_v5(a: &LegacyAttrs) -> V5Attrs {
    // Only for random_legacy output (node ids = positions within a tree, one weight per leaf).
    let mut v = V5Attrs {
        n_targets: a.n_targets,
        aggregate: a.aggregate,
        post_transform: a.post_transform,
        ..Default::default()
    };
    let mut node_index = HashMap::new();
    let mut leaf_index = HashMap::new();
    for i in 0..a.nodes_treeids.len() {
        let key = (a.nodes_treeids[i], a.nodes_nodeids[i]);
        if a.nodes_modes[i] == M::Leaf {
            leaf_index.insert(key, leaf_index.len() as i64);
        } else {
            node_index.insert(key, node_index.len() as i64);
        }
    }
    v.leaf_targetids = vec![0; leaf_index.len()];
    v.leaf_weights = vec![0.0; leaf_index.len()];
    for k in 0..a.leaf_nodeids.len() {
        let l = leaf_index[&(a.leaf_treeids[k], a.leaf_nodeids[k])] as usize;
        v.leaf_targetids[l] = a.leaf_targetids[k];
        v.leaf_weights[l] = a.leaf_weights[k];
    }
    for i in 0..a.nodes_treeids.len() {
        let t = a.nodes_treeids[i];
        if a.nodes_nodeids[i] == 0 {
            if a.nodes_modes[i] == M::Leaf {
                let l = leaf_index[&(t, 0)];
                v.tree_roots.push(v.nodes_featureids.len() as i64);
                v.nodes_featureids.push(0);
                v.nodes_splits.push(0.0);
                v.nodes_modes.push(M::Leq);
                v.nodes_truenodeids.push(l);
                v.nodes_falsenodeids.push(l);
                v.nodes_trueleafs.push(true);
                v.nodes_falseleafs.push(true);
                v.nodes_missing_value_tracks_true.push(false);
                continue;
            }
            v.tree_roots.push(node_index[&(t, 0)]);
        }
        if a.nodes_modes[i] == M::Leaf {
            continue;
        }
        v.nodes_featureids.push(a.nodes_featureids[i]);
        v.nodes_splits.push(a.nodes_values[i]);
        v.nodes_modes.push(a.nodes_modes[i]);
        v.nodes_missing_value_tracks_true.push(
            a.nodes_missing_value_tracks_true
                .get(i)
                .copied()
                .unwrap_or(false),
        );
        for (ids, idx, leafs) in [
            (
                &a.nodes_truenodeids,
                &mut v.nodes_truenodeids,
                &mut v.nodes_trueleafs,
            ),
            (
                &a.nodes_falsenodeids,
                &mut v.nodes_falsenodeids,
                &mut v.nodes_falseleafs,
            ),
        ] {
            let key = (t, ids[i]);
            if let Some(&l) = leaf_index.get(&key) {
                idx.push(l);
                leafs.push(true);
            } else {
                idx.push(node_index[&key]);
                leafs.push(false);
            }
        }
    }
    v
}

#[test]
fn random_ensembles_match_reference_and_v5() {
    let mut rng = Lcg(7);
    let all = [M::Leq, M::Lt, M::Gte, M::Gt, M::Eq, M::Neq];
    for case in 0..48 {
        let modes: &[NodeMode] = if case % 2 == 0 { &[M::Leq] } else { &all };
        let n_targets = [1, 3][case % 4 / 2];
        let depth = [1, 3, 6, 9][case % 4];
        let mut a = random_legacy(&mut rng, 1 + case % 13, depth, 5, n_targets, modes, false);
        a.aggregate = [
            Aggregate::Sum,
            Aggregate::Average,
            Aggregate::Min,
            Aggregate::Max,
        ][case / 4 % 4];
        if case % 3 == 0 {
            a.base_values = (0..n_targets).map(|k| k as f64 * 0.5 - 0.25).collect();
        }
        let e = Ensemble::regressor(&a).unwrap();
        let cols = 5 + case % 3;
        for rows in [1, 7, 8, 9, 129, 300] {
            let x = random_rows(&mut rng, rows, cols);
            let mut out = vec![0f32; rows * n_targets as usize];
            e.predict_f32(&x, cols, &mut out).unwrap();
            let exp = reference(&a, &x, cols);
            for (k, (g, r)) in out.iter().zip(&exp).enumerate() {
                assert!(
                    g.to_bits() == r.to_bits() || (g.is_nan() && r.is_nan()),
                    "case {case} rows {rows} value {k}: {g} vs reference {r}"
                );
            }
            // Opset 5 has no base values.
            let no_base = LegacyAttrs {
                base_values: vec![],
                ..a.clone()
            };
            let exp = reference(&no_base, &x, cols);
            let v = Ensemble::v5(&to_v5(&no_base)).unwrap();
            let mut out5 = vec![0f32; rows * n_targets as usize];
            v.predict_f32(&x, cols, &mut out5).unwrap();
            for (k, (g, r)) in out5.iter().zip(&exp).enumerate() {
                assert!(
                    g.to_bits() == r.to_bits() || (g.is_nan() && r.is_nan()),
                    "v5 case {case} rows {rows} value {k}: {g} vs reference {r}"
                );
            }
        }
    }
}

#[test]
fn multi_weight_leaves_match_reference() {
    let mut rng = Lcg(11);
    for case in 0..16 {
        let mut a = random_legacy(&mut rng, 3 + case, 4, 4, 4, &[M::Leq, M::Gt, M::Neq], true);
        a.aggregate = [
            Aggregate::Sum,
            Aggregate::Average,
            Aggregate::Min,
            Aggregate::Max,
        ][case % 4];
        let e = Ensemble::regressor(&a).unwrap();
        let x = random_rows(&mut rng, 77, 4);
        let mut out = vec![0f32; 77 * 4];
        e.predict_f32(&x, 4, &mut out).unwrap();
        let exp = reference(&a, &x, 4);
        for (g, r) in out.iter().zip(&exp) {
            assert!(
                g.to_bits() == r.to_bits() || (g.is_nan() && r.is_nan()),
                "case {case}: {g} vs {r}"
            );
        }
    }
}

#[test]
fn double_precision_and_wider_input() {
    let mut rng = Lcg(5);
    let mut a = random_legacy(&mut rng, 20, 5, 6, 2, &[M::Leq, M::Lt], false);
    let x = random_rows(&mut rng, 50, 6);
    let xd: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let e32 = Ensemble::regressor(&a).unwrap();
    a.double_precision = true;
    let e64 = Ensemble::regressor(&a).unwrap();
    assert!(!e32.is_double() && e64.is_double());
    let (mut o1, mut o2, mut o3) = (vec![0f32; 100], vec![0f32; 100], vec![0f64; 100]);
    e32.predict_f32(&x, 6, &mut o1).unwrap();
    e64.predict::<f64, f32>(&xd, 6, &mut o2).unwrap();
    e64.predict_f64(&xd, 6, &mut o3).unwrap();
    for k in 0..100 {
        assert!(
            (o1[k] - o2[k]).abs() <= 1e-5 * o1[k].abs().max(1.0),
            "{k}: {} vs {}",
            o1[k],
            o2[k]
        );
        assert_eq!(o2[k], o3[k] as f32);
    }
}

#[test]
fn accessors_and_call_errors() {
    let a = LegacyAttrs {
        nodes_treeids: vec![0, 0, 0, 1],
        nodes_nodeids: vec![0, 1, 2, 0],
        nodes_featureids: vec![3, 9, 0, 7],
        nodes_values: vec![0.5, 0.0, 0.0, 1.0],
        nodes_modes: ml(&["LEQ", "LEAF", "LEAF", "LEAF"]),
        nodes_truenodeids: vec![1, 0, 0, 0],
        nodes_falsenodeids: vec![2, 0, 0, 0],
        leaf_treeids: vec![0, 0, 1],
        leaf_nodeids: vec![1, 2, 0],
        leaf_targetids: vec![0, 1, 1],
        leaf_weights: vec![1.0, 2.0, 3.0],
        n_targets: 2,
        ..Default::default()
    };
    let e = Ensemble::regressor(&a).unwrap();
    assert_eq!((e.n_features(), e.n_outputs(), e.n_trees()), (4, 2, 2)); // leaf feature ids do not count
    assert!(!e.is_classifier());
    let mut out = vec![0f32; 4];
    e.predict_f32(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], 4, &mut out)
        .unwrap();
    assert_eq!(out, [1.0, 3.0, 0.0, 5.0]);
    let err = e.predict_f32(&[0.0; 6], 3, &mut out[..4]).unwrap_err();
    assert!(err.to_string().contains("feature 3"), "{err}");
    assert!(e.predict_f32(&[0.0; 7], 4, &mut out).is_err());
    assert!(e.predict_f32(&[0.0; 8], 4, &mut out[..3]).is_err());
    let (mut s, mut l) = (vec![0f32; 4], vec![0i64; 2]);
    assert!(e.classify_f32(&[0.0; 8], 4, &mut s, &mut l).is_err());
    let c = Ensemble::classifier(
        &LegacyAttrs {
            leaf_targetids: vec![0, 1, 1],
            ..a.clone()
        },
        2,
    )
    .unwrap();
    assert!(c.is_classifier() && c.n_outputs() == 2);
    assert!(c.predict_f32(&[0.0; 8], 4, &mut out).is_err());
    c.classify_f32(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], 4, &mut s, &mut l)
        .unwrap();
    assert_eq!(l, [1, 1]); // two class ids: literal label 1 when the positive score is > 0
    // Empty input is fine.
    e.predict_f32(&[], 4, &mut []).unwrap();
}

#[test]
fn error_messages_name_the_attribute() {
    let ok = LegacyAttrs {
        nodes_treeids: vec![0, 0, 0],
        nodes_nodeids: vec![0, 1, 2],
        nodes_featureids: vec![0, 0, 0],
        nodes_values: vec![0.5, 0.0, 0.0],
        nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]),
        nodes_truenodeids: vec![1, 0, 0],
        nodes_falsenodeids: vec![2, 0, 0],
        leaf_treeids: vec![0, 0],
        leaf_nodeids: vec![1, 2],
        leaf_targetids: vec![0, 0],
        leaf_weights: vec![1.0, 2.0],
        n_targets: 1,
        ..Default::default()
    };
    assert!(Ensemble::regressor(&ok).is_ok());
    let cases: Vec<(LegacyAttrs, &str)> = vec![
        (
            LegacyAttrs {
                nodes_values: vec![0.5],
                ..ok.clone()
            },
            "nodes_values",
        ),
        (
            LegacyAttrs {
                nodes_falsenodeids: vec![3, 0, 0],
                ..ok.clone()
            },
            "nodes_falsenodeids",
        ),
        (
            LegacyAttrs {
                nodes_truenodeids: vec![0, 0, 0],
                ..ok.clone()
            },
            "own child",
        ),
        (
            LegacyAttrs {
                nodes_modes: ml(&["LEQ", "LEAF", "LEAF"])
                    .into_iter()
                    .map(|m| if m == M::Leq { M::Member } else { m })
                    .collect(),
                ..ok.clone()
            },
            "BRANCH_MEMBER",
        ),
        (
            LegacyAttrs {
                leaf_nodeids: vec![1, 5],
                ..ok.clone()
            },
            "target_nodeids",
        ),
        (
            LegacyAttrs {
                leaf_targetids: vec![0, 2],
                ..ok.clone()
            },
            "target_ids",
        ),
        (
            LegacyAttrs {
                nodes_featureids: vec![-2, 0, 0],
                ..ok.clone()
            },
            "nodes_featureids",
        ),
        (
            LegacyAttrs {
                n_targets: 0,
                ..ok.clone()
            },
            "n_targets",
        ),
        (
            LegacyAttrs {
                base_values: vec![1.0, 2.0],
                ..ok.clone()
            },
            "base_values",
        ),
        (
            LegacyAttrs {
                nodes_nodeids: vec![0, 1, 1],
                ..ok.clone()
            },
            "twice",
        ),
    ];
    for (a, needle) in cases {
        let msg = Ensemble::regressor(&a).unwrap_err().to_string();
        assert!(msg.contains(needle), "{msg:?} does not mention {needle:?}");
    }
    let msg = Ensemble::classifier(
        &LegacyAttrs {
            base_values: vec![1.0; 3],
            ..ok.clone()
        },
        2,
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("base_values"), "{msg}");
    let msg = Ensemble::classifier(&ok, 2)
        .map(|_| ())
        .and(
            Ensemble::classifier(
                &LegacyAttrs {
                    leaf_targetids: vec![0, 2],
                    ..ok.clone()
                },
                2,
            )
            .map(|_| ()),
        )
        .unwrap_err()
        .to_string();
    assert!(msg.contains("class_ids"), "{msg}");
    let v = V5Attrs {
        tree_roots: vec![0],
        nodes_featureids: vec![0],
        nodes_splits: vec![0.5],
        nodes_modes: vec![M::Member],
        nodes_truenodeids: vec![0],
        nodes_trueleafs: vec![true],
        nodes_falsenodeids: vec![1],
        nodes_falseleafs: vec![true],
        leaf_targetids: vec![0, 0],
        leaf_weights: vec![1.0, 2.0],
        n_targets: 1,
        ..Default::default()
    };
    let msg = Ensemble::v5(&v).unwrap_err().to_string();
    assert!(msg.contains("membership"), "{msg}");
    let msg = Ensemble::v5(&V5Attrs {
        membership_values: vec![1.0],
        leaf_weights: vec![1.0],
        ..v.clone()
    })
    .unwrap_err()
    .to_string();
    assert!(msg.contains("leaf_weights"), "{msg}");
    let msg = Ensemble::v5(&V5Attrs {
        membership_values: vec![1.0],
        nodes_falsenodeids: vec![2],
        ..v.clone()
    })
    .unwrap_err()
    .to_string();
    assert!(msg.contains("leaf index 2"), "{msg}");
    let msg = Ensemble::v5(&V5Attrs {
        membership_values: vec![1.0],
        tree_roots: vec![1],
        ..v.clone()
    })
    .unwrap_err()
    .to_string();
    assert!(msg.contains("tree_roots"), "{msg}");
    assert!(
        Ensemble::v5(&V5Attrs {
            membership_values: vec![1.0],
            ..v.clone()
        })
        .is_ok()
    );
    // Two member nodes but values for one set only: the second set is empty.
    let two = V5Attrs {
        nodes_featureids: vec![0, 0],
        nodes_splits: vec![0.0, 0.0],
        nodes_modes: vec![M::Member, M::Member],
        nodes_truenodeids: vec![0, 0],
        nodes_trueleafs: vec![true, true],
        nodes_falsenodeids: vec![1, 1],
        nodes_falseleafs: vec![false, true],
        membership_values: vec![1.0, NAN],
        ..v.clone()
    };
    let msg = Ensemble::v5(&two).unwrap_err().to_string();
    assert!(msg.contains("membership node 1"), "{msg}");
    let msg = Ensemble::v5(&V5Attrs {
        n_targets: 1 << 40,
        membership_values: vec![1.0],
        ..v.clone()
    })
    .unwrap_err()
    .to_string();
    assert!(msg.contains("n_targets"), "{msg}");
}

#[test]
fn deep_trees_do_not_overflow_the_stack() {
    // A chain of 200_000 branch nodes in one tree, legacy and opset 5.
    let n = 200_000i64;
    let mut a = LegacyAttrs {
        n_targets: 1,
        ..Default::default()
    };
    for i in 0..n {
        a.nodes_treeids.push(0);
        a.nodes_nodeids.push(i);
        a.nodes_featureids.push(0);
        a.nodes_values.push(i as f64);
        a.nodes_modes.push(M::Leq);
        a.nodes_truenodeids.push(n + i); // leaf
        a.nodes_falsenodeids
            .push(if i + 1 < n { i + 1 } else { 2 * n });
    }
    for i in n..=2 * n {
        a.nodes_treeids.push(0);
        a.nodes_nodeids.push(i);
        a.nodes_featureids.push(0);
        a.nodes_values.push(0.0);
        a.nodes_modes.push(M::Leaf);
        a.nodes_truenodeids.push(0);
        a.nodes_falsenodeids.push(0);
        a.leaf_treeids.push(0);
        a.leaf_nodeids.push(i);
        a.leaf_targetids.push(0);
        a.leaf_weights.push((i - n) as f64);
    }
    let e = Ensemble::regressor(&a).unwrap();
    let mut out = vec![0f32; 3];
    e.predict_f32(&[-1.0, 12345.5, 1e9], 1, &mut out).unwrap();
    assert_eq!(out, [0.0, 12346.0, n as f32]);
    let v = Ensemble::v5(&to_v5(&a)).unwrap();
    v.predict_f32(&[-1.0, 12345.5, 1e9], 1, &mut out).unwrap();
    assert_eq!(out, [0.0, 12346.0, n as f32]);
}

#[test]
fn unscored_multiclass_row_is_an_error() {
    // Three classes, no base values, the only leaf reached has no class weight: ORT fails.
    let a = LegacyAttrs {
        nodes_treeids: vec![0, 0, 0],
        nodes_nodeids: vec![0, 1, 2],
        nodes_featureids: vec![0, 0, 0],
        nodes_values: vec![0.5, 0.0, 0.0],
        nodes_modes: ml(&["LEQ", "LEAF", "LEAF"]),
        nodes_truenodeids: vec![1, 0, 0],
        nodes_falsenodeids: vec![2, 0, 0],
        leaf_treeids: vec![0],
        leaf_nodeids: vec![1],
        leaf_targetids: vec![2],
        leaf_weights: vec![1.0],
        ..Default::default()
    };
    let e = Ensemble::classifier(&a, 3).unwrap();
    let (mut s, mut l) = (vec![0f32; 3], vec![0i64; 1]);
    e.classify_f32(&[0.0], 1, &mut s, &mut l).unwrap();
    assert_eq!(l, [2]);
    assert!(e.classify_f32(&[1.0], 1, &mut s, &mut l).is_err());
}

#[test]
fn parsers() {
    assert_eq!(NodeMode::from_name("BRANCH_GTE"), Some(M::Gte));
    assert_eq!(NodeMode::from_name("BRANCH_MEMBER"), None);
    assert_eq!(NodeMode::from_v5(6), Some(M::Member));
    assert_eq!(NodeMode::from_v5(7), None);
    assert_eq!(Aggregate::from_v5(0), Some(Aggregate::Average));
    assert_eq!(Aggregate::from_name("MAX"), Some(Aggregate::Max));
    assert_eq!(PT::from_v5_ort(1), Some(PT::Logistic));
    assert_eq!(PT::from_v5_spec(1), Some(PT::Softmax));
    assert_eq!(PT::from_name("SOFTMAX_ZERO"), Some(PT::SoftmaxZero));
    assert_eq!(PT::from_v5_ort(5), None);
}
