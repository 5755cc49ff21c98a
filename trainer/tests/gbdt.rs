//! Training quality on real and synthetic data, determinism, early stopping
//! and input errors of the gradient-boosted trees.

mod common;

use common::{Dataset, Rand, features, log_loss, rmse};
use trainer::gbdt::{Gbdt, GbdtError, Node, Objective, Params};

fn iris_classes(species: &[String]) -> Vec<f64> {
    species
        .iter()
        .map(|s| match s.as_str() {
            "setosa" => 0.0,
            "versicolor" => 1.0,
            "virginica" => 2.0,
            other => panic!("unknown species {other}"),
        })
        .collect()
}

#[test]
fn cars93_price_beats_the_mean() {
    // Min.Price and Max.Price leak the target.
    let d = Dataset::load("cars93.csv", "Price", &["Min.Price", "Max.Price"]);
    assert!(d.x.iter().any(|v| v.is_nan()), "cars93 has missing cells");
    let test = |r: usize| r.is_multiple_of(4);
    let (tx, tn) = d.rows_where(|r| !test(r));
    let (vx, vn) = d.rows_where(test);
    let num = |v: Vec<String>| v.iter().map(|s| s.parse::<f64>().unwrap()).collect::<Vec<_>>();
    let (ty, vy) = (num(d.target_where(|r| !test(r))), num(d.target_where(test)));
    let params = Params { trees: 200, learning_rate: 0.05, min_data_in_leaf: 5, ..Params::default() };
    let m = Gbdt::fit(&tx, tn, d.cols, &ty, Objective::SquaredError, &params, None).unwrap();
    let mean = ty.iter().sum::<f64>() / ty.len() as f64;
    let baseline = rmse(&vec![mean; vn], &vy);
    let got = rmse(&m.predict(&vx, vn), &vy);
    assert!(got < 0.75 * baseline, "RMSE {got} vs predicting the mean {baseline}");
    // Horsepower, the strongest single predictor of price, matters.
    let imp = m.feature_importance();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    let hp = d.names.iter().position(|n| n == "Horsepower").unwrap();
    assert!(imp[hp] > 0.1, "Horsepower importance {} of {imp:?}", imp[hp]);
}

#[test]
fn iris_holdout_accuracy() {
    let d = Dataset::load("iris.csv", "Species", &[]);
    assert_eq!(d.cols, 4);
    let test = |r: usize| r.is_multiple_of(5);
    let (tx, tn) = d.rows_where(|r| !test(r));
    let (vx, vn) = d.rows_where(test);
    let (ty, vy) = (iris_classes(&d.target_where(|r| !test(r))), iris_classes(&d.target_where(test)));
    let params = Params { min_data_in_leaf: 5, ..Params::default() };
    let m = Gbdt::fit(&tx, tn, d.cols, &ty, Objective::Multiclass { classes: 3 }, &params, None).unwrap();
    assert_eq!(m.n_trees(), 300);
    let pred = m.predict_class(&vx, vn);
    let acc = pred.iter().zip(&vy).filter(|(p, y)| **p as f64 == **y).count() as f64 / vn as f64;
    assert!(acc >= 0.9, "accuracy {acc}");
    let prob = m.predict(&vx, vn);
    assert!(prob.chunks(3).all(|p| (p.iter().sum::<f64>() - 1.0).abs() < 1e-9));
    let ll = log_loss(&prob, 3, &vy);
    assert!(ll < 0.3, "log-loss {ll} (uniform: {})", 3f64.ln());
}

