//! What every surface (CLI, browser, edge) says about a model, computed once.

use serde_json::{Value, json};

use crate::Error;
use crate::engine::Model;
use crate::file::ModelFile;
use crate::golden;
use crate::interface::{Data, Dtype, Inputs, NamedTensor, OutputSpecKind};

/// The model's inputs and outputs as JSON: for a citizen model its
/// signature; for a plain model what was read from the graph.
pub fn signature_json(file: &ModelFile) -> Value {
    let iface = &file.interface;
    if let Some(m) = &iface.manifest {
        return serde_json::to_value(&m.signature).unwrap_or(Value::Null);
    }
    let inputs = match &iface.inputs {
        Inputs::Manifest { .. } => vec![],
        Inputs::Positional { onnx_input, width, dtype } => vec![json!({
            "name": onnx_input,
            "type": dtype_name(*dtype),
            "columns": width,
            "filled_from": "the table's columns, in order",
        })],
        Inputs::Named(named) => named
            .iter()
            .map(|i| json!({"name": i.name, "type": dtype_name(i.dtype), "filled_from": "the column of the same name"}))
            .collect(),
    };
    let outputs: Vec<Value> = iface
        .outputs
        .iter()
        .map(|o| match &o.kind {
            OutputSpecKind::Plain { keys, .. } => json!({"name": o.onnx_output, "classes": keys}),
            OutputSpecKind::Field { name, .. } => json!({"name": name}),
        })
        .collect();
    json!({"inputs": inputs, "outputs": outputs})
}

fn dtype_name(d: Dtype) -> &'static str {
    match d {
        Dtype::F32 => "float",
        Dtype::F64 => "double",
        Dtype::I64 => "int64",
        Dtype::I32 => "int32",
        Dtype::Bool => "bool",
        Dtype::Str => "string",
    }
}

/// Runs the golden cases; `{"cases": n, "mismatches": [...]}`.
pub fn check_golden(model: &Model) -> Result<Value, Error> {
    let Some(m) = model.manifest() else {
        return Ok(json!({"cases": 0, "mismatches": []}));
    };
    let table = golden::inputs(m).map_err(Error::Input)?;
    let p = model.predict(&table)?;
    let mismatches = golden::compare(m, &p);
    Ok(json!({"cases": m.golden.len(), "mismatches": mismatches}))
}

/// Predicts a row-major float matrix through a model whose one input is a
/// float matrix; returns the first output's values, flattened.
pub fn predict_matrix(model: &Model, data: &[f32], rows: usize) -> Result<Vec<f32>, Error> {
    let name = match &model.interface().inputs {
        Inputs::Manifest { onnx_input, .. } | Inputs::Positional { onnx_input, .. } => onnx_input.clone(),
        Inputs::Named(_) => {
            return Err(Error::Input(manifest::Error::Input("this model takes named inputs, not a matrix".into())));
        }
    };
    if rows == 0 || !data.len().is_multiple_of(rows) {
        return Err(Error::Input(manifest::Error::Input(format!("{} values do not make {rows} rows", data.len()))));
    }
    let input = NamedTensor { name, shape: vec![rows, data.len() / rows], data: Data::F32(data.to_vec()) };
    let out = model.run(vec![input])?;
    match out.into_iter().next().map(|t| t.data) {
        Some(Data::F32(v)) => Ok(v),
        Some(Data::F64(v)) => Ok(v.into_iter().map(|x| x as f32).collect()),
        _ => Err(Error::Run("the first output is not a float tensor".into())),
    }
}
