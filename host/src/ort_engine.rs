//! ONNX Runtime through `ort`, for cloud batches: the same model file, the
//! same interface (validation, preprocessing, output naming) as the runtime,
//! a different engine.
//!
//! ONNX Runtime is loaded at run time from the library named by
//! `ORT_DYLIB_PATH` (the set-up script puts `libonnxruntime.so` from the
//! PyPI wheel in place); a missing library is a clear error, not a panic.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result, anyhow, bail};
use manifest::Table;
use ort::session::{Session, SessionInputValue};
use ort::value::{DynValue, Tensor};
use runtime_wasm::format::{self, Format};
use runtime_wasm::interface::{Data, NamedTensor, Prediction};
use runtime_wasm::{Engine, Interface, ModelFile};

static ENVIRONMENT: OnceLock<std::result::Result<ort::environment::Environment, String>> = OnceLock::new();

/// The ONNX Runtime release `scripts/setup.sh` installs (`ORT_VERSION` in
/// `scripts/env.sh`; a test keeps the two equal).
pub const ORT_VERSION: &str = "1.31.1";

/// Where ONNX Runtime's library is expected: `ORT_DYLIB_PATH`, else where
/// `scripts/setup.sh` puts it (`$CITIZEN_CACHE`, by default
/// `~/.cache/citizen`), so the CLI finds it without the environment script.
pub fn dylib_path() -> Result<PathBuf> {
    let path = match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os("CITIZEN_CACHE")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/citizen")));
            let installed = cache.map(|c| c.join(format!("onnxruntime-{ORT_VERSION}/libonnxruntime.so.{ORT_VERSION}")));
            match installed {
                Some(p) if p.is_file() => p,
                _ => bail!(
                    "ONNX Runtime is not installed: run scripts/setup.sh, or set ORT_DYLIB_PATH to libonnxruntime.so"
                ),
            }
        }
    };
    if !path.is_file() {
        bail!("ONNX Runtime library not found at {} (ORT_DYLIB_PATH); run scripts/setup.sh", path.display());
    }
    Ok(path)
}

fn environment() -> Result<&'static ort::environment::Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let path = dylib_path().map_err(|e| e.to_string())?;
        let builder =
            ort::init_from(&path).map_err(|e| format!("loading ONNX Runtime from {}: {e}", path.display()))?;
        builder.with_name("citizen").build().map_err(|e| format!("starting ONNX Runtime: {e}"))
    });
    env.as_ref().map_err(|e| anyhow!("{e}"))
}

/// A model planned by ONNX Runtime.
pub struct OrtModel {
    file: ModelFile,
    session: Mutex<Session>,
}

impl OrtModel {
    /// Loads a model file with `threads` intra-op threads (1 for parity and benches).
    pub fn load(bytes: &[u8], threads: usize) -> Result<OrtModel> {
        let file = ModelFile::parse(bytes)?;
        let env = environment()?;
        let graph = file.onnx_without_zipmap();
        let mut builder = Session::builder(env).map_err(|e| anyhow!("{e}"))?;
        builder = builder.with_intra_threads(threads).map_err(|e| anyhow!("{e}"))?;
        let session = builder.commit_from_memory(&graph).map_err(|e| anyhow!("ONNX Runtime refused the model: {e}"))?;
        Ok(OrtModel { file, session: Mutex::new(session) })
    }

    pub fn file(&self) -> &ModelFile {
        &self.file
    }

    /// Validates and predicts a table, exactly as the runtime does.
    pub fn predict(&self, table: &Table) -> Result<Prediction> {
        Ok(Engine::predict(self, table)?)
    }

    /// A whole file predicted at once, as `citizen predict --engine ort`
    /// does: the runtime's own file path ([`format::predict_file`]) with
    /// ONNX Runtime running the graph, so the bytes and the errors are those
    /// of every other engine.
    pub fn predict_file(&self, input: &[u8], from: Format, to: Format) -> Result<Vec<u8>> {
        Ok(format::predict_file(self, input, from, to)?)
    }

    /// Runs prepared inputs; returns the interface's outputs.
    pub fn run(&self, inputs: Vec<NamedTensor>) -> Result<Vec<NamedTensor>> {
        let mut values: Vec<(Cow<'static, str>, SessionInputValue<'static>)> = Vec::new();
        for t in inputs {
            let shape: Vec<i64> = t.shape.iter().map(|&d| d as i64).collect();
            let v: DynValue = match t.data {
                Data::F32(v) => Tensor::from_array((shape, v))?.into_dyn(),
                Data::F64(v) => Tensor::from_array((shape, v))?.into_dyn(),
                Data::I64(v) => Tensor::from_array((shape, v))?.into_dyn(),
                Data::I32(v) => Tensor::from_array((shape, v))?.into_dyn(),
                Data::Bool(v) => Tensor::from_array((shape, v))?.into_dyn(),
                Data::Str(v) => Tensor::from_string_array((shape, v.as_slice()))?.into_dyn(),
            };
            values.push((Cow::Owned(t.name), v.into()));
        }
        let mut session = self.session.lock().map_err(|_| anyhow!("the ONNX Runtime session is poisoned"))?;
        let outputs = session.run(values).map_err(|e| anyhow!("ONNX Runtime failed: {e}"))?;
        let mut result = Vec::new();
        for name in self.file.interface.onnx_outputs() {
            let value = outputs.get(name).with_context(|| format!("ONNX Runtime returned no output `{name}`"))?;
            result.push(extract(name, value)?);
        }
        Ok(result)
    }
}

impl Engine for OrtModel {
    fn interface(&self) -> &Interface {
        &self.file.interface
    }

    fn run(&self, inputs: Vec<NamedTensor>) -> std::result::Result<Vec<NamedTensor>, runtime_wasm::Error> {
        OrtModel::run(self, inputs).map_err(|e| runtime_wasm::Error::Run(format!("{e:#}")))
    }
}

fn extract(name: &str, v: &DynValue) -> Result<NamedTensor> {
    let shape_of = |s: &[i64]| s.iter().map(|&d| d.max(0) as usize).collect::<Vec<_>>();
    let (shape, data) = if let Ok((s, d)) = v.try_extract_tensor::<f32>() {
        (shape_of(s), Data::F32(d.to_vec()))
    } else if let Ok((s, d)) = v.try_extract_tensor::<i64>() {
        (shape_of(s), Data::I64(d.to_vec()))
    } else if let Ok((s, d)) = v.try_extract_strings() {
        (shape_of(s), Data::Str(d))
    } else if let Ok((s, d)) = v.try_extract_tensor::<f64>() {
        (shape_of(s), Data::F64(d.to_vec()))
    } else if let Ok((s, d)) = v.try_extract_tensor::<i32>() {
        (shape_of(s), Data::I32(d.to_vec()))
    } else if let Ok((s, d)) = v.try_extract_tensor::<bool>() {
        (shape_of(s), Data::Bool(d.to_vec()))
    } else {
        bail!("output `{name}` is of a type citizen cannot read ({:?})", v.dtype());
    };
    Ok(NamedTensor { name: name.to_string(), shape, data })
}

#[cfg(test)]
mod tests {
    /// The library the CLI looks for is the one the set-up script installs.
    #[test]
    fn the_expected_release_is_the_one_set_up() {
        let env = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/env.sh")).unwrap();
        let line = env.lines().find_map(|l| l.strip_prefix("export ORT_VERSION=")).expect("env.sh sets ORT_VERSION");
        assert_eq!(line.trim(), super::ORT_VERSION);
    }
}