#[test]
fn binary_log_loss_is_near_the_truth() {
    let mut rng = Rand(7);
    let (rows, cols) = (4000, 5);
    let x = features(&mut rng, rows, cols, 0.05);
    let truth: Vec<f64> = (0..rows)
        .map(|r| {
            let v = |j: usize| f64::from(x[r * cols + j]);
            let z = 3.0 * v(0) - 2.0 * v(1) * v(2) + if v(3).is_nan() { 2.0 } else { 0.0 };
            let z = if z.is_nan() { 0.0 } else { z };
            1.0 / (1.0 + (-z).exp())
        })
        .collect();
    let y: Vec<f64> = truth.iter().map(|&p| f64::from(u8::from(rng.uniform() < p))).collect();
    let n = 3000;
    let m = Gbdt::fit(&x[..n * cols], n, cols, &y[..n], Objective::Binary, &Params::default(), None).unwrap();
    let prob = m.predict(&x[n * cols..], rows - n);
    let vy = &y[n..];
    let ll = log_loss(&prob, 2, vy);
    let best: Vec<f64> = truth[n..].iter().flat_map(|&p| [1.0 - p, p]).collect();
    let bayes = log_loss(&best, 2, vy);
    let p1 = y[..n].iter().sum::<f64>() / n as f64;
    let prior = log_loss(&vy.iter().flat_map(|_| [1.0 - p1, p1]).collect::<Vec<_>>(), 2, vy);
    assert!(ll < bayes + 0.08 && ll < 0.75 * prior, "log-loss {ll}, true model {bayes}, prior {prior}");
    // Labels follow the margin.
    let raw = m.predict_raw(&x[n * cols..], rows - n);
    let labels = m.predict_class(&x[n * cols..], rows - n);
    assert!(raw.iter().zip(&labels).all(|(z, &l)| (l == 1) == (*z > 0.0)));
}

#[test]
fn synthetic_regression_is_learned() {
    let mut rng = Rand(1);
    let (rows, cols) = (6000, 6);
    let x = features(&mut rng, rows, cols, 0.0);
    let f = |r: usize| {
        let v = |j: usize| f64::from(x[r * cols + j]);
        3.0 * v(0) + (2.0 * v(1)).sin() + v(2) * v(3)
    };
    let y: Vec<f64> = (0..rows).map(|r| f(r) + 0.3 * rng.normal()).collect();
    let n = 5000;
    let m = Gbdt::fit(&x[..n * cols], n, cols, &y[..n], Objective::SquaredError, &Params::default(), None).unwrap();
    let got = rmse(&m.predict(&x[n * cols..], rows - n), &y[n..]);
    assert!(got < 0.6, "RMSE {got} (noise 0.3, sd of y ≈ 3.3)");
    let imp = m.feature_importance();
    assert!(imp[0] > imp[1] && imp[1] > imp[4] && imp[0] > 0.5, "{imp:?}");
}

/// NaN carries signal: the trees must learn where missing values go, on
/// either side of a split.
#[test]
fn missing_values_go_where_they_belong() {
    let mut rng = Rand(3);
    let rows = 2000;
    let mut x = Vec::new();
    let mut y = Vec::new();
    for r in 0..rows {
        let a = rng.uniform() as f32;
        // Feature 0: NaN behaves like a large value; feature 1: like a small one.
        let (x0, x1) = match r % 4 {
            0 => (f32::NAN, a),
            1 => (a, f32::NAN),
            _ => (a, a),
        };
        let target = match r % 4 {
            0 => 10.0,
            1 => -10.0,
            _ => f64::from(10.0 * (a - 0.5)),
        };
        x.extend([x0, x1]);
        y.push(target);
    }
    let params = Params { trees: 200, max_leaves: Some(8), ..Params::default() };
    let m = Gbdt::fit(&x, rows, 2, &y, Objective::SquaredError, &params, None).unwrap();
    let p = m.predict(&[f32::NAN, 0.5, 0.5, f32::NAN, 0.9, 0.9, 0.1, 0.1], 4);
    assert!((p[0] - 10.0).abs() < 0.5 && (p[1] + 10.0).abs() < 0.5, "{p:?}");
    assert!((p[2] - 4.0).abs() < 0.5 && (p[3] + 4.0).abs() < 0.5, "{p:?}");
    let dirs: Vec<bool> = m
        .trees()
        .iter()
        .flat_map(|t| t.nodes.iter())
        .filter_map(|n| match n {
            Node::Split { missing_left, .. } => Some(*missing_left),
            Node::Leaf { .. } => None,
        })
        .collect();
    assert!(dirs.contains(&true) && dirs.contains(&false));
}

