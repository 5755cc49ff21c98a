//! The small `ai.onnx.ml` operators of tabular pipelines, with ONNX
//! Runtime's semantics.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::bail;

use super::{Attrs, Built, Kernel, Shape, batch, built, matrix_f32, tensor_f32, tensor_i64, tensor_string};
use crate::trees::{PostTransform as Post, logistic, post_transform_row as post_transform, probit};

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("Scaler", scaler);
    reg.insert("Imputer", imputer);
    reg.insert("Binarizer", binarizer);
    reg.insert("Normalizer", normalizer);
    reg.insert("ZipMap", zipmap);
    reg.insert("CastMap", castmap);
    reg.insert("LinearRegressor", linear_regressor);
    reg.insert("LinearClassifier", linear_classifier);
    reg.insert("OneHotEncoder", one_hot_encoder);
    reg.insert("LabelEncoder", label_encoder);
    reg.insert("FeatureVectorizer", feature_vectorizer);
}

/// Per-column (or broadcast) `(x - offset) * scale`.
#[derive(Debug)]
struct Scaler {
    offset: Vec<f32>,
    scale: Vec<f32>,
}

fn scaler(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let offset = a.floats("offset").map(<[f32]>::to_vec).unwrap_or_else(|| vec![0.0]);
    let scale = a.floats("scale").map(<[f32]>::to_vec).unwrap_or_else(|| vec![1.0]);
    if offset.is_empty() || scale.is_empty() {
        return Err(a.error("`offset` and `scale` must not be empty"));
    }
    built(Scaler { offset, scale })
}

fn per_column(v: &[f32], c: usize) -> Option<f32> {
    if v.len() == 1 { v.first().copied() } else { v.get(c).copied() }
}

impl Kernel for Scaler {
    fn name(&self) -> &'static str {
        "Scaler"
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, rows, cols) = matrix_f32(&inputs[0])?;
        for (name, v) in [("offset", &self.offset), ("scale", &self.scale)] {
            if v.len() != 1 && v.len() != cols {
                bail!("Scaler: `{name}` has {} values for {cols} columns", v.len());
            }
        }
        let mut out = Vec::with_capacity(x.len());
        for r in 0..rows {
            for c in 0..cols {
                let (o, s) = (per_column(&self.offset, c).unwrap_or(0.0), per_column(&self.scale, c).unwrap_or(1.0));
                out.push((x[r * cols + c] - o) * s);
            }
        }
        Ok(tvec!(tensor_f32(inputs[0].shape(), out)?))
    }
}

/// Replaces a marker value (NaN by default) by a per-column value.
#[derive(Debug)]
struct Imputer {
    values: Vec<f32>,
    replaced: f32,
}

fn imputer(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    if a.has("imputed_value_int64s") && !a.has("imputed_value_floats") {
        return Err(a.error("integer imputation is not supported; only `imputed_value_floats`"));
    }
    let values = a.required("imputed_value_floats", a.floats("imputed_value_floats"))?.to_vec();
    if values.is_empty() {
        return Err(a.error("`imputed_value_floats` is empty"));
    }
    let replaced = a.float("replaced_value_float").unwrap_or(f32::NAN);
    built(Imputer { values, replaced })
}

impl Kernel for Imputer {
    fn name(&self) -> &'static str {
        "Imputer"
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, _, cols) = matrix_f32(&inputs[0])?;
        if self.values.len() != 1 && self.values.len() != cols {
            bail!("Imputer: {} imputed values for {cols} columns", self.values.len());
        }
        let hit = |v: f32| if self.replaced.is_nan() { v.is_nan() } else { v == self.replaced };
        let out = x
            .iter()
            .enumerate()
            .map(|(i, &v)| if hit(v) { per_column(&self.values, i % cols).unwrap_or(v) } else { v })
            .collect();
        Ok(tvec!(tensor_f32(inputs[0].shape(), out)?))
    }
}

/// 1 where `x > threshold`, else 0.
#[derive(Debug)]
struct Binarizer {
    threshold: f32,
}

fn binarizer(_: &ParsingContext, node: &NodeProto) -> Built {
    built(Binarizer { threshold: Attrs::new(node).float("threshold").unwrap_or(0.0) })
}

