//! Exported `ai.onnx.ml` tree ensembles, run by the runtime (which reproduces
//! ONNX Runtime), give the trainer's own predictions: regression, binary and
//! multiclass, with missing cells and with inputs exactly on thresholds.

mod common;

use common::{Dataset, Rand, features};
use prost::Message;
use runtime_wasm::Model;
use runtime_wasm::interface::{Data, NamedTensor};
use trainer::gbdt::{Gbdt, Node, Objective, Params, Rule};
use trainer::onnx_trees;

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-6 + 1e-5 * want.abs()
}

fn export(m: &Gbdt, labels: &[String]) -> Vec<u8> {
    onnx_trees::gbdt_model(m, labels).encode_to_vec()
}

fn run(bytes: &[u8], x: &[f32], rows: usize, cols: usize) -> Vec<NamedTensor> {
    let model = Model::load(bytes).unwrap();
    let input = NamedTensor { name: "input".into(), shape: vec![rows, cols], data: Data::F32(x.to_vec()) };
    model.run(vec![input]).unwrap()
}

/// `rows` plus, for every split of the first trees, copies of a row with the
/// split's feature set to the threshold, the floats next to it, and NaN.
fn with_edges(m: &Gbdt, x: &[f32], cols: usize) -> (Vec<f32>, usize) {
    let mut out = x.to_vec();
    let mut k = 0;
    for tree in m.trees().iter().take(40) {
        for node in &tree.nodes {
            if let Node::Split { feature, rule: Rule::AtMost(threshold), .. } = node {
                let t = *threshold;
                for v in [
                    t,
                    f32::from_bits(t.to_bits().wrapping_add(1)),
                    f32::from_bits(t.to_bits().wrapping_sub(1)),
                    f32::NAN,
                ] {
                    let r = k % (x.len() / cols);
                    k += 1;
                    let mut row = x[r * cols..(r + 1) * cols].to_vec();
                    row[*feature] = if t.is_finite() { v } else { f32::NAN };
                    out.extend(row);
                }
            }
        }
    }
    let rows = out.len() / cols;
    (out, rows)
}

fn check_regressor(m: &Gbdt, x: &[f32], cols: usize) {
    let (x, rows) = with_edges(m, x, cols);
    let bytes = export(m, &[]);
    let want = m.predict(&x, rows);
    let out = run(&bytes, &x, rows, cols);
    assert_eq!(out[0].shape, vec![rows, 1]);
    let Data::F32(got) = &out[0].data else { panic!("float output") };
    let mut exact = 0;
    for (r, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(close(f64::from(*g), *w), "row {r}: exported {g}, trainer {w}");
        exact += usize::from(f64::from(*g) == *w);
    }
    // The trainer sums in f32 like the runtime: the values are the same.
    assert_eq!(exact, rows);
    // The plain-matrix path of the runtime agrees.
    let model = Model::load(&bytes).unwrap();
    let matrix = runtime_wasm::describe::predict_matrix(&model, &x, rows).unwrap();
    assert_eq!(&matrix, got);
}

fn check_classifier(m: &Gbdt, labels: &[String], x: &[f32], cols: usize) {
    let (x, rows) = with_edges(m, x, cols);
    let classes = labels.len();
    let out = run(&export(m, labels), &x, rows, cols);
    assert_eq!((out[0].name.as_str(), out[1].name.as_str()), ("label", "probabilities"));
    let Data::Str(got_labels) = &out[0].data else { panic!("string labels, got {:?}", out[0].data) };
    let Data::F32(got) = &out[1].data else { panic!("float probabilities") };
    assert_eq!(out[1].shape, vec![rows, classes]);
    let want = m.predict(&x, rows);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(close(f64::from(*g), *w), "row {} class {}: exported {g}, trainer {w}", i / classes, i % classes);
    }
    let want_labels: Vec<&String> = m.predict_class(&x, rows).into_iter().map(|c| &labels[c]).collect();
    assert_eq!(got_labels.iter().collect::<Vec<_>>(), want_labels);
    // Both classes occur, so the labels are really compared.
    assert!(labels.iter().filter(|l| got_labels.contains(l)).count() >= 2.min(classes));
}

#[test]
fn regressor_on_cars93_with_missing_cells() {
    let d = Dataset::load("cars93.csv", "Price", &["Min.Price", "Max.Price"]);
    assert!(d.x.iter().any(|v| v.is_nan()));
    let y: Vec<f64> = d.target.iter().map(|s| s.parse().unwrap()).collect();
    let params = Params { trees: 150, min_data_in_leaf: 3, ..Params::default() };
    let m = Gbdt::fit(&d.x, d.rows, d.cols, &y, Objective::SquaredError, &params, None).unwrap();
    check_regressor(&m, &d.x, d.cols);
}