#[test]
fn same_seed_same_model_and_threads_do_not_matter() {
    let mut rng = Rand(11);
    let (rows, cols) = (40_000, 4);
    let x = features(&mut rng, rows, cols, 0.1);
    let v = |r: usize, j: usize| f64::from(x[r * cols + j]).max(-9.0); // NaN → -9
    let y: Vec<f64> = (0..rows).map(|r| v(r, 0).max(0.0) + v(r, 1).abs() + rng.normal()).collect();
    let fit = |seed: u64, threads: usize| {
        let p = Params { trees: 10, subsample: 0.7, colsample: 0.75, seed, threads, ..Params::default() };
        Gbdt::fit(&x, rows, cols, &y, Objective::SquaredError, &p, None).unwrap()
    };
    let a = fit(5, 1);
    assert_eq!(a, fit(5, 1));
    assert_eq!(a, fit(5, 3), "histograms summed in parts independent of the thread count");
    assert_ne!(a, fit(6, 1));
}

#[test]
fn early_stopping_keeps_the_best_round() {
    let mut rng = Rand(5);
    let (rows, cols) = (600, 3);
    let x = features(&mut rng, rows, cols, 0.0);
    // Mostly noise, so the validation loss turns up early.
    let y: Vec<f64> = (0..rows).map(|r| 0.3 * f64::from(x[r * cols]) + rng.normal()).collect();
    let n = 400;
    let params = Params {
        trees: 500,
        learning_rate: 0.3,
        min_data_in_leaf: 2,
        early_stopping_rounds: Some(10),
        ..Params::default()
    };
    let valid = Some((&x[n * cols..], rows - n, &y[n..]));
    let m = Gbdt::fit(&x[..n * cols], n, cols, &y[..n], Objective::SquaredError, &params, valid).unwrap();
    let losses = m.valid_losses();
    assert!(losses.len() < 500, "stopped early");
    let best = losses.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
    assert_eq!(m.n_trees(), best + 1);
    assert_eq!(losses.len(), best + 11);
    // The model's own validation loss is the best one.
    let mse = rmse(&m.predict(&x[n * cols..], rows - n), &y[n..]).powi(2);
    assert!((mse - losses[best]).abs() < 1e-4 * losses[best], "{mse} vs {}", losses[best]);

    // Without a validation set a fraction of the rows is held out.
    let m = Gbdt::fit(&x, rows, cols, &y, Objective::SquaredError, &params, None).unwrap();
    assert!(!m.valid_losses().is_empty() && m.n_trees() < 500);
}

#[test]
fn bad_inputs_are_named() {
    let x = [0.0f32, 1.0, 2.0, 3.0];
    let p = Params::default();
    let err = Gbdt::fit(&x, 4, 1, &[0.0, 1.0, 2.0, 1.0], Objective::Binary, &p, None).unwrap_err();
    assert!(matches!(err, GbdtError::Target { row: 2, .. }), "{err}");
    assert_eq!(err.to_string(), "training row 2: target 2 is not 0 or 1");
    let err = Gbdt::fit(&x, 4, 1, &[0.0, 1.0, 3.0, 1.0], Objective::Multiclass { classes: 3 }, &p, None).unwrap_err();
    assert!(matches!(err, GbdtError::Target { row: 2, .. }), "{err}");
    let err = Gbdt::fit(&x, 4, 1, &[0.0, f64::NAN, 3.0, 1.0], Objective::SquaredError, &p, None).unwrap_err();
    assert!(matches!(err, GbdtError::Target { row: 1, .. }), "{err}");
    let err = Gbdt::fit(&x, 3, 1, &[0.0; 3], Objective::SquaredError, &p, None).unwrap_err();
    assert_eq!(err, GbdtError::Shape { what: "x", expected: 3, found: 4 });
    let err = Gbdt::fit(&x, 4, 1, &[0.0; 4], Objective::Multiclass { classes: 2 }, &p, None).unwrap_err();
    assert!(matches!(err, GbdtError::Param { name: "classes", .. }), "{err}");
    let bad = Params { max_bins: 256, ..Params::default() };
    let err = Gbdt::fit(&x, 4, 1, &[0.0; 4], Objective::SquaredError, &bad, None).unwrap_err();
    assert!(matches!(err, GbdtError::Param { name: "max_bins", .. }), "{err}");
}
