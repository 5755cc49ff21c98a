//! The citizen trainer (to come): reads a table (CSV, JSON Lines, Parquet),
//! infers its schema, searches model families (regularized linear, gradient-
//! boosted trees, small MLPs with candle) under a time budget with
//! cross-validation, and exports the winner as one self-describing ONNX file:
//! standard ops and `ai.onnx.ml` tree ops plus the manifest of the `manifest`
//! crate, checked against its own golden cases with `runtime-wasm` before it
//! is written.
//!
//! Native only; it may use threads and files. The model format it writes is
//! defined by `manifest` and read by `runtime-wasm`, never redefined here.

pub mod arrow;
pub mod data;
pub mod evaluation;
pub mod gbdt;
pub mod linear;
pub mod mlp;
pub mod onnx;
pub mod onnx_trees;
mod rng;
pub mod schema;
pub mod search;

pub use data::TrainError;
