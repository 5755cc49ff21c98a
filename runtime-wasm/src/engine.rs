//! The tract engine: a model file planned once, then run on batches.

use std::sync::Arc;

use manifest::Table;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{GenericFactoid, ShapeFactoid};

use crate::Error;
use crate::file::ModelFile;
use crate::interface::{Data, Dtype, Inputs, Interface, NamedTensor, Prediction};

/// What runs a model's graph behind its [`Interface`]: our tract engine
/// ([`Model`]) here, ONNX Runtime in the host. Everything around the graph
/// (validation, encoding, naming the outputs, reading and writing files:
/// [`crate::format::predict_file`], the host's batches) is written once
/// over this.
pub trait Engine {
    /// The model's interface (validation, preprocessing, output naming).
    fn interface(&self) -> &Interface;

    /// Runs input tensors made by [`Interface::prepare`] or
    /// [`Interface::prepare_csv`]; returns the outputs in
    /// [`Interface::onnx_outputs`] order.
    fn run(&self, inputs: Vec<NamedTensor>) -> Result<Vec<NamedTensor>, Error>;

    /// Runs `rows` rows' input tensors and names the outputs.
    fn predict_prepared(&self, rows: usize, inputs: Vec<NamedTensor>) -> Result<Prediction, Error> {
        if rows == 0 {
            return self.interface().finish(0, vec![]);
        }
        let outputs = self.run(inputs)?;
        self.interface().finish(rows, outputs)
    }

    /// Validates and predicts a table of rows.
    fn predict(&self, table: &Table) -> Result<Prediction, Error> {
        let inputs = self.interface().prepare(table)?;
        self.predict_prepared(table.len(), inputs)
    }
}

impl Engine for Model {
    fn interface(&self) -> &Interface {
        Model::interface(self)
    }

    fn run(&self, inputs: Vec<NamedTensor>) -> Result<Vec<NamedTensor>, Error> {
        Model::run(self, inputs)
    }
}

/// A loaded model, planned and ready to predict.
#[derive(Debug, Clone)]
pub struct Model {
    file: Arc<ModelFile>,
    plan: Arc<TypedRunnableModel>,
    /// Plan inputs, by ONNX name, in plan order.
    input_names: Vec<String>,
    /// Plan outputs, by ONNX name, in plan order.
    output_names: Vec<String>,
    /// Run states left by earlier runs, to reuse: making one allocates per
    /// node, which shows in a server answering single rows.
    states: Arc<std::sync::Mutex<Vec<TypedSimpleState>>>,
}

/// Run states kept for reuse, at most (one per thread that predicts at once).
const KEEP_STATES: usize = 16;

fn tract_framework() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx();
    crate::ops::register(&mut onnx.op_register);
    onnx
}

fn model_error(e: TractError) -> Error {
    Error::Model(format!("{e:#}"))
}

fn run_error(e: TractError) -> Error {
    Error::Run(format!("{e:#}"))
}

impl Model {
    /// Loads a model from its bytes: decodes it, validates its manifest,
    /// checks every operator is supported, and plans it for any batch size.
    pub fn load(bytes: &[u8]) -> Result<Model, Error> {
        let file = ModelFile::parse(bytes)?;
        let onnx = tract_framework();
        for (domain, op, node) in file.operators() {
            if !onnx.op_register.0.contains_key(&op) {
                return Err(Error::Unsupported { op, domain, node });
            }
        }
        let mut model = onnx.model_for_proto_model(&file.proto).map_err(model_error)?;
        let n = model.symbols.sym("N");
        let batch = || GenericFactoid::Only(TDim::from(n.clone()));
        let iface = &file.interface;
        let mut input_names = Vec::new();
        for (ix, outlet) in model.input_outlets().map_err(model_error)?.to_vec().into_iter().enumerate() {
            let name = model.node(outlet.node).name.clone();
            let fact = match &iface.inputs {
                Inputs::Manifest { .. } => {
                    let width = iface.manifest.as_ref().map(|m| m.preprocessing.features.len()).unwrap_or(0);
                    InferenceFact::dt_shape(
                        DatumType::F32,
                        ShapeFactoid::closed(tvec![batch(), GenericFactoid::Only(width.to_dim())]),
                    )
                }
                Inputs::Positional { width, dtype, .. } => {
                    let w = width.map(|w| GenericFactoid::Only(w.to_dim())).unwrap_or(GenericFactoid::Any);
                    InferenceFact::dt_shape(datum(*dtype), ShapeFactoid::closed(tvec![batch(), w]))
                }
                Inputs::Named(inputs) => {
                    let spec = inputs
                        .iter()
                        .find(|i| i.name == name)
                        .ok_or_else(|| Error::Model(format!("input `{name}` is not described")))?;
                    let dims =
                        if spec.rank == 1 { tvec![batch()] } else { tvec![batch(), GenericFactoid::Only(1.to_dim())] };
                    InferenceFact::dt_shape(datum(spec.dtype), ShapeFactoid::closed(dims))
                }
            };
            model.set_input_fact(ix, fact).map_err(model_error)?;
            input_names.push(name);
        }
        let output_names: Vec<String> = iface.onnx_outputs().into_iter().map(String::from).collect();
        let mut outlets = Vec::new();
        for name in &output_names {
            let outlet = model
                .find_outlet_label(name)
                .ok_or_else(|| Error::Model(format!("the graph has no output `{name}`")))?;
            outlets.push(outlet);
        }
        model.select_output_outlets(&outlets).map_err(model_error)?;
        let plan = model.into_optimized().and_then(|m| m.into_runnable()).map_err(model_error)?;
        Ok(Model { file: Arc::new(file), plan, input_names, output_names, states: Default::default() })
    }