impl Kernel for Binarizer {
    fn name(&self) -> &'static str {
        "Binarizer"
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, _, _) = matrix_f32(&inputs[0])?;
        let out = x.iter().map(|&v| if v > self.threshold { 1.0 } else { 0.0 }).collect();
        Ok(tvec!(tensor_f32(inputs[0].shape(), out)?))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Norm {
    Max,
    L1,
    L2,
}

/// Row-wise normalisation.
#[derive(Debug)]
struct Normalizer {
    norm: Norm,
}

fn normalizer(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let norm = match a.string("norm")?.as_deref().unwrap_or("MAX") {
        "MAX" => Norm::Max,
        "L1" => Norm::L1,
        "L2" => Norm::L2,
        other => return Err(a.error(format!("unknown norm {other:?}"))),
    };
    built(Normalizer { norm })
}

impl Kernel for Normalizer {
    fn name(&self) -> &'static str {
        "Normalizer"
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, rows, cols) = matrix_f32(&inputs[0])?;
        let mut out = x.to_vec();
        for r in 0..rows {
            let row = &mut out[r * cols..(r + 1) * cols];
            let d = match self.norm {
                Norm::Max => row.iter().copied().fold(f32::MIN, f32::max),
                Norm::L1 => row.iter().map(|v| v.abs()).sum(),
                Norm::L2 => row.iter().map(|v| v * v).sum::<f32>().sqrt(),
            };
            // ONNX Runtime leaves a row whose norm is zero unchanged.
            if d != 0.0 {
                row.iter_mut().for_each(|v| *v /= d);
            }
        }
        Ok(tvec!(tensor_f32(inputs[0].shape(), out)?))
    }
}

/// ZipMap turns scores into a sequence of maps; tract has no maps, so the
/// scores pass through unchanged and the runtime names the columns by the
/// class labels (see `file::zipmap_keys`).
#[derive(Debug)]
struct ZipMap;

fn zipmap(_: &ParsingContext, _: &NodeProto) -> Built {
    built(ZipMap)
}

impl Kernel for ZipMap {
    fn name(&self) -> &'static str {
        "ZipMap"
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        Ok(inputs)
    }
}

fn castmap(_: &ParsingContext, node: &NodeProto) -> Built {
    Err(Attrs::new(node).error("CastMap takes a map input, which tensors cannot hold; export the model without it"))
}

/// `y = post(x · Wᵀ + b)`, W being `[targets, features]`.
#[derive(Debug)]
struct Linear {
    coefficients: Vec<f32>,
    intercepts: Vec<f32>,
    targets: usize,
    post: Post,
}

pub(crate) fn parse_post(a: &Attrs, s: Option<String>) -> TractResult<Post> {
    let name = s.unwrap_or_else(|| "NONE".into());
    Post::from_name(&name).ok_or_else(|| a.error(format!("unknown post_transform {name:?}")))
}

fn linear(a: &Attrs, targets: usize) -> TractResult<Linear> {
    let coefficients = a.required("coefficients", a.floats("coefficients"))?.to_vec();
    if targets == 0 || coefficients.is_empty() || !coefficients.len().is_multiple_of(targets) {
        return Err(a.error(format!("{} coefficients do not split into {targets} targets", coefficients.len())));
    }
    let intercepts = a.floats("intercepts").map(<[f32]>::to_vec).unwrap_or_default();
    if !intercepts.is_empty() && intercepts.len() != targets {
        return Err(a.error(format!("{} intercepts for {targets} targets", intercepts.len())));
    }
    let post = parse_post(a, a.string("post_transform")?)?;
    Ok(Linear { coefficients, intercepts, targets, post })
}

impl Linear {
    fn features(&self) -> usize {
        self.coefficients.len() / self.targets
    }

    /// Raw scores `[rows, targets]`.
    fn scores(&self, x: &[f32], rows: usize, cols: usize) -> TractResult<Vec<f32>> {
        let f = self.features();
        if cols != f {
            bail!("the linear model has {f} coefficients per target, the input has {cols} columns");
        }
        let mut out = vec![0f32; rows * self.targets];
        for r in 0..rows {
            let xr = &x[r * cols..(r + 1) * cols];
            for t in 0..self.targets {
                let w = &self.coefficients[t * f..(t + 1) * f];
                let dot: f32 = xr.iter().zip(w).map(|(a, b)| a * b).sum();
                out[r * self.targets + t] = dot + self.intercepts.get(t).copied().unwrap_or(0.0);
            }
        }
        Ok(out)
    }
}

