//! Tree ensembles as the trainer exports them give ONNX Runtime's answers in
//! our runtime: splits on sets of categories (chains of `BRANCH_EQ` sharing
//! their true branch) and learned missing directions, rows with NaN, codes
//! never seen and every code included.

use prost::Message;
use runtime_wasm::interface::{Data, NamedTensor};
use trainer::gbdt::{Gbdt, Node, Objective, Params, Rule};

/// Codes 0..9 of a category and a number, each 10% missing.
fn data(rows: usize) -> (Vec<f32>, Vec<f64>) {
    let mut state = 7u64;
    let mut unit = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / (1u64 << 53) as f64
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..rows {
        let code = (unit() * 10.0).floor() as f32;
        let v = (unit() * 4.0 - 2.0) as f32;
        let code = if unit() < 0.1 { f32::NAN } else { code };
        let v = if unit() < 0.1 { f32::NAN } else { v };
        let bump = if [2.0, 3.0, 7.0].contains(&code) {
            5.0
        } else if code.is_nan() {
            -3.0
        } else {
            0.0
        };
        x.extend([code, v]);
        y.push(bump + if v.is_nan() { 1.0 } else { f64::from(v) });
    }
    // Every code, an unseen one and NaN, with a number and without.
    for code in (0..12).map(|c| c as f32).chain([f32::NAN]) {
        x.extend([code, 0.5, code, f32::NAN]);
        y.extend([0.0, 0.0]);
    }
    (x, y)
}

fn outputs(bytes: &[u8], x: &[f32], rows: usize) -> (Vec<NamedTensor>, Vec<NamedTensor>) {
    let input = || vec![NamedTensor { name: "input".into(), shape: vec![rows, 2], data: Data::F32(x.to_vec()) }];
    let ours = runtime_wasm::Model::load(bytes).unwrap().run(input()).unwrap();
    let ort = host::ort_engine::OrtModel::load(bytes, 1).unwrap().run(input()).unwrap();
    (ours, ort)
}

fn floats(t: &NamedTensor) -> &[f32] {
    let Data::F32(v) = &t.data else { panic!("{t:?}") };
    v
}

#[test]
fn category_chains_and_missing_directions_agree_with_onnx_runtime() {
    let (x, y) = data(3000);
    let rows = y.len();
    let params = Params { trees: 40, categorical: vec![0], ..Params::default() };
    let reg = Gbdt::fit(&x, rows, 2, &y, Objective::SquaredError, &params, None).unwrap();
    let chains = reg
        .trees()
        .iter()
        .flat_map(|t| &t.nodes)
        .filter(|n| matches!(n, Node::Split { rule: Rule::OneOf(_), .. }))
        .count();
    assert!(chains > 10, "{chains} category splits");
    let bytes = trainer::onnx_trees::gbdt_model(&reg, &[]).encode_to_vec();
    let (ours, ort) = outputs(&bytes, &x, rows);
    for (r, (a, b)) in floats(&ours[0]).iter().zip(floats(&ort[0])).enumerate() {
        assert!((a - b).abs() <= 1e-5 * b.abs() + 1e-6, "row {r}: ours {a}, ONNX Runtime {b}");
    }

    let labels: Vec<String> = ["low", "mid", "high"].map(String::from).to_vec();
    // 0, 1 or 2 as the value passes 0 and 3.
    let yc: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v > 0.0) + u8::from(v > 3.0))).collect();
    let clf = Gbdt::fit(&x, rows, 2, &yc, Objective::Multiclass { classes: 3 }, &params, None).unwrap();
    let bytes = trainer::onnx_trees::gbdt_model(&clf, &labels).encode_to_vec();
    let (ours, ort) = outputs(&bytes, &x, rows);
    assert_eq!(ours[0].data, ort[0].data, "labels");
    for (i, (a, b)) in floats(&ours[1]).iter().zip(floats(&ort[1])).enumerate() {
        assert!((a - b).abs() <= 1e-5 * b.abs() + 1e-6, "row {} class {}: ours {a}, ONNX Runtime {b}", i / 3, i % 3);
    }
}
