//! Tree ensembles: `TreeEnsembleRegressor`, `TreeEnsembleClassifier` and
//! `TreeEnsemble` (ai.onnx.ml opset 5), evaluated by [`crate::trees`], our
//! kernel that reproduces ONNX Runtime's semantics.

use std::sync::OnceLock;

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::bail;

use super::simple::Labels;
use super::{Attrs, Built, Kernel, Shape, batch, built, tensor_f32};
use crate::trees::{Aggregate, Ensemble, LegacyAttrs, NodeMode, PostTransform, V5Attrs};

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("TreeEnsembleRegressor", regressor);
    reg.insert("TreeEnsembleClassifier", classifier);
    reg.insert("TreeEnsemble", v5);
}

#[derive(Debug, Clone)]
enum Spec {
    Regressor(LegacyAttrs),
    Classifier(LegacyAttrs, Labels),
    V5(V5Attrs),
}

impl Spec {
    fn build(&self, double: bool) -> Result<Ensemble, String> {
        let r = match self {
            Spec::Regressor(a) => Ensemble::regressor(&LegacyAttrs { double_precision: double, ..a.clone() }),
            Spec::Classifier(a, labels) => {
                let a = LegacyAttrs { double_precision: double, ..a.clone() };
                match labels {
                    Labels::Ints(ints) => Ensemble::classifier_with_labels(&a, ints),
                    Labels::Strings(s) => Ensemble::classifier(&a, s.len()),
                }
            }
            Spec::V5(a) => Ensemble::v5(&V5Attrs { double_precision: double, ..a.clone() }),
        };
        r.map_err(|e| e.to_string())
    }
}

/// An ensemble compiled for f32 inputs at load, and for f64 inputs on first use.
#[derive(Debug)]
struct Trees {
    name: &'static str,
    spec: Spec,
    single: Ensemble,
    double: OnceLock<Result<Ensemble, String>>,
}

fn build(a: &Attrs, name: &'static str, spec: Spec) -> Built {
    let single = spec.build(false).map_err(|e| a.error(e))?;
    built(Trees { name, spec, single, double: OnceLock::new() })
}

fn modes(a: &Attrs) -> TractResult<Vec<NodeMode>> {
    a.strings("nodes_modes")?
        .unwrap_or_default()
        .iter()
        .map(|m| NodeMode::from_name(m).ok_or_else(|| a.error(format!("unknown node mode {m:?}"))))
        .collect()
}

fn post(a: &Attrs) -> TractResult<PostTransform> {
    let name = a.string("post_transform")?.unwrap_or_else(|| "NONE".into());
    PostTransform::from_name(&name).ok_or_else(|| a.error(format!("unknown post_transform {name:?}")))
}

fn ints(a: &Attrs, name: &str) -> Vec<i64> {
    a.ints(name).map(<[i64]>::to_vec).unwrap_or_default()
}

fn legacy(a: &Attrs, leaf: &str) -> TractResult<LegacyAttrs> {
    let reals = |n: &str| -> TractResult<Vec<f64>> { Ok(a.reals(n)?.map(|(v, _)| v).unwrap_or_default()) };
    let aggregate = match a.string("aggregate_function")? {
        Some(s) => Aggregate::from_name(&s).ok_or_else(|| a.error(format!("unknown aggregate_function {s:?}")))?,
        None => Aggregate::Sum,
    };
    Ok(LegacyAttrs {
        nodes_treeids: ints(a, "nodes_treeids"),
        nodes_nodeids: ints(a, "nodes_nodeids"),
        nodes_featureids: ints(a, "nodes_featureids"),
        nodes_values: reals("nodes_values")?,
        nodes_modes: modes(a)?,
        nodes_truenodeids: ints(a, "nodes_truenodeids"),
        nodes_falsenodeids: ints(a, "nodes_falsenodeids"),
        nodes_missing_value_tracks_true: ints(a, "nodes_missing_value_tracks_true").iter().map(|&v| v == 1).collect(),
        leaf_treeids: ints(a, &format!("{leaf}_treeids")),
        leaf_nodeids: ints(a, &format!("{leaf}_nodeids")),
        leaf_targetids: ints(a, &format!("{leaf}_ids")),
        leaf_weights: reals(&format!("{leaf}_weights"))?,
        n_targets: a.int("n_targets").unwrap_or(1),
        base_values: reals("base_values")?,
        aggregate,
        post_transform: post(a)?,
        double_precision: false,
    })
}

fn regressor(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let spec = Spec::Regressor(legacy(&a, "target")?);
    build(&a, "TreeEnsembleRegressor", spec)
}

fn classifier(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let labels = Labels::read(&a)?;
    let spec = Spec::Classifier(legacy(&a, "class")?, labels);
    build(&a, "TreeEnsembleClassifier", spec)
}

