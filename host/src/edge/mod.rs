//! `citizen-edge`: the edge host. The runtime's `wasm32-wasip1` module runs
//! under wasmtime ([`crate::wasi_engine`]) with fuel and memory limits, and
//! predicts with the same code as the browser, so a file predicted here is
//! byte-identical to `citizen predict`'s. Built without ONNX Runtime, the
//! trainer, object storage and Parquet (host's `cloud` feature).
//!
//! [`Edge`] holds the models by name. Each model keeps idle module
//! instances with the model loaded; a call takes one, and gives it back
//! unless the call trapped (out of fuel or memory), in which case the
//! instance is dropped and the next call makes a fresh one. Replacing a
//! model swaps one `Arc`: calls in flight finish on the version they started
//! with.

pub mod cli;
pub mod outbox;
pub mod serve;
pub mod sync;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result, bail};
use runtime_wasm::format::Format;

use crate::wasi_engine::{Limits, WasiInstance, WasiRuntime};

/// One model the edge holds.
pub struct EdgeModel {
    pub name: String,
    /// The registry's version, for a model synced from the cloud.
    pub version: Option<u64>,
    /// Hex sha256 of the file.
    pub sha256: String,
    /// Fuel one row costs, measured on the golden cases when the model was
    /// loaded: what the edge weighs a batch by before running it here.
    pub fuel_per_row: Option<u64>,
    bytes: Arc<Vec<u8>>,
    idle: Mutex<Vec<(WasiInstance, u32)>>,
}

/// The models and the module that runs them.
pub struct Edge {
    runtime: WasiRuntime,
    limits: Limits,
    models: RwLock<BTreeMap<String, Arc<EdgeModel>>>,
    /// Idle instances kept per model (more may run at once; the extra ones
    /// are dropped after their call).
    keep: usize,
}

pub use crate::http::sha256_hex;

impl Edge {
    pub fn new(runtime: WasiRuntime, limits: Limits) -> Edge {
        let keep = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Edge { runtime, limits, models: RwLock::new(BTreeMap::new()), keep }
    }

    /// Loads a model into a fresh instance, checks that the module
    /// reproduces the model's golden cases, and puts it under `name`,
    /// replacing what was there.
    pub fn insert(&self, name: &str, version: Option<u64>, bytes: Vec<u8>) -> Result<Arc<EdgeModel>> {
        let mut instance = self.runtime.instantiate(self.limits)?;
        let handle = instance.load(&bytes)?;
        let report: serde_json::Value = serde_json::from_str(&instance.check_golden(handle)?)?;
        if let Some(m) = report["mismatches"].as_array().filter(|m| !m.is_empty()) {
            bail!(
                "the runtime does not reproduce {} of the model's {} golden cases, so it is not served: {}",
                m.len(),
                report["cases"],
                serde_json::Value::Array(m.clone())
            );
        }
        let fuel_per_row = report["cases"].as_u64().filter(|&n| n > 0).map(|n| instance.fuel_used().div_ceil(n));
        let model = Arc::new(EdgeModel {
            name: name.to_string(),
            version,
            sha256: sha256_hex(&bytes),
            fuel_per_row,
            bytes: Arc::new(bytes),
            idle: Mutex::new(vec![(instance, handle)]),
        });
        self.models.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), model.clone());
        Ok(model)
    }

    pub fn get(&self, name: &str) -> Option<Arc<EdgeModel>> {
        self.models.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    pub fn list(&self) -> Vec<Arc<EdgeModel>> {
        self.models.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// Predicts a table file's bytes (blocking: call it off the async threads).
    pub fn predict(&self, model: &EdgeModel, input: &[u8], from: Format, to: Format) -> Result<Vec<u8>> {
        let slot = model.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let (mut instance, handle) = match slot {
            Some(s) => s,
            None => {
                let mut instance = self.runtime.instantiate(self.limits)?;
                let handle = instance.load(&model.bytes).with_context(|| format!("model {}", model.name))?;
                (instance, handle)
            }
        };
        let result = instance.predict(handle, input, from.code(), to.code());
        let usable = match &result {
            Ok(_) => true,
            Err(e) => WasiInstance::survives(e),
        };
        if usable {
            let mut idle = model.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < self.keep {
                idle.push((instance, handle));
            }
        }
        result
    }
}
