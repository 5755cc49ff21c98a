//! The citizen host: the `citizen` command line, the cloud server
//! (registry, HTTP API, batch engine on ONNX Runtime) and the `citizen-edge`
//! host (the runtime's WASI module under wasmtime).
//!
//! Prediction goes through `runtime-wasm`, the same engine the browser and
//! the edge run, so a file predicted here gives byte-identical output there.
//!
//! Feature `cloud` (default) holds everything that needs the trainer, ONNX
//! Runtime, object storage or Parquet; the edge (`edge`, `wasi_engine`,
//! `http`, `files`) builds without it and must never depend on those.

#[cfg(feature = "cloud")]
pub mod batch;
#[cfg(feature = "cloud")]
pub mod cli;
pub mod edge;
pub mod files;
pub mod http;
#[cfg(feature = "cloud")]
pub mod lake;
#[cfg(feature = "cloud")]
pub mod openapi;
#[cfg(feature = "cloud")]
pub mod ort_engine;
#[cfg(feature = "cloud")]
pub mod server;
pub mod wasi_engine;
