//! The `ai.onnx.ml` operators tract lacks (or runs slowly), as our own
//! kernels plugged into tract through its op register.
//!
//! Each operator is a [`Kernel`]: attributes are read and checked once when
//! the model loads, so evaluation cannot fail on a malformed model. One
//! tract op type, [`MlOp`], carries any kernel through tract's inference,
//! typing and planning.

mod attrs;
mod simple;
mod trees;

use std::fmt::Debug;
use std::sync::Arc;

use tract_onnx::model::OnnxOpRegister;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::*;

pub(crate) use attrs::Attrs;

/// Registers our operators, replacing tract's where both exist.
pub fn register(reg: &mut OnnxOpRegister) {
    simple::register(reg);
    trees::register(reg);
}

/// An operator evaluated by our own code.
pub trait Kernel: Debug + Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Output types and shapes, as far as the attributes tell. By default
    /// one float tensor shaped like the input (element-wise operators).
    fn outputs(&self) -> Vec<(DatumType, Shape)> {
        vec![(DatumType::F32, Shape::SameAsInput)]
    }
    /// Output facts from input facts (for the typed model). By default a
    /// float tensor of the input's shape.
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact(inputs[0].shape.clone())))
    }
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>>;
}

/// What a kernel's output shape is known to be before it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// The first input's shape.
    SameAsInput,
    /// This rank, with the first input's batch dimension first.
    Rank(usize),
    /// The first input's batch dimension first; the rest is known when typed.
    Batch,
}

/// One of our kernels as a tract op.
#[derive(Debug, Clone)]
pub struct MlOp(pub Arc<dyn Kernel>);

impl PartialEq for MlOp {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for MlOp {}

pub(crate) type Built = TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

pub(crate) fn built(kernel: impl Kernel) -> Built {
    Ok((expand(MlOp(Arc::new(kernel))), vec![]))
}

impl Op for MlOp {
    fn name(&self) -> StaticName {
        self.0.name().into()
    }

    op_as_typed_op!();
}

impl EvalOp for MlOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        self.0.eval(inputs)
    }
}

impl TypedOp for MlOp {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        self.0.output_facts(inputs)
    }

    as_op!();
}

impl Expansion for MlOp {
    fn name(&self) -> StaticName {
        self.0.name().into()
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(self.0.outputs().len())
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        let declared = self.0.outputs();
        check_output_arity(outputs, declared.len())?;
        for (o, (dt, rank)) in outputs.iter().zip(declared) {
            s.equals(&o.datum_type, dt)?;
            let Some(i) = inputs.first() else { continue };
            match rank {
                Shape::SameAsInput => s.equals(&o.shape, &i.shape)?,
                Shape::Rank(rank) => {
                    s.equals(&o.rank, rank as i64)?;
                    s.equals(&o.shape[0], &i.shape[0])?;
                }
                Shape::Batch => s.equals(&o.shape[0], &i.shape[0])?,
            }
        }
        Ok(())
    }

    fn wire(&self, prefix: &str, model: &mut TypedModel, inputs: &[OutletId]) -> TractResult<TVec<OutletId>> {
        model.wire_node(prefix, self.clone(), inputs)
    }
}

/// The batch dimension of the first input.
pub(crate) fn batch(inputs: &[&TypedFact]) -> TDim {
    inputs.first().and_then(|f| f.shape.iter().next().cloned()).unwrap_or(TDim::Val(1))
}

/// An input as a row-major f32 matrix `(data, rows, cols)`; a 1-D input is one column.
pub(crate) fn matrix_f32(t: &TValue) -> TractResult<(std::borrow::Cow<'_, [f32]>, usize, usize)> {
    let shape = t.shape();
    let (rows, cols) = match shape {
        [] => (1, 1),
        [n] => (*n, 1),
        [n, rest @ ..] => (*n, rest.iter().product()),
    };
    if t.datum_type() == f32::datum_type() {
        let view = t.try_as_plain_ram()?;
        let slice: &[f32] = view.as_slice::<f32>()?;
        return Ok((std::borrow::Cow::Borrowed(slice), rows, cols));
    }
    let cast = t.cast_to::<f32>()?;
    let v = cast.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
    Ok((std::borrow::Cow::Owned(v), rows, cols))
}

pub(crate) fn tensor_f32(shape: &[usize], data: Vec<f32>) -> TractResult<TValue> {
    Ok(tract_ndarray::ArrayD::from_shape_vec(shape, data)?.into_tensor().into_tvalue())
}

pub(crate) fn tensor_i64(shape: &[usize], data: Vec<i64>) -> TractResult<TValue> {
    Ok(tract_ndarray::ArrayD::from_shape_vec(shape, data)?.into_tensor().into_tvalue())
}

pub(crate) fn tensor_string(shape: &[usize], data: Vec<String>) -> TractResult<TValue> {
    Ok(tract_ndarray::ArrayD::from_shape_vec(shape, data)?.into_tensor().into_tvalue())
}
