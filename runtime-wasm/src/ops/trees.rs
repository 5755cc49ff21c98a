//! Tree ensembles: `TreeEnsembleRegressor`, `TreeEnsembleClassifier` and
//! `TreeEnsemble` (ai.onnx.ml opset 5), evaluated by [`crate::trees`].

use tract_onnx::model::OnnxOpRegister;

pub fn register(_reg: &mut OnnxOpRegister) {}
