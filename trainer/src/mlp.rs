//! Small multilayer perceptrons trained by gradient descent with candle:
//! one or two hidden ReLU layers, AdamW on mini-batches, MSE on standardized
//! targets (regression) or softmax cross-entropy (classification), early
//! stopping on a held-out part of the training rows. Weights are initialised
//! from our own seeded generator and batches shuffled with it, so a seed
//! gives the same model. Predictions are computed here in plain f32 from the
//! stored weights, as the exported graph computes them (standard `Gemm`,
//! `Relu`, `Softmax`, `ArgMax` and an `ai.onnx.ml` `LabelEncoder`).

use crate::rng::Rng;
use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use runtime_wasm::pb;

use crate::onnx;

/// What the network predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlpKind {
    Regression,
    Classification { classes: usize },
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct MlpParams {
    /// Units of each hidden layer (one or two layers).
    pub hidden: Vec<usize>,
    pub learning_rate: f64,
    /// AdamW's decoupled weight decay (L2), applied to weights, not biases.
    pub weight_decay: f64,
    /// Largest mini-batch; small tables use smaller ones (at least four
    /// steps per epoch, at least 16 rows a batch).
    pub batch_size: usize,
    pub max_epochs: usize,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    /// Part of the rows held out for early stopping (none under 20 rows).
    pub validation_fraction: f64,
    /// Stop (keeping the best epoch so far) when this instant has passed.
    pub deadline: Option<Instant>,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden: vec![64],
            learning_rate: 2e-3,
            weight_decay: 1e-4,
            batch_size: 128,
            max_epochs: 400,
            patience: 30,
            validation_fraction: 0.15,
            deadline: None,
        }
    }
}

/// A fitted network. `layers[i]` holds weights `[out, in]` (row-major) and
/// bias `[out]`. For regression the target scaling is folded into the last
/// layer, so the network's output is the target itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    pub layers: Vec<(Vec<f32>, Vec<f32>)>,
    pub features: usize,
    pub kind: MlpKind,
    /// Mean and standard deviation the regression target was trained in
    /// (already folded into the last layer); `(0, 1)` for classification.
    pub target_scaling: (f64, f64),
    /// Epochs run and the epoch whose weights were kept.
    pub epochs: usize,
    pub best_epoch: usize,
}

fn err(e: candle_core::Error) -> String {
    format!("mlp training failed: {e}")
}