fn linear_regressor(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let targets = a.int("targets").unwrap_or(1);
    let targets = usize::try_from(targets).map_err(|_| a.error("`targets` is negative"))?;
    built(LinearRegressorK(linear(&a, targets)?))
}

#[derive(Debug)]
struct LinearRegressorK(Linear);

impl Kernel for LinearRegressorK {
    fn name(&self) -> &'static str {
        "LinearRegressor"
    }
    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        vec![(DatumType::F32, Shape::Rank(2))]
    }
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact([batch(inputs), self.0.targets.to_dim()])))
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, rows, cols) = matrix_f32(&inputs[0])?;
        let mut y = self.0.scores(&x, rows, cols)?;
        for row in y.chunks_mut(self.0.targets) {
            post_transform(self.0.post, row);
        }
        Ok(tvec!(tensor_f32(&[rows, self.0.targets], y)?))
    }
}

/// Class labels, as integers or strings.
#[derive(Debug, Clone)]
pub(crate) enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
}

impl Labels {
    pub fn read(a: &Attrs) -> TractResult<Labels> {
        if let Some(s) = a.strings("classlabels_strings")?
            && !s.is_empty()
        {
            return Ok(Labels::Strings(s));
        }
        match a.ints("classlabels_ints").or(a.ints("classlabels_int64s")) {
            Some(i) if !i.is_empty() => Ok(Labels::Ints(i.to_vec())),
            _ => Err(a.error("no class labels (`classlabels_strings` or `classlabels_ints`)")),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Labels::Ints(v) => v.len(),
            Labels::Strings(v) => v.len(),
        }
    }

    pub fn datum_type(&self) -> DatumType {
        match self {
            Labels::Ints(_) => DatumType::I64,
            Labels::Strings(_) => DatumType::String,
        }
    }

    /// The label tensor for these class indices; `None` picks ONNX Runtime's
    /// default binary labels (`0`/`1`) when the model lists fewer than two.
    pub fn tensor(&self, picks: &[usize]) -> TractResult<TValue> {
        let n = picks.len();
        match self {
            Labels::Ints(v) => tensor_i64(&[n], picks.iter().map(|&i| v.get(i).copied().unwrap_or(i as i64)).collect()),
            Labels::Strings(v) => {
                tensor_string(&[n], picks.iter().map(|&i| v.get(i).cloned().unwrap_or_else(|| i.to_string())).collect())
            }
        }
    }
}

#[derive(Debug)]
struct LinearClassifierK {
    linear: Linear,
    labels: Labels,
}

fn linear_classifier(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let labels = Labels::read(&a)?;
    let coefficients = a.required("coefficients", a.floats("coefficients"))?;
    let intercepts = a.floats("intercepts").unwrap_or_default();
    // ONNX Runtime: the number of score columns is the number of intercepts
    // when given, else the number of classes.
    let targets = if intercepts.is_empty() { labels.len() } else { intercepts.len() };
    if targets == 0 || !coefficients.len().is_multiple_of(targets) {
        return Err(a.error("coefficients do not match the classes"));
    }
    built(LinearClassifierK { linear: linear(&a, targets)?, labels })
}

impl Kernel for LinearClassifierK {
    fn name(&self) -> &'static str {
        "LinearClassifier"
    }
    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        vec![(self.labels.datum_type(), Shape::Rank(1)), (DatumType::F32, Shape::Rank(2))]
    }
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let n = batch(inputs);
        let width = if self.linear.targets == 1 && self.labels.len() == 2 { 2 } else { self.linear.targets };
        Ok(tvec!(self.labels.datum_type().fact([n.clone()]), f32::fact([n, width.to_dim()])))
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, rows, cols) = matrix_f32(&inputs[0])?;
        let t = self.linear.targets;
        let raw = self.linear.scores(&x, rows, cols)?;
        let mut picks = Vec::with_capacity(rows);
        let (width, mut scores) = if t == 1 {
            // Binary with one score column: positive when the score is > 0.
            let mut s = Vec::with_capacity(rows * 2);
            for &v in &raw {
                picks.push(usize::from(v > 0.0));
                let p = match self.linear.post {
                    Post::Logistic => logistic(v),
                    Post::Probit => probit(v),
                    _ => v,
                };
                if self.labels.len() == 2 {
                    s.extend_from_slice(&[if self.linear.post == Post::None { -p } else { 1.0 - p }, p]);
                } else {
                    s.push(p);
                }
            }
            (if self.labels.len() == 2 { 2 } else { 1 }, s)
        } else {
            for row in raw.chunks(t) {
                picks.push(argmax(row));
            }
            (t, raw)
        };
        if t > 1 {
            for row in scores.chunks_mut(width) {
                post_transform(self.linear.post, row);
            }
        }
        Ok(tvec!(self.labels.tensor(&picks)?, tensor_f32(&[rows, width], scores)?))
    }
}

