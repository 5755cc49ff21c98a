use serde_json::{Map, Value};

use super::*;

fn model(file: &str) -> Model {
    let path = format!("{}/../models/{file}", env!("CARGO_MANIFEST_DIR"));
    Model::load(&std::fs::read(&path).unwrap()).unwrap()
}

fn golden_row(m: &Model, i: usize) -> Map<String, Value> {
    m.manifest().unwrap().golden[i].input.clone()
}

fn sum(e: &Explanation) -> f64 {
    e.contributions.iter().map(|c| c.contribution).sum()
}

#[test]
fn contributions_add_up_to_the_distance_from_the_baseline() {
    for file in ["car-price.onnx", "car-price-gbr.onnx", "iris-species.onnx"] {
        let m = model(file);
        for i in 0..m.manifest().unwrap().golden.len() {
            let e = explain(&m, &golden_row(&m, i)).unwrap();
            let gap = e.value - e.baseline;
            assert!((sum(&e) - gap).abs() <= 1e-6 * (1.0 + gap.abs()), "{file} case {i}: {} vs {gap}", sum(&e));
            assert_eq!(e.contributions.len(), m.manifest().unwrap().signature.inputs.len());
        }
    }
}

#[test]
fn the_explained_value_is_the_prediction() {
    let m = model("car-price-gbr.onnx");
    let row = golden_row(&m, 0);
    let e = explain(&m, &row).unwrap();
    let p = m.predict_json(&Value::Object(row).to_string()).unwrap();
    assert_eq!(e.output, "Price");
    assert_eq!(e.value, p.column("Price").unwrap().values.number(0).unwrap());
    assert!(e.method.starts_with("sampled"), "{}", e.method);

    // A classifier explains the probability of the class it predicted.
    let m = model("iris-species.onnx");
    let row = golden_row(&m, 0);
    let e = explain(&m, &row).unwrap();
    let p = m.predict_json(&Value::Object(row).to_string()).unwrap();
    let label = p.columns.iter().find(|c| c.path.1.is_none()).unwrap().values.text(0);
    assert!(e.output.ends_with(&label), "{} for {label}", e.output);
    assert_eq!(e.method, "exact");
}

#[test]
fn a_field_at_its_baseline_value_contributes_nothing() {
    let m = model("car-price-gbr.onnx");
    let mut row = golden_row(&m, 1);
    let base = baseline(m.manifest().unwrap());
    row.insert("Horsepower".into(), base["Horsepower"].clone());
    let e = explain(&m, &row).unwrap();
    let hp = e.contributions.iter().find(|c| c.field == "Horsepower").unwrap();
    assert_eq!(hp.contribution, 0.0);
    // The baseline itself has nothing to explain.
    let e = explain(&m, &base).unwrap();
    assert!(e.contributions.iter().all(|c| c.contribution == 0.0));
}

#[test]
fn explanations_are_deterministic() {
    let m = model("car-price.onnx");
    let row = golden_row(&m, 2);
    assert_eq!(explain(&m, &row).unwrap(), explain(&m, &row).unwrap());
}

#[test]
fn exact_values_are_the_average_over_every_order() {
    // iris has 4 fields: all 24 orders can be walked one model call at a time.
    let m = model("iris-species.onnx");
    for i in 0..3 {
        let row = golden_row(&m, i);
        let exact = explain(&m, &row).unwrap();
        let names: Vec<String> = m.manifest().unwrap().signature.inputs.iter().map(|f| f.name.clone()).collect();
        let n = names.len();
        // All n! orders of 4 fields average to the exact Shapley values.
        let mut phi = vec![0.0; n];
        let mut orders = Vec::new();
        permutations(&mut (0..n).collect(), 0, &mut orders);
        let base = baseline(m.manifest().unwrap());
        for order in &orders {
            let mut current = base.clone();
            let mut before = exact.baseline;
            for &k in order {
                current.insert(names[k].clone(), row[&names[k]].clone());
                let p = m.predict_json(&Value::Object(current.clone()).to_string()).unwrap();
                let value = p.column(&exact.output).unwrap().values.number(0).unwrap();
                phi[k] += value - before;
                before = value;
            }
        }
        for (k, c) in exact.contributions.iter().enumerate() {
            let want = phi[k] / orders.len() as f64;
            assert!((c.contribution - want).abs() < 1e-9, "case {i} {}: {} vs {want}", c.field, c.contribution);
        }
    }
}

#[test]
fn sampled_values_approach_the_exact_ones() {
    let m = model("iris-species.onnx");
    for i in 0..3 {
        let row = golden_row(&m, i);
        let exact = explain(&m, &row).unwrap();
        let sampled = explain_with(&m, &row, 0).unwrap();
        assert!(sampled.method.starts_with("sampled"));
        let gap = sampled.value - sampled.baseline;
        assert!((sum(&sampled) - gap).abs() <= 1e-9 * (1.0 + gap.abs()));
        let scale = exact.contributions.iter().map(|c| c.contribution.abs()).fold(0.0, f64::max);
        for (a, b) in sampled.contributions.iter().zip(&exact.contributions) {
            assert!(
                (a.contribution - b.contribution).abs() <= 0.05 * scale + 1e-9,
                "case {i} {}: {a:?} vs {b:?}",
                a.field
            );
        }
    }
}

fn permutations(v: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
    if k == v.len() {
        out.push(v.clone());
        return;
    }
    for i in k..v.len() {
        v.swap(k, i);
        permutations(v, k + 1, out);
        v.swap(k, i);
    }
}

#[test]
fn a_model_without_a_manifest_is_a_clear_error() {
    let path = format!("{}/../tests/fixtures/linear_regression/model.onnx", env!("CARGO_MANIFEST_DIR"));
    let m = Model::load(&std::fs::read(path).unwrap()).unwrap();
    let e = explain(&m, &Map::new()).unwrap_err().to_string();
    assert!(e.contains("manifest"), "{e}");
}
