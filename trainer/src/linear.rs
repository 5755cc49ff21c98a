//! Regularized linear models on the encoded feature matrix: ridge regression
//! (closed form) and L2 logistic regression (binary and multinomial, by
//! gradient descent with backtracking). Inputs are expected standardized by
//! the preprocessing (numeric features centered and scaled, one-hot 0/1), so
//! one penalty suits every column. Exported as `LinearRegressor` /
//! `LinearClassifier`, which every engine runs.

use runtime_wasm::pb;

use crate::onnx;

/// A fitted linear model: `scores = x · Wᵀ + b`, `W` is `[outputs, features]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    pub weights: Vec<f64>,
    pub intercepts: Vec<f64>,
    pub features: usize,
    pub kind: LinearKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinearKind {
    Regression,
    /// Softmax over one score per class (binary included: class 0's score is 0).
    Classification {
        classes: usize,
    },
}

impl Linear {
    fn outputs(&self) -> usize {
        self.intercepts.len()
    }

    /// Raw scores `[rows, outputs]`.
    pub fn scores(&self, x: &[f32], rows: usize) -> Vec<f64> {
        let (f, k) = (self.features, self.outputs());
        let mut out = vec![0.0; rows * k];
        for r in 0..rows {
            let xr = &x[r * f..(r + 1) * f];
            for j in 0..k {
                let w = &self.weights[j * f..(j + 1) * f];
                out[r * k + j] = self.intercepts[j] + xr.iter().zip(w).map(|(a, b)| *a as f64 * b).sum::<f64>();
            }
        }
        out
    }

    /// Regression values `[rows]`, or class probabilities `[rows, classes]`.
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f64> {
        let mut s = self.scores(x, rows);
        if let LinearKind::Classification { classes } = self.kind {
            s.chunks_mut(classes).for_each(softmax);
        }
        s
    }

    /// |weight| per feature, summed over outputs and normalised to sum 1.
    pub fn importance(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.features];
        for (i, w) in self.weights.iter().enumerate() {
            imp[i % self.features] += w.abs();
        }
        normalise(&mut imp);
        imp
    }

    /// The ONNX node: `LinearRegressor` (output `[N, 1]`) or
    /// `LinearClassifier` (labels `[N]`, probabilities `[N, classes]`).
    pub fn node(&self, input: &str, outputs: &[&str], labels: &[String]) -> pb::NodeProto {
        let coefficients = onnx::floats("coefficients", self.weights.iter().map(|&w| w as f32));
        let intercepts = onnx::floats("intercepts", self.intercepts.iter().map(|&b| b as f32));
        match self.kind {
            LinearKind::Regression => onnx::ml_node(
                "LinearRegressor",
                &[input],
                &outputs[..1],
                vec![coefficients, intercepts, onnx::int("targets", 1)],
            ),
            LinearKind::Classification { .. } => onnx::ml_node(
                "LinearClassifier",
                &[input],
                &outputs[..2],
                vec![
                    coefficients,
                    intercepts,
                    onnx::strings("classlabels_strings", labels.iter().map(String::as_str)),
                    onnx::string("post_transform", "SOFTMAX"),
                    onnx::int("multi_class", 1),
                ],
            ),
        }
    }
}

fn normalise(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

fn softmax(row: &mut [f64]) {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - m).exp();
        sum += *v;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// Ridge regression: minimises `Σ (y - xβ - b)² + λ |β|²` (the intercept is
/// not penalised), solved exactly by Cholesky on the centred normal equations.
pub fn ridge(x: &[f32], rows: usize, features: usize, y: &[f64], lambda: f64) -> Linear {
    let n = rows as f64;
    let mut mean = vec![0.0; features];
    for r in 0..rows {
        for (m, v) in mean.iter_mut().zip(&x[r * features..(r + 1) * features]) {
            *m += *v as f64 / n;
        }
    }
    let ymean = y.iter().sum::<f64>() / n;
    let mut a = vec![0.0; features * features];
    let mut b = vec![0.0; features];
    let mut xc = vec![0.0; features];
    for r in 0..rows {
        for (j, c) in xc.iter_mut().enumerate() {
            *c = x[r * features + j] as f64 - mean[j];
        }
        let yc = y[r] - ymean;
        for i in 0..features {
            b[i] += xc[i] * yc;
            for j in 0..=i {
                a[i * features + j] += xc[i] * xc[j];
            }
        }
    }
    for i in 0..features {
        a[i * features + i] += lambda.max(1e-9);
        for j in 0..i {
            a[j * features + i] = a[i * features + j];
        }
    }
    let beta = cholesky_solve(&mut a, &b, features);
    let intercept = ymean - beta.iter().zip(&mean).map(|(w, m)| w * m).sum::<f64>();
    Linear { weights: beta, intercepts: vec![intercept], features, kind: LinearKind::Regression }
}

/// Solves `A x = b` for a symmetric positive definite `A` (overwritten).
fn cholesky_solve(a: &mut [f64], b: &[f64], n: usize) -> Vec<f64> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = d.max(1e-12).sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    let mut z = b.to_vec();
    for i in 0..n {
        for k in 0..i {
            z[i] -= a[i * n + k] * z[k];
        }
        z[i] /= a[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            z[i] -= a[k * n + i] * z[k];
        }
        z[i] /= a[i * n + i];
    }
    z
}

