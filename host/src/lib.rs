//! The citizen host: today the command line (`citizen inspect`, `citizen
//! predict`); the registry, HTTP API, batch engine (ONNX Runtime) and the
//! wasmtime edge host will live here too.
//!
//! Prediction goes through `runtime-wasm`, the same engine the browser and
//! the edge run, so a file predicted here gives byte-identical output there.

pub mod batch;
pub mod cli;
pub mod openapi;
pub mod ort_engine;
pub mod server;
pub mod wasi_engine;