/// Index of the first maximum, as ONNX Runtime picks it.
pub(crate) fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// One-hot encoding of integers or strings: output shape `input + [k]`.
#[derive(Debug)]
struct OneHotEncoderK {
    ints: Vec<i64>,
    strings: Vec<String>,
    zeros: bool,
}

fn one_hot_encoder(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let ints = a.ints("cats_int64s").map(<[i64]>::to_vec).unwrap_or_default();
    let strings = a.strings("cats_strings")?.unwrap_or_default();
    if ints.is_empty() == strings.is_empty() {
        return Err(a.error("exactly one of `cats_int64s` and `cats_strings` must be set"));
    }
    let zeros = a.int("zeros").unwrap_or(1) != 0;
    built(OneHotEncoderK { ints, strings, zeros })
}

impl OneHotEncoderK {
    fn width(&self) -> usize {
        self.ints.len().max(self.strings.len())
    }
}

impl Kernel for OneHotEncoderK {
    fn name(&self) -> &'static str {
        "OneHotEncoder"
    }
    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        vec![(DatumType::F32, Shape::Batch)]
    }
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let mut shape: TVec<TDim> = inputs[0].shape.iter().cloned().collect();
        shape.push(self.width().to_dim());
        Ok(tvec!(f32::fact(shape)))
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let k = self.width();
        let index: Vec<Option<usize>> = if x.datum_type() == DatumType::String {
            let v = x.try_as_plain_ram()?;
            v.as_slice::<String>()?.iter().map(|s| self.strings.iter().position(|c| c == s)).collect()
        } else {
            let cast = x.cast_to::<i64>()?;
            let v = cast.try_as_plain_ram()?;
            v.as_slice::<i64>()?.iter().map(|i| self.ints.iter().position(|c| c == i)).collect()
        };
        let mut out = vec![0f32; index.len() * k];
        for (i, ix) in index.iter().enumerate() {
            match ix {
                Some(j) => out[i * k + j] = 1.0,
                None if !self.zeros => bail!("OneHotEncoder: a value is not among the categories"),
                None => {}
            }
        }
        let mut shape = x.shape().to_vec();
        shape.push(k);
        Ok(tvec!(tensor_f32(&shape, out)?))
    }
}

/// Maps keys to values (string/int/float in any combination).
#[derive(Debug)]
struct LabelEncoderK {
    keys: Key,
    values: Val,
}

#[derive(Debug)]
enum Key {
    Strings(Vec<String>),
    Ints(Vec<i64>),
    Floats(Vec<f32>),
}

#[derive(Debug)]
enum Val {
    Strings(Vec<String>, String),
    Ints(Vec<i64>, i64),
    Floats(Vec<f32>, f32),
}