impl Mlp {
    /// Fits a network to `x` (`[rows, features]`, row-major) and `y`
    /// (regression targets, or class indices `0..classes` as f64).
    pub fn fit(
        x: &[f32],
        rows: usize,
        features: usize,
        y: &[f64],
        kind: MlpKind,
        params: &MlpParams,
        seed: u64,
    ) -> Result<Mlp, String> {
        if rows == 0 || x.len() != rows * features || y.len() != rows {
            return Err(format!("mlp: {rows} rows of {features} features do not match the data"));
        }
        if params.hidden.is_empty() || params.hidden.contains(&0) {
            return Err("mlp: at least one hidden layer of at least one unit".into());
        }
        if y.iter().any(|v| !v.is_finite()) {
            return Err("mlp: the target has missing or infinite values".into());
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err("mlp: the features have missing or infinite values".into());
        }
        let outputs = match kind {
            MlpKind::Regression => 1,
            MlpKind::Classification { classes } => {
                if classes < 2 || y.iter().any(|&c| c < 0.0 || c as usize >= classes || c.fract() != 0.0) {
                    return Err(format!("mlp: class indices must be 0..{classes} with at least 2 classes"));
                }
                classes
            }
        };
        let (mean, std) = match kind {
            MlpKind::Regression => {
                let n = rows as f64;
                let m = y.iter().sum::<f64>() / n;
                let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
                (m, if s > 1e-12 { s } else { 1.0 })
            }
            MlpKind::Classification { .. } => (0.0, 1.0),
        };

        let mut rng = Rng(seed ^ 0x4D4C_5030_6369_7469);
        // Initial weights: He-uniform for ReLU layers, Glorot-uniform last.
        let mut sizes = vec![features];
        sizes.extend(&params.hidden);
        sizes.push(outputs);
        let mut init = Vec::new();
        for (l, w) in sizes.windows(2).enumerate() {
            let (fan_in, fan_out) = (w[0], w[1]);
            let last = l + 2 == sizes.len();
            let bound = if last { (6.0 / (fan_in + fan_out) as f64).sqrt() } else { (6.0 / fan_in as f64).sqrt() };
            let weights: Vec<f32> = (0..fan_in * fan_out).map(|_| ((rng.unit() * 2.0 - 1.0) * bound) as f32).collect();
            init.push((weights, vec![0f32; fan_out]));
        }

        // Held-out rows for early stopping.
        let mut order: Vec<usize> = (0..rows).collect();
        rng.shuffle(&mut order);
        let n_val =
            if rows >= 20 { ((rows as f64 * params.validation_fraction).round() as usize).min(rows / 2) } else { 0 };
        let (val_idx, train_idx) = order.split_at(n_val);
        let mut train_idx = train_idx.to_vec();

        let target = |r: usize| match kind {
            MlpKind::Regression => ((y[r] - mean) / std) as f32,
            MlpKind::Classification { .. } => y[r] as f32,
        };
        let dev = Device::Cpu;
        let gather = |idx: &[usize]| -> candle_core::Result<(Tensor, Tensor)> {
            let mut xs = Vec::with_capacity(idx.len() * features);
            for &r in idx {
                xs.extend_from_slice(&x[r * features..(r + 1) * features]);
            }
            let xt = Tensor::from_vec(xs, (idx.len(), features), &dev)?;
            let yt = match kind {
                MlpKind::Regression => {
                    Tensor::from_vec(idx.iter().map(|&r| target(r)).collect(), (idx.len(), 1), &dev)?
                }
                MlpKind::Classification { .. } => {
                    Tensor::from_vec(idx.iter().map(|&r| y[r] as u32).collect::<Vec<u32>>(), idx.len(), &dev)?
                }
            };
            Ok((xt, yt))
        };
        let loss_of = |out: &Tensor, yt: &Tensor| match kind {
            MlpKind::Regression => candle_nn::loss::mse(out, yt),
            MlpKind::Classification { .. } => candle_nn::loss::cross_entropy(out, yt),
        };

        let vars: Vec<(Var, Var)> = init
            .iter()
            .zip(sizes.windows(2))
            .map(|((w, b), s)| {
                Ok((
                    Var::from_tensor(&Tensor::from_slice(w, (s[1], s[0]), &dev)?)?,
                    Var::from_tensor(&Tensor::from_slice(b, s[1], &dev)?)?,
                ))
            })
            .collect::<candle_core::Result<_>>()
            .map_err(err)?;
        let forward = |h: &Tensor| -> candle_core::Result<Tensor> {
            let mut h = h.clone();
            for (l, (w, b)) in vars.iter().enumerate() {
                h = h.matmul(&w.as_tensor().t()?)?.broadcast_add(b.as_tensor())?;
                if l + 1 < vars.len() {
                    h = h.relu()?;
                }
            }
            Ok(h)
        };
        let adam = |wd: f64| ParamsAdamW { lr: params.learning_rate, weight_decay: wd, ..ParamsAdamW::default() };
        let mut opt_w =
            AdamW::new(vars.iter().map(|(w, _)| w.clone()).collect(), adam(params.weight_decay)).map_err(err)?;
        let mut opt_b = AdamW::new(vars.iter().map(|(_, b)| b.clone()).collect(), adam(0.0)).map_err(err)?;
        let snapshot = || -> candle_core::Result<Vec<(Vec<f32>, Vec<f32>)>> {
            vars.iter()
                .map(|(w, b)| Ok((w.as_tensor().flatten_all()?.to_vec1::<f32>()?, b.as_tensor().to_vec1::<f32>()?)))
                .collect()
        };

        let batch = params.batch_size.min((train_idx.len() / 4).max(16)).max(1);
        let val = if n_val > 0 { Some(gather(val_idx).map_err(err)?) } else { None };
        let mut best = (f32::INFINITY, 0usize, init.clone());
        let mut epochs = 0;
        for epoch in 1..=params.max_epochs.max(1) {
            if epoch > 1 && params.deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            epochs = epoch;
            rng.shuffle(&mut train_idx);
            let mut train_loss = 0f32;
            for chunk in train_idx.chunks(batch) {
                let (xb, yb) = gather(chunk).map_err(err)?;
                let loss = forward(&xb).and_then(|o| loss_of(&o, &yb)).map_err(err)?;
                let grads = loss.backward().map_err(err)?;
                opt_w.step(&grads).map_err(err)?;
                opt_b.step(&grads).map_err(err)?;
                train_loss += loss.to_scalar::<f32>().map_err(err)? * chunk.len() as f32;
            }
            let score = match &val {
                Some((xv, yv)) => {
                    forward(xv).and_then(|o| loss_of(&o, yv)).and_then(|l| l.to_scalar::<f32>()).map_err(err)?
                }
                None => train_loss / train_idx.len().max(1) as f32,
            };
            if !score.is_finite() {
                break;
            }
            if score < best.0 {
                best = (score, epoch, snapshot().map_err(err)?);
            } else if epoch - best.1 >= params.patience.max(1) {
                break;
            }
        }
        let (_, best_epoch, mut layers) = best;
        if kind == MlpKind::Regression {
            // Fold the target scaling into the last layer: out·std + mean.
            let (w, b) = layers.last_mut().expect("at least one layer");
            w.iter_mut().for_each(|v| *v = (*v as f64 * std) as f32);
            b.iter_mut().for_each(|v| *v = (*v as f64 * std + mean) as f32);
        }
        Ok(Mlp { layers, features, kind, target_scaling: (mean, std), epochs, best_epoch })
    }