#[test]
fn regressor_with_learned_missing_directions() {
    let mut rng = Rand(21);
    let (rows, cols) = (3000, 4);
    let x = features(&mut rng, rows, cols, 0.15);
    let v = |r: usize, j: usize| f64::from(x[r * cols + j]);
    let y: Vec<f64> = (0..rows)
        .map(|r| {
            let a = if v(r, 0).is_nan() { 3.0 } else { v(r, 0) };
            let b = if v(r, 1).is_nan() { -3.0 } else { v(r, 1) };
            100.0 + 2.0 * a + b * b.abs() + rng.normal()
        })
        .collect();
    let params = Params { trees: 300, ..Params::default() };
    let m = Gbdt::fit(&x, rows, cols, &y, Objective::SquaredError, &params, None).unwrap();
    let splits = m.trees().iter().flat_map(|t| &t.nodes).filter_map(|n| match n {
        Node::Split { missing_left, .. } => Some(*missing_left),
        Node::Leaf { .. } => None,
    });
    let (left, right): (Vec<bool>, Vec<bool>) = splits.partition(|&l| l);
    assert!(!left.is_empty() && !right.is_empty(), "both missing directions are exercised");
    let test = features(&mut rng, 500, cols, 0.3);
    check_regressor(&m, &test, cols);
}

#[test]
fn binary_classifier() {
    let mut rng = Rand(8);
    let (rows, cols) = (3000, 5);
    let x = features(&mut rng, rows, cols, 0.1);
    let y: Vec<f64> = (0..rows)
        .map(|r| {
            let v = |j: usize| f64::from(x[r * cols + j]);
            let z = 2.0 * v(0) - v(1) * v(2) + if v(3).is_nan() { 1.5 } else { 0.0 };
            let p = 1.0 / (1.0 + (-z).exp());
            f64::from(u8::from(p.is_nan() || rng.uniform() < p))
        })
        .collect();
    let m = Gbdt::fit(&x, rows, cols, &y, Objective::Binary, &Params::default(), None).unwrap();
    let test = features(&mut rng, 500, cols, 0.2);
    check_classifier(&m, &["no".into(), "yes".into()], &test, cols);
}

#[test]
fn multiclass_classifier_on_iris_with_missing_cells() {
    let d = Dataset::load("iris.csv", "Species", &[]);
    let names = ["setosa", "versicolor", "virginica"];
    let y: Vec<f64> = d.target.iter().map(|s| names.iter().position(|n| n == s).unwrap() as f64).collect();
    let mut rng = Rand(4);
    let x: Vec<f32> = d.x.iter().map(|&v| if rng.uniform() < 0.1 { f32::NAN } else { v }).collect();
    let params = Params { min_data_in_leaf: 5, ..Params::default() };
    let m = Gbdt::fit(&x, d.rows, d.cols, &y, Objective::Multiclass { classes: 3 }, &params, None).unwrap();
    let labels: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    check_classifier(&m, &labels, &x, d.cols);
    check_classifier(&m, &labels, &d.x, d.cols);
}

#[test]
fn same_seed_same_bytes() {
    let mut rng = Rand(2);
    let (rows, cols) = (2000, 3);
    let x = features(&mut rng, rows, cols, 0.1);
    let y: Vec<f64> = (0..rows).map(|r| f64::from(u8::from(x[r * cols] > 0.0 || rng.uniform() < 0.2))).collect();
    let bytes = |seed: u64| {
        let p = Params { trees: 30, subsample: 0.8, colsample: 0.7, seed, ..Params::default() };
        export(&Gbdt::fit(&x, rows, cols, &y, Objective::Binary, &p, None).unwrap(), &["a".into(), "b".into()])
    };
    let a = bytes(9);
    assert_eq!(a, bytes(9));
    assert_ne!(a, bytes(10));
}

