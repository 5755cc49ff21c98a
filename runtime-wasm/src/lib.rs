//! The one prediction engine of citizen: loads a model file (standard ONNX
//! carrying a citizen manifest, or a plain converter output), validates rows
//! against its signature, applies the manifest's preprocessing, runs the
//! graph with tract, and returns named outputs.
//!
//! The same code builds three ways: a native rlib (CLI, tests, tools),
//! `wasm32-unknown-unknown` with a wasm-bindgen API for browsers (`js`
//! module), and `wasm32-wasip1` with a small exported ABI for wasmtime
//! (`wasi` module).
//!
//! Architecture invariant: this crate stays small and pure. It must never
//! depend on tokio, mio, ort, axum, object_store or anything with threads,
//! sockets or files; CI checks its wasm32 dependency tree.

pub mod describe;
mod engine;
mod error;
pub mod explain;
mod file;
pub mod format;
pub mod golden;
pub mod interface;
mod ops;
pub mod trees;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod js;
#[cfg(target_os = "wasi")]
mod wasi;

pub use engine::{Engine, Model};
pub use error::Error;
pub use file::{ModelFile, ValueInfo};
pub use interface::{Interface, Prediction};
pub use manifest::{self, Manifest, Table};
/// The ONNX protobuf types (tract's prost build of onnx.proto), to read and write model files.
pub use tract_onnx::pb;