/// L2-regularised multinomial logistic regression (binary: two classes with
/// class 0's weights held at zero). `y` holds class indices. Minimises the
/// mean log-loss plus `lambda / 2n · |W|²` by L-BFGS (so weak penalties,
/// which near-separable classes need for a low log-loss, converge too);
/// deterministic.
pub fn logistic(x: &[f32], rows: usize, features: usize, y: &[usize], classes: usize, lambda: f64) -> Linear {
    let k = classes.max(2);
    let free = if k == 2 { 1 } else { k };
    let stride = features + 1;
    let theta = vec![0.0; free * stride];
    let n = rows as f64;
    let loss_grad = |theta: &[f64], grad: Option<&mut [f64]>| -> f64 {
        let mut loss = 0.0;
        let mut g = vec![0.0; theta.len()];
        let mut s = vec![0.0; k];
        for r in 0..rows {
            let xr = &x[r * features..(r + 1) * features];
            s.iter_mut().for_each(|v| *v = 0.0);
            for c in 0..free {
                let w = &theta[c * stride..(c + 1) * stride];
                let slot = if k == 2 { 1 } else { c };
                s[slot] = w[features] + xr.iter().zip(w).map(|(a, b)| *a as f64 * b).sum::<f64>();
            }
            let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s.iter().map(|v| (v - m).exp()).sum();
            loss += m + z.ln() - s[y[r]];
            for c in 0..free {
                let slot = if k == 2 { 1 } else { c };
                let p = (s[slot] - m).exp() / z - f64::from(u8::from(y[r] == slot));
                let gr = &mut g[c * stride..(c + 1) * stride];
                for (gj, xj) in gr.iter_mut().zip(xr) {
                    *gj += p * *xj as f64;
                }
                gr[features] += p;
            }
        }
        let mut penalty = 0.0;
        for c in 0..free {
            for j in 0..features {
                let w = theta[c * stride + j];
                penalty += w * w;
                g[c * stride + j] += lambda * w;
            }
        }
        if let Some(out) = grad {
            for (o, v) in out.iter_mut().zip(&g) {
                *o = v / n;
            }
        }
        (loss + 0.5 * lambda * penalty) / n
    };
    let theta = lbfgs(theta, |t, g| loss_grad(t, Some(g)), 500);
    let mut weights = vec![0.0; k * features];
    let mut intercepts = vec![0.0; k];
    for c in 0..free {
        let slot = if k == 2 { 1 } else { c };
        weights[slot * features..(slot + 1) * features].copy_from_slice(&theta[c * stride..c * stride + features]);
        intercepts[slot] = theta[c * stride + features];
    }
    Linear { weights, intercepts, features, kind: LinearKind::Classification { classes: k } }
}