fn label_encoder(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    // Opset 1 used `classes_strings` with implicit integer values.
    let keys = if let Some(s) = a.strings("keys_strings")? {
        Key::Strings(s)
    } else if let Some(i) = a.ints("keys_int64s") {
        Key::Ints(i.to_vec())
    } else if let Some(f) = a.floats("keys_floats") {
        Key::Floats(f.to_vec())
    } else if let Some(c) = a.strings("classes_strings")? {
        let n = c.len() as i64;
        let values = Val::Ints((0..n).collect(), a.int("default_int64").unwrap_or(-1));
        return built(LabelEncoderK { keys: Key::Strings(c), values });
    } else {
        return Err(a.error("no keys (`keys_strings`, `keys_int64s` or `keys_floats`)"));
    };
    let values = if let Some(s) = a.strings("values_strings")? {
        Val::Strings(s, a.string("default_string")?.unwrap_or_else(|| "_Unused".into()))
    } else if let Some(i) = a.ints("values_int64s") {
        Val::Ints(i.to_vec(), a.int("default_int64").unwrap_or(-1))
    } else if let Some(f) = a.floats("values_floats") {
        Val::Floats(f.to_vec(), a.float("default_float").unwrap_or(-0.0))
    } else {
        return Err(a.error("no values (`values_strings`, `values_int64s` or `values_floats`)"));
    };
    let (nk, nv) = (
        match &keys {
            Key::Strings(v) => v.len(),
            Key::Ints(v) => v.len(),
            Key::Floats(v) => v.len(),
        },
        match &values {
            Val::Strings(v, _) => v.len(),
            Val::Ints(v, _) => v.len(),
            Val::Floats(v, _) => v.len(),
        },
    );
    if nk != nv {
        return Err(a.error(format!("{nk} keys but {nv} values")));
    }
    built(LabelEncoderK { keys, values })
}

impl Kernel for LabelEncoderK {
    fn name(&self) -> &'static str {
        "LabelEncoder"
    }
    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        let dt = match &self.values {
            Val::Strings(..) => DatumType::String,
            Val::Ints(..) => DatumType::I64,
            Val::Floats(..) => DatumType::F32,
        };
        vec![(dt, Shape::SameAsInput)]
    }
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(self.outputs()[0].0.fact(inputs[0].shape.clone())))
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let index: Vec<Option<usize>> = match &self.keys {
            Key::Strings(k) => {
                let v = x.try_as_plain_ram()?;
                v.as_slice::<String>()?.iter().map(|s| k.iter().position(|c| c == s)).collect()
            }
            Key::Ints(k) => {
                let c = x.cast_to::<i64>()?;
                let v = c.try_as_plain_ram()?;
                v.as_slice::<i64>()?.iter().map(|s| k.iter().position(|c| c == s)).collect()
            }
            Key::Floats(k) => {
                let c = x.cast_to::<f32>()?;
                let v = c.try_as_plain_ram()?;
                v.as_slice::<f32>()?.iter().map(|s| k.iter().position(|c| c == s)).collect()
            }
        };
        let shape = x.shape();
        let out = match &self.values {
            Val::Strings(v, d) => tensor_string(
                shape,
                index.iter().map(|i| i.map(|i| v[i].clone()).unwrap_or_else(|| d.clone())).collect(),
            )?,
            Val::Ints(v, d) => tensor_i64(shape, index.iter().map(|i| i.map(|i| v[i]).unwrap_or(*d)).collect())?,
            Val::Floats(v, d) => tensor_f32(shape, index.iter().map(|i| i.map(|i| v[i]).unwrap_or(*d)).collect())?,
        };
        Ok(tvec!(out))
    }
}

/// Concatenates its inputs' columns.
#[derive(Debug)]
struct FeatureVectorizerK {
    dims: Vec<usize>,
}

fn feature_vectorizer(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let dims = a.indices("inputdimensions")?.unwrap_or_default();
    if dims.len() != node.input.len() {
        return Err(a.error(format!("{} input dimensions for {} inputs", dims.len(), node.input.len())));
    }
    built(FeatureVectorizerK { dims })
}

impl Kernel for FeatureVectorizerK {
    fn name(&self) -> &'static str {
        "FeatureVectorizer"
    }
    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        vec![(DatumType::F32, Shape::Rank(2))]
    }
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact([batch(inputs), self.dims.iter().sum::<usize>().to_dim()])))
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let width: usize = self.dims.iter().sum();
        let mats: Vec<_> = inputs.iter().map(matrix_f32).collect::<TractResult<_>>()?;
        let rows = mats.first().map(|m| m.1).unwrap_or(0);
        let mut out = vec![0f32; rows * width];
        let mut offset = 0;
        for ((x, r, cols), &d) in mats.iter().zip(&self.dims) {
            if *r != rows {
                bail!("FeatureVectorizer: inputs have different numbers of rows");
            }
            for row in 0..rows {
                for c in 0..d.min(*cols) {
                    out[row * width + offset + c] = x[row * cols + c];
                }
            }
            offset += d;
        }
        Ok(tvec!(tensor_f32(&[rows, width], out)?))
    }
}