fn v5(_: &ParsingContext, node: &NodeProto) -> Built {
    let a = Attrs::new(node);
    let tensor = |n: &str| -> TractResult<Vec<f64>> { Ok(a.tensor_f64(n)?.unwrap_or_default()) };
    let flags = |n: &str| ints(&a, n).iter().map(|&v| v != 0).collect::<Vec<bool>>();
    let modes = tensor("nodes_modes")?
        .iter()
        .map(|&m| NodeMode::from_v5(m as i64).ok_or_else(|| a.error(format!("unknown node mode {m}"))))
        .collect::<TractResult<Vec<_>>>()?;
    let code = a.int("aggregate_function").unwrap_or(1);
    let aggregate = Aggregate::from_v5(code).ok_or_else(|| a.error(format!("unknown aggregate_function {code}")))?;
    let code = a.int("post_transform").unwrap_or(0);
    let post_transform =
        PostTransform::from_v5_ort(code).ok_or_else(|| a.error(format!("unknown post_transform {code}")))?;
    let spec = Spec::V5(V5Attrs {
        tree_roots: ints(&a, "tree_roots"),
        nodes_featureids: ints(&a, "nodes_featureids"),
        nodes_splits: tensor("nodes_splits")?,
        nodes_modes: modes,
        nodes_truenodeids: ints(&a, "nodes_truenodeids"),
        nodes_trueleafs: flags("nodes_trueleafs"),
        nodes_falsenodeids: ints(&a, "nodes_falsenodeids"),
        nodes_falseleafs: flags("nodes_falseleafs"),
        nodes_missing_value_tracks_true: ints(&a, "nodes_missing_value_tracks_true").iter().map(|&v| v == 1).collect(),
        membership_values: tensor("membership_values")?,
        leaf_targetids: ints(&a, "leaf_targetids"),
        leaf_weights: tensor("leaf_weights")?,
        n_targets: a.int("n_targets").unwrap_or(1),
        aggregate,
        post_transform,
        double_precision: false,
    });
    build(&a, "TreeEnsemble", spec)
}

impl Trees {
    fn labels(&self) -> Option<&Labels> {
        match &self.spec {
            Spec::Classifier(_, l) => Some(l),
            _ => None,
        }
    }

    fn ensemble_for(&self, dt: DatumType) -> TractResult<&Ensemble> {
        if dt != DatumType::F64 {
            return Ok(&self.single);
        }
        self.double.get_or_init(|| self.spec.build(true)).as_ref().map_err(|e| TractError::msg(e.clone()))
    }
}

impl Kernel for Trees {
    fn name(&self) -> &'static str {
        self.name
    }

    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        match self.labels() {
            Some(l) => vec![(l.datum_type(), Shape::Rank(1)), (DatumType::F32, Shape::Rank(2))],
            None => vec![(DatumType::F32, Shape::Rank(2))],
        }
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let n = batch(inputs);
        let width = self.single.n_outputs().to_dim();
        let out_dt = match &self.spec {
            Spec::V5(_) if inputs[0].datum_type == DatumType::F64 => DatumType::F64,
            _ => DatumType::F32,
        };
        Ok(match self.labels() {
            Some(l) => tvec!(l.datum_type().fact([n.clone()]), f32::fact([n, width])),
            None => tvec!(out_dt.fact([n, width])),
        })
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let shape = x.shape();
        let (rows, cols) = match shape {
            [n, c] => (*n, *c),
            [n] => (1, *n),
            _ => bail!("{}: expected a 2-D input, got shape {shape:?}", self.name),
        };
        let e = self.ensemble_for(x.datum_type())?;
        let width = e.n_outputs();
        let err = |e: crate::trees::TreeError| TractError::msg(format!("{}: {e}", self.name));
        if let Some(labels) = self.labels() {
            let mut scores = vec![0f32; rows * width];
            let mut picked = vec![0i64; rows];
            if x.datum_type() == DatumType::F64 {
                e.classify(x.try_as_plain_ram()?.as_slice::<f64>()?, cols, &mut scores, &mut picked).map_err(err)?;
            } else {
                let c = x.cast_to::<f32>()?;
                e.classify(c.try_as_plain_ram()?.as_slice::<f32>()?, cols, &mut scores, &mut picked).map_err(err)?;
            }
            let label = match labels {
                // The kernel wrote the label values themselves.
                Labels::Ints(_) => super::tensor_i64(&[rows], picked)?,
                // The kernel wrote class indices.
                Labels::Strings(_) => labels.tensor(&picked.iter().map(|&i| i.max(0) as usize).collect::<Vec<_>>())?,
            };
            return Ok(tvec!(label, tensor_f32(&[rows, width], scores)?));
        }
        if x.datum_type() == DatumType::F64 {
            let xs = x.try_as_plain_ram()?;
            let xs = xs.as_slice::<f64>()?;
            if matches!(self.spec, Spec::V5(_)) {
                let mut out = vec![0f64; rows * width];
                e.predict(xs, cols, &mut out).map_err(err)?;
                let t = tract_ndarray::ArrayD::from_shape_vec(&[rows, width][..], out)?.into_tensor();
                return Ok(tvec!(t.into_tvalue()));
            }
            let mut out = vec![0f32; rows * width];
            e.predict(xs, cols, &mut out).map_err(err)?;
            return Ok(tvec!(tensor_f32(&[rows, width], out)?));
        }
        let c = x.cast_to::<f32>()?;
        let mut out = vec![0f32; rows * width];
        e.predict(c.try_as_plain_ram()?.as_slice::<f32>()?, cols, &mut out).map_err(err)?;
        Ok(tvec!(tensor_f32(&[rows, width], out)?))
    }
}