    pub fn file(&self) -> &ModelFile {
        &self.file
    }

    pub fn interface(&self) -> &Interface {
        &self.file.interface
    }

    pub fn manifest(&self) -> Option<&manifest::Manifest> {
        self.file.manifest()
    }

    /// Validates and predicts a table of rows.
    pub fn predict(&self, table: &Table) -> Result<Prediction, Error> {
        Engine::predict(self, table)
    }

    /// Runs `rows` rows' input tensors, made by the interface's `prepare`
    /// or `prepare_csv`, and names the outputs.
    pub fn predict_prepared(&self, rows: usize, inputs: Vec<NamedTensor>) -> Result<Prediction, Error> {
        Engine::predict_prepared(self, rows, inputs)
    }

    /// Predicts rows given as JSON (one object, an array of objects, or an
    /// object of columns).
    pub fn predict_json(&self, json: &str) -> Result<Prediction, Error> {
        let table = Table::from_json(json).map_err(Error::Input)?;
        self.predict(&table)
    }

    /// Runs the graph on already-prepared input tensors.
    pub fn run(&self, mut inputs: Vec<NamedTensor>) -> Result<Vec<NamedTensor>, Error> {
        let mut values: TVec<TValue> = TVec::new();
        for name in &self.input_names {
            let ix = inputs
                .iter()
                .position(|t| &t.name == name)
                .ok_or_else(|| Error::Run(format!("no value for input `{name}`")))?;
            values.push(to_tract(inputs.swap_remove(ix)).map_err(run_error)?.into_tvalue());
        }
        let kept = self.states.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut state = match kept {
            Some(state) => state,
            None => self.plan.spawn().map_err(run_error)?,
        };
        let outputs = state.run(values).map_err(run_error)?;
        // Only a state whose run finished goes back (a failed one may hold
        // half a turn).
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        if states.len() < KEEP_STATES {
            states.push(state);
        }
        drop(states);
        self.output_names
            .iter()
            .zip(outputs)
            .map(|(name, v)| from_tract(name, &v).map_err(|e| Error::Run(format!("output `{name}`: {e:#}"))))
            .collect()
    }
}

fn datum(d: Dtype) -> DatumType {
    match d {
        Dtype::F32 => DatumType::F32,
        Dtype::F64 => DatumType::F64,
        Dtype::I64 => DatumType::I64,
        Dtype::I32 => DatumType::I32,
        Dtype::Bool => DatumType::Bool,
        Dtype::Str => DatumType::String,
    }
}

fn to_tract(t: NamedTensor) -> TractResult<Tensor> {
    fn arr<T: Datum>(shape: &[usize], v: Vec<T>) -> TractResult<Tensor> {
        Ok(tract_ndarray::ArrayD::from_shape_vec(shape, v)?.into_tensor())
    }
    match t.data {
        Data::F32(v) => arr(&t.shape, v),
        Data::F64(v) => arr(&t.shape, v),
        Data::I64(v) => arr(&t.shape, v),
        Data::I32(v) => arr(&t.shape, v),
        Data::Bool(v) => arr(&t.shape, v),
        Data::Str(v) => arr(&t.shape, v),
    }
}

fn from_tract(name: &str, v: &TValue) -> TractResult<NamedTensor> {
    let shape = v.shape().to_vec();
    let view = v.try_as_plain_ram()?;
    let data = match v.datum_type() {
        DatumType::F32 => Data::F32(view.as_slice::<f32>()?.to_vec()),
        DatumType::F64 => Data::F64(view.as_slice::<f64>()?.to_vec()),
        DatumType::I64 => Data::I64(view.as_slice::<i64>()?.to_vec()),
        DatumType::I32 => Data::I32(view.as_slice::<i32>()?.to_vec()),
        DatumType::Bool => Data::Bool(view.as_slice::<bool>()?.to_vec()),
        DatumType::String => Data::Str(view.as_slice::<String>()?.to_vec()),
        other => {
            let cast = v.cast_to::<f32>().map_err(|_| TractError::msg(format!("unsupported output type {other:?}")))?;
            Data::F32(cast.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())
        }
    };
    Ok(NamedTensor { name: name.to_string(), shape, data })
}