#[test]
fn model_has_the_declared_interface() {
    let mut rng = Rand(6);
    let x = features(&mut rng, 200, 3, 0.0);
    let y: Vec<f64> = (0..200).map(|r| f64::from(x[r * 3])).collect();
    let m =
        Gbdt::fit(&x, 200, 3, &y, Objective::SquaredError, &Params { trees: 3, ..Params::default() }, None).unwrap();
    let proto = onnx_trees::gbdt_model(&m, &[]);
    assert_eq!(proto.ir_version, 8);
    let opsets: Vec<(&str, i64)> = proto.opset_import.iter().map(|o| (o.domain.as_str(), o.version)).collect();
    assert_eq!(opsets, vec![("", 17), ("ai.onnx.ml", 3)]);
    let graph = proto.graph.as_ref().unwrap();
    assert_eq!(graph.node[0].op_type, "TreeEnsembleRegressor");
    assert_eq!(graph.node[0].domain, "ai.onnx.ml");
    let model = Model::load(&proto.encode_to_vec()).unwrap();
    let file = model.file();
    let inputs = file.inputs();
    assert_eq!(inputs.len(), 1);
    assert_eq!((inputs[0].name.as_str(), inputs[0].dims.as_slice()), ("input", [None, Some(3)].as_slice()));
    let outputs = file.outputs();
    assert_eq!((outputs[0].name.as_str(), outputs[0].dims.as_slice()), ("variable", [None, Some(1)].as_slice()));
}

/// Codes 0..12 of a category (some missing) and a number; the target
/// depends on the category through an unordered set, which splits on sets
/// of categories find in one step.
fn categorical_data(rows: usize) -> (Vec<f32>, Vec<f64>) {
    let mut rng = Rand(41);
    let mut x = Vec::with_capacity(rows * 2);
    let mut y = Vec::with_capacity(rows);
    for _ in 0..rows {
        let code = (rng.uniform() * 12.0).floor() as f32;
        let code = if rng.uniform() < 0.05 { f32::NAN } else { code };
        let v = rng.normal() as f32;
        x.extend([code, v]);
        let in_set = [1.0, 4.0, 6.0, 11.0].contains(&code);
        y.push(if in_set { 10.0 } else { 0.0 } + f64::from(v) + 0.1 * rng.normal());
    }
    (x, y)
}

/// Rows with the category set to every code, a code never seen, and NaN.
fn with_codes(x: &[f32]) -> (Vec<f32>, usize) {
    let mut out = x.to_vec();
    for (i, code) in (0..14).map(|c| c as f32).chain([f32::NAN, 99.0]).enumerate() {
        out.extend([code, x[2 * i + 1]]);
    }
    let rows = out.len() / 2;
    (out, rows)
}

#[test]
fn category_splits_export_as_chains_of_equalities() {
    let (x, y) = categorical_data(2000);
    let params = Params { trees: 60, categorical: vec![0], ..Params::default() };
    let m = Gbdt::fit(&x, 2000, 2, &y, Objective::SquaredError, &params, None).unwrap();
    let sets: Vec<&Vec<f32>> = m
        .trees()
        .iter()
        .flat_map(|t| &t.nodes)
        .filter_map(|n| match n {
            Node::Split { rule: Rule::OneOf(categories), .. } => Some(categories),
            _ => None,
        })
        .collect();
    assert!(!sets.is_empty(), "the category is split by sets");
    // The first tree's root separates the set {1, 4, 6, 11} from the rest.
    let Node::Split { rule: Rule::OneOf(categories), .. } = &m.trees()[0].nodes[0] else {
        panic!("{:?}", m.trees()[0].nodes[0])
    };
    let mut root: Vec<f32> = categories.clone();
    root.sort_by(f32::total_cmp);
    assert!(root == [1.0, 4.0, 6.0, 11.0] || root.len() == 8, "{root:?}");
    let (xe, rows) = with_codes(&x);
    check_regressor(&m, &xe, 2);

    // Binary and multiclass classifiers on the same codes.
    let yb: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v > 5.0))).collect();
    let b = Gbdt::fit(&x, 2000, 2, &yb, Objective::Binary, &params, None).unwrap();
    check_classifier(&b, &["no".into(), "yes".into()], &xe[..rows * 2], 2);
    let yc: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v > 0.0) + u8::from(v > 5.0))).collect();
    let c = Gbdt::fit(&x, 2000, 2, &yc, Objective::Multiclass { classes: 3 }, &params, None).unwrap();
    check_classifier(&c, &["a".into(), "b".into(), "c".into()], &xe, 2);

    // Small trees splitting on sets fit this target far better than the
    // same trees reading the codes as numbers.
    let small = Params { trees: 20, max_leaves: Some(3), ..Params::default() };
    let sets =
        Gbdt::fit(&x, 2000, 2, &y, Objective::SquaredError, &Params { categorical: vec![0], ..small.clone() }, None);
    let numbers = Gbdt::fit(&x, 2000, 2, &y, Objective::SquaredError, &small, None);
    let err = |m: &Gbdt| common::rmse(&m.predict(&x, 2000), &y);
    let (sets, numbers) = (err(&sets.unwrap()), err(&numbers.unwrap()));
    assert!(sets < 0.5 * numbers, "sets {sets} vs numbers {numbers}");
}