/// Minimises a smooth function by L-BFGS (10 pairs of history, backtracking
/// line search with the Armijo condition) from `x`; `f(x, grad)` returns the
/// value and writes the gradient. Stops after `max_iter` iterations, when
/// the gradient vanishes or when the value stops decreasing.
fn lbfgs(mut x: Vec<f64>, mut f: impl FnMut(&[f64], &mut [f64]) -> f64, max_iter: usize) -> Vec<f64> {
    const HISTORY: usize = 10;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut pairs: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> = std::collections::VecDeque::new();
    let (mut trial, mut g_trial) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..max_iter {
        if dot(&g, &g) < 1e-20 {
            break;
        }
        // Two-loop recursion: d = -H·g.
        let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
        let mut alphas = Vec::with_capacity(pairs.len());
        for (s, y, rho) in pairs.iter().rev() {
            let a = rho * dot(s, &d);
            d.iter_mut().zip(y).for_each(|(di, yi)| *di -= a * yi);
            alphas.push(a);
        }
        if let Some((s, y, _)) = pairs.back() {
            let gamma = dot(s, y) / dot(y, y);
            d.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &d);
            d.iter_mut().zip(s).for_each(|(di, si)| *di += (a - b) * si);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            pairs.clear();
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
        }
        let mut step = if pairs.is_empty() { 1.0 / dot(&g, &g).sqrt().max(1.0) } else { 1.0 };
        let mut f_trial;
        loop {
            trial.iter_mut().zip(&x).zip(&d).for_each(|((t, xi), di)| *t = xi + step * di);
            f_trial = f(&trial, &mut g_trial);
            if f_trial <= fx + 1e-4 * step * slope || step < 1e-12 {
                break;
            }
            step *= 0.5;
        }
        // No decrease (or a NaN): nothing more to gain.
        if f_trial.partial_cmp(&fx) != Some(std::cmp::Ordering::Less) {
            break;
        }
        let s: Vec<f64> = trial.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_trial.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if pairs.len() == HISTORY {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        let previous = fx;
        std::mem::swap(&mut x, &mut trial);
        std::mem::swap(&mut g, &mut g_trial);
        fx = f_trial;
        if previous - fx < 1e-12 * previous.abs().max(1e-8) {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ridge_recovers_a_linear_function() {
        let rows = 200;
        let x: Vec<f32> = (0..rows * 2).map(|i| ((i * 37 % 101) as f32) / 50.0 - 1.0).collect();
        let y: Vec<f64> = (0..rows).map(|r| 3.0 * x[2 * r] as f64 - 2.0 * x[2 * r + 1] as f64 + 0.5).collect();
        let m = ridge(&x, rows, 2, &y, 1e-6);
        assert!((m.weights[0] - 3.0).abs() < 1e-4 && (m.weights[1] + 2.0).abs() < 1e-4, "{m:?}");
        assert!((m.intercepts[0] - 0.5).abs() < 1e-4);
    }

    fn run(model: pb::ModelProto, x: &[f32], rows: usize) -> Vec<runtime_wasm::interface::NamedTensor> {
        use prost::Message;
        use runtime_wasm::interface::{Data, NamedTensor};
        let m = runtime_wasm::Model::load(&model.encode_to_vec()).unwrap();
        let input =
            NamedTensor { name: "features".into(), shape: vec![rows, x.len() / rows], data: Data::F32(x.to_vec()) };
        m.run(vec![input]).unwrap()
    }

    #[test]
    fn exports_run_in_the_runtime_with_the_same_answers() {
        use runtime_wasm::interface::Data;
        let rows = 50;
        let x: Vec<f32> = (0..rows * 3).map(|i| ((i * 53 % 97) as f32) / 40.0 - 1.2).collect();
        let y: Vec<f64> = (0..rows).map(|r| x[3 * r] as f64 * 2.0 - x[3 * r + 2] as f64).collect();
        let reg = ridge(&x, rows, 3, &y, 0.1);
        let node = reg.node("features", &["variable"], &[]);
        let out = run(
            onnx::model("r", vec![node], vec![], "features", 3, &[("variable", onnx::Elem::Float, Some(1))]),
            &x,
            rows,
        );
        let Data::F32(got) = &out[0].data else { panic!() };
        for (g, w) in got.iter().zip(reg.predict(&x, rows)) {
            assert!((*g as f64 - w).abs() <= 1e-5 * w.abs() + 1e-5, "{g} vs {w}");
        }
        for classes in [2, 3] {
            let yc: Vec<usize> =
                (0..rows).map(|r| ((x[3 * r] + 1.2) * classes as f32 / 2.5) as usize % classes).collect();
            let clf = logistic(&x, rows, 3, &yc, classes, 0.1);
            let labels: Vec<String> = (0..classes).map(|c| format!("class {c}")).collect();
            let node = clf.node("features", &["label", "probabilities"], &labels);
            let outputs = [("label", onnx::Elem::String, None), ("probabilities", onnx::Elem::Float, Some(classes))];
            let out = run(onnx::model("c", vec![node], vec![], "features", 3, &outputs), &x, rows);
            let (Data::Str(label), Data::F32(p)) = (&out[0].data, &out[1].data) else { panic!("{out:?}") };
            let want = clf.predict(&x, rows);
            for r in 0..rows {
                let row = &want[r * classes..(r + 1) * classes];
                let best = (0..classes).rev().max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
                assert_eq!(label[r], labels[best]);
                for c in 0..classes {
                    assert!((p[r * classes + c] as f64 - row[c]).abs() < 1e-5, "{:?} vs {row:?}", &p[r * classes..]);
                }
            }
        }
    }

    #[test]
    fn logistic_separates_classes() {
        let rows = 300;
        let x: Vec<f32> = (0..rows).map(|i| (i as f32 / rows as f32) * 4.0 - 2.0).collect();
        let y: Vec<usize> = x
            .iter()
            .map(|&v| {
                if v < -0.7 {
                    0
                } else if v < 0.7 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let m = logistic(&x, rows, 1, &y, 3, 1e-3);
        let p = m.predict(&x, rows);
        let correct = (0..rows)
            .filter(|&r| {
                let row = &p[r * 3..r * 3 + 3];
                let best = (0..3).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
                best == y[r]
            })
            .count();
        assert!(correct as f64 / rows as f64 > 0.9, "{correct}");
        let yb: Vec<usize> = x.iter().map(|&v| usize::from(v > 0.3)).collect();
        let b = logistic(&x, rows, 1, &yb, 2, 1e-3);
        assert_eq!(b.weights[0], 0.0, "class 0 is the reference");
        let pb = b.predict(&[1.5, -1.5], 2);
        assert!(pb[1] > 0.9 && pb[3] < 0.1, "{pb:?}");
    }
}