    /// Output units of the last layer.
    fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |(_, b)| b.len())
    }

    /// Regression values `[rows]`, or class probabilities `[rows, classes]`,
    /// computed in f32 as the exported graph does.
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(rows * self.outputs());
        let mut h: Vec<f32> = Vec::new();
        let mut next: Vec<f32> = Vec::new();
        for r in 0..rows {
            h.clear();
            h.extend_from_slice(&x[r * self.features..(r + 1) * self.features]);
            for (l, (w, b)) in self.layers.iter().enumerate() {
                next.clear();
                for (j, bias) in b.iter().enumerate() {
                    let wj = &w[j * h.len()..(j + 1) * h.len()];
                    let mut s = 0f32;
                    for (a, c) in h.iter().zip(wj) {
                        s += a * c;
                    }
                    let v = s + bias;
                    next.push(if l + 1 < self.layers.len() { v.max(0.0) } else { v });
                }
                std::mem::swap(&mut h, &mut next);
            }
            if let MlpKind::Classification { .. } = self.kind {
                let m = h.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                h.iter_mut().for_each(|v| *v = (*v - m).exp());
                let sum: f32 = h.iter().sum();
                h.iter_mut().for_each(|v| *v /= sum);
            }
            out.extend(h.iter().map(|&v| v as f64));
        }
        out
    }

    /// Sum of |first-layer weights| per input column, normalised to sum 1.
    pub fn importance(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.features];
        if let Some((w, _)) = self.layers.first() {
            for (i, v) in w.iter().enumerate() {
                imp[i % self.features] += v.abs() as f64;
            }
        }
        let s: f64 = imp.iter().sum();
        if s > 0.0 {
            imp.iter_mut().for_each(|v| *v /= s);
        }
        imp
    }

    /// The graph reading `input` (`[N, features]`): `Gemm` (+ `Relu`) per
    /// layer; regression writes `outputs[0]` `[N, 1]`; classification writes
    /// probabilities (`Softmax`) to `outputs[1]` `[N, classes]` and labels
    /// (`ArgMax` then `LabelEncoder` to `classes`) to `outputs[0]` `[N]`.
    /// Returns the nodes and the initializers (weights) they read.
    pub fn nodes(
        &self,
        input: &str,
        outputs: &[&str],
        classes: &[String],
    ) -> (Vec<pb::NodeProto>, Vec<pb::TensorProto>) {
        let mut nodes = Vec::new();
        let mut inits = Vec::new();
        let mut prev = input.to_string();
        let n = self.layers.len();
        let mut fan_in = self.features;
        for (l, (w, b)) in self.layers.iter().enumerate() {
            let (wn, bn) = (format!("mlp_w{l}"), format!("mlp_b{l}"));
            inits.push(onnx::float_tensor(&wn, &[b.len(), fan_in], w));
            inits.push(onnx::float_tensor(&bn, &[b.len()], b));
            fan_in = b.len();
            let last = l + 1 == n;
            let out = match (last, self.kind) {
                (true, MlpKind::Regression) => outputs[0].to_string(),
                (true, MlpKind::Classification { .. }) => "mlp_logits".to_string(),
                (false, _) => format!("mlp_z{l}"),
            };
            nodes.push(onnx::node("Gemm", &[&prev, &wn, &bn], &[&out], vec![onnx::int("transB", 1)]));
            prev = out;
            if !last {
                let act = format!("mlp_h{l}");
                nodes.push(onnx::node("Relu", &[&prev], &[&act], vec![]));
                prev = act;
            }
        }
        if let MlpKind::Classification { classes: k } = self.kind {
            nodes.push(onnx::node("Softmax", &[&prev], &[outputs[1]], vec![onnx::int("axis", 1)]));
            nodes.push(onnx::node(
                "ArgMax",
                &[&prev],
                &["mlp_class"],
                vec![onnx::int("axis", 1), onnx::int("keepdims", 0)],
            ));
            nodes.push(onnx::ml_node(
                "LabelEncoder",
                &["mlp_class"],
                &[outputs[0]],
                vec![
                    onnx::ints("keys_int64s", 0..k as i64),
                    onnx::strings("values_strings", classes.iter().take(k).map(String::as_str)),
                ],
            ));
        }
        (nodes, inits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use runtime_wasm::interface::{Data, NamedTensor};

    fn grid(rows: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng(seed);
        (0..rows * 2).map(|_| (rng.unit() * 4.0 - 2.0) as f32).collect()
    }

    fn rmse(p: &[f64], y: &[f64]) -> f64 {
        (p.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / y.len() as f64).sqrt()
    }

    fn export(m: &Mlp, classes: &[String]) -> Vec<u8> {
        type Outputs<'a> = (Vec<&'a str>, Vec<(&'a str, onnx::Elem, Option<usize>)>);
        let (outputs, outs): Outputs = match m.kind {
            MlpKind::Regression => (vec!["variable"], vec![("variable", onnx::Elem::Float, Some(1))]),
            MlpKind::Classification { classes: k } => (
                vec!["label", "probabilities"],
                vec![("label", onnx::Elem::String, None), ("probabilities", onnx::Elem::Float, Some(k))],
            ),
        };
        let (nodes, inits) = m.nodes("features", &outputs, classes);
        onnx::model("mlp", nodes, inits, "features", m.features, &outs).encode_to_vec()
    }

    fn run(bytes: &[u8], x: &[f32], rows: usize, f: usize) -> Vec<NamedTensor> {
        let m = runtime_wasm::Model::load(bytes).unwrap();
        m.run(vec![NamedTensor { name: "features".into(), shape: vec![rows, f], data: Data::F32(x.to_vec()) }]).unwrap()
    }

    fn close(got: f32, want: f64) -> bool {
        (got as f64 - want).abs() <= 1e-5 * want.abs() + 1e-6
    }

    #[test]
    fn learns_a_nonlinear_function_better_than_a_line() {
        let (rows, test) = (1200, 300);
        let x = grid(rows + test, 1);
        let f = |r: usize| (x[2 * r] as f64).sin() + (x[2 * r + 1] as f64).powi(2);
        let y: Vec<f64> = (0..rows + test).map(f).collect();
        let params = MlpParams { hidden: vec![64, 32], learning_rate: 3e-3, ..MlpParams::default() };
        let m = Mlp::fit(&x[..rows * 2], rows, 2, &y[..rows], MlpKind::Regression, &params, 7).unwrap();
        let (xt, yt) = (&x[rows * 2..], &y[rows..]);
        let mlp = rmse(&m.predict(xt, test), yt);
        let lin = crate::linear::ridge(&x[..rows * 2], rows, 2, &y[..rows], 1e-3);
        let line = rmse(&lin.predict(xt, test), yt);
        eprintln!("nonlinear: mlp rmse {mlp:.4}, ridge rmse {line:.4}, epochs {} (best {})", m.epochs, m.best_epoch);
        assert!(mlp < 0.15 && mlp < line / 4.0, "mlp {mlp} vs linear {line} (epochs {})", m.epochs);
        let imp = m.importance();
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{imp:?}");
    }

    fn iris() -> (Vec<f32>, Vec<f64>, Vec<String>) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/iris.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut classes: Vec<String> = Vec::new();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cells: Vec<&str> = line.split(',').map(|c| c.trim().trim_matches('"')).collect();
            // A row number, four measurements, the species.
            let (nums, label) = cells[1..].split_at(cells.len() - 2);
            x.extend(nums.iter().map(|v| v.parse::<f32>().unwrap()));
            let c = match classes.iter().position(|c| c == label[0]) {
                Some(c) => c,
                None => {
                    classes.push(label[0].to_string());
                    classes.len() - 1
                }
            };
            y.push(c as f64);
        }
        // Standardize as the search's encoding would (roughly).
        let f = x.len() / y.len();
        for j in 0..f {
            let col: Vec<f32> = x.iter().skip(j).step_by(f).copied().collect();
            let (lo, hi) = col.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
            for r in 0..y.len() {
                x[r * f + j] = (x[r * f + j] - (lo + hi) / 2.0) / ((hi - lo) / 2.0);
            }
        }
        (x, y, classes)
    }

    #[test]
    fn classifies_iris_and_exports_the_same_answers() {
        let (x, y, classes) = iris();
        let (rows, f) = (y.len(), x.len() / y.len());
        // Every fifth row held out.
        let (mut xtr, mut ytr, mut xte, mut yte) = (vec![], vec![], vec![], vec![]);
        for r in 0..rows {
            let (xs, ys) = if r % 5 == 0 { (&mut xte, &mut yte) } else { (&mut xtr, &mut ytr) };
            xs.extend_from_slice(&x[r * f..(r + 1) * f]);
            ys.push(y[r]);
        }
        let kind = MlpKind::Classification { classes: classes.len() };
        let params = MlpParams { learning_rate: 3e-3, ..MlpParams::default() };
        let m = Mlp::fit(&xtr, ytr.len(), f, &ytr, kind, &params, 3).unwrap();
        let p = m.predict(&xte, yte.len());
        let k = classes.len();
        let argmax = |row: &[f64]| (0..row.len()).fold(0, |b, i| if row[i] > row[b] { i } else { b });
        let hits = (0..yte.len()).filter(|&r| argmax(&p[r * k..(r + 1) * k]) == yte[r] as usize).count();
        let acc = hits as f64 / yte.len() as f64;
        eprintln!("iris holdout accuracy {acc:.3}, epochs {} (best {})", m.epochs, m.best_epoch);
        assert!(acc >= 0.9, "accuracy {acc} (epochs {})", m.epochs);

        let out = run(&export(&m, &classes), &x, rows, f);
        let (Data::Str(label), Data::F32(prob)) = (&out[0].data, &out[1].data) else { panic!("{out:?}") };
        let want = m.predict(&x, rows);
        for r in 0..rows {
            let row = &want[r * k..(r + 1) * k];
            assert_eq!(label[r], classes[argmax(row)], "row {r}");
            for c in 0..k {
                assert!(close(prob[r * k + c], row[c]), "row {r}: {:?} vs {row:?}", &prob[r * k..(r + 1) * k]);
            }
        }
    }

    #[test]
    fn regression_export_matches_predict_and_is_deterministic() {
        let rows = 300;
        let x = grid(rows, 5);
        let y: Vec<f64> = (0..rows).map(|r| 100.0 + 20.0 * (x[2 * r] as f64 * x[2 * r + 1] as f64).tanh()).collect();
        let params = MlpParams { hidden: vec![16, 8], max_epochs: 60, ..MlpParams::default() };
        let a = Mlp::fit(&x, rows, 2, &y, MlpKind::Regression, &params, 11).unwrap();
        let b = Mlp::fit(&x, rows, 2, &y, MlpKind::Regression, &params, 11).unwrap();
        let c = Mlp::fit(&x, rows, 2, &y, MlpKind::Regression, &params, 12).unwrap();
        let bytes = export(&a, &[]);
        assert_eq!(bytes, export(&b, &[]), "same seed, same model bytes");
        assert_ne!(bytes, export(&c, &[]), "another seed, another model");
        let out = run(&bytes, &x, rows, 2);
        let Data::F32(got) = &out[0].data else { panic!("{out:?}") };
        assert_eq!(out[0].shape, vec![rows, 1]);
        for (g, w) in got.iter().zip(a.predict(&x, rows)) {
            assert!(close(*g, w), "{g} vs {w}");
        }
        // Binary classification too, with a deadline already passed: one epoch.
        let yc: Vec<f64> = (0..rows).map(|r| f64::from(x[2 * r] > 0.0)).collect();
        let past = MlpParams { deadline: Some(Instant::now()), ..MlpParams::default() };
        let m = Mlp::fit(&x, rows, 2, &yc, MlpKind::Classification { classes: 2 }, &past, 1).unwrap();
        assert_eq!(m.epochs, 1);
        let labels = ["no".to_string(), "yes".to_string()];
        let out = run(&export(&m, &labels), &x, rows, 2);
        let (Data::Str(label), Data::F32(prob)) = (&out[0].data, &out[1].data) else { panic!("{out:?}") };
        let want = m.predict(&x, rows);
        for r in 0..rows {
            assert_eq!(label[r], labels[usize::from(want[2 * r + 1] > want[2 * r])]);
            assert!(close(prob[2 * r], want[2 * r]) && close(prob[2 * r + 1], want[2 * r + 1]));
        }
    }
}
