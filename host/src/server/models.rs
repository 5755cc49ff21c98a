//! Loaded models, cached per server. Versions are immutable, so a loaded
//! version is good until it is deleted; what a name or alias points at is
//! cached for [`RESOLVE_TTL`] (and dropped at once when this server changes
//! it), so other replicas see a publish or an alias move within that time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use bytes::Bytes;
use manifest::Manifest;
use runtime_wasm::Model;

use super::error::{ApiError, ApiResult};
use super::registry::{Registry, VersionRef, check_name};
use crate::ort_engine::OrtModel;

pub const RESOLVE_TTL: Duration = Duration::from_secs(2);
const LOADED_MAX: usize = 64;

/// One version, ready to predict.
pub struct Loaded {
    pub name: String,
    pub version: u64,
    pub model: Model,
    pub manifest: Manifest,
    pub bytes: Bytes,
    /// The ETag of the bytes: their SHA-256, quoted.
    pub etag: String,
    ort: tokio::sync::OnceCell<Arc<OrtModel>>,
}

impl Loaded {
    /// The same model planned by ONNX Runtime, for batches (made on first use).
    pub async fn ort(&self) -> anyhow::Result<Arc<OrtModel>> {
        self.ort
            .get_or_try_init(|| async {
                let bytes = self.bytes.clone();
                // One intra-op thread: the batch engine's reader and writer
                // need the other cores (measured: 2 threads is slower on 2 cores).
                tokio::task::spawn_blocking(move || OrtModel::load(&bytes, 1).map(Arc::new))
                    .await
                    .map_err(|e| anyhow!("loading the model into ONNX Runtime: {e}"))?
            })
            .await
            .cloned()
    }
}

type Key = (String, VersionRef);

pub struct Models {
    pub registry: Registry,
    resolved: RwLock<HashMap<Key, (Option<u64>, Instant)>>,
    loaded: RwLock<HashMap<(String, u64), Arc<Loaded>>>,
}

/// Checks model bytes the way the registry requires before publishing:
/// the runtime loads them, the manifest is there, and its golden cases pass.
pub fn validate(bytes: &[u8]) -> Result<(Model, Manifest), ApiError> {
    let invalid = |m: String| ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_model", m);
    let model = Model::load(bytes).map_err(|e| invalid(format!("the runtime cannot load this model: {e}")))?;
    let manifest = model.manifest().cloned().ok_or_else(|| {
        invalid("the model has no citizen manifest (train it with `citizen train`, or add one): the registry needs its signature and golden cases".into())
    })?;
    if manifest.golden.is_empty() {
        return Err(invalid("the model's manifest has no golden cases; every published model must carry them".into()));
    }
    let table = runtime_wasm::golden::inputs(&manifest).map_err(|e| invalid(format!("golden inputs: {e}")))?;
    let prediction = model.predict(&table).map_err(|e| invalid(format!("the golden cases do not run: {e}")))?;
    let mismatches = runtime_wasm::golden::compare(&manifest, &prediction);
    if let Some(m) = mismatches.first() {
        return Err(invalid(format!(
            "the model fails its own golden cases ({} mismatches), first: {m}",
            mismatches.len()
        )));
    }
    Ok((model, manifest))
}

impl Models {
    pub fn new(registry: Registry) -> Models {
        Models { registry, resolved: RwLock::new(HashMap::new()), loaded: RwLock::new(HashMap::new()) }
    }

    /// The version a name and reference point at; 404 if none.
    pub async fn resolve(&self, name: &str, r: &VersionRef) -> ApiResult<u64> {
        check_name("model", name)?;
        let key = (name.to_string(), r.clone());
        let hit = self
            .resolved
            .read()
            .ok()
            .and_then(|m| m.get(&key).filter(|(_, at)| at.elapsed() < RESOLVE_TTL).map(|(v, _)| *v));
        let v = match hit {
            Some(v) => v,
            None => {
                let v = self.registry.resolve(name, r).await?;
                if let Ok(mut m) = self.resolved.write() {
                    if m.len() > 10_000 {
                        m.clear();
                    }
                    m.insert(key, (v, Instant::now()));
                }
                v
            }
        };
        v.ok_or_else(|| match r {
            VersionRef::Number(n) => ApiError::not_found(format!("model {name:?} has no version {n}")),
            VersionRef::Alias(a) if a == "latest" => ApiError::not_found(format!("there is no model {name:?}")),
            VersionRef::Alias(a) => ApiError::not_found(format!("model {name:?} has no alias {a:?}")),
        })
    }

    /// The loaded model a name and reference point at.
    pub async fn get(&self, name: &str, r: &VersionRef) -> ApiResult<Arc<Loaded>> {
        let version = self.resolve(name, r).await?;
        let key = (name.to_string(), version);
        if let Some(l) = self.loaded.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(l);
        }
        let bytes = self
            .registry
            .model_bytes(name, version)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("model {name:?} has no version {version}")))?;
        let b = bytes.clone();
        let (model, manifest) =
            tokio::task::spawn_blocking(move || validate(&b)).await.map_err(ApiError::internal)?.map_err(|e| {
                ApiError::internal(format!("stored model {name} v{version} no longer loads: {}", e.message))
            })?;
        let etag = format!("\"{}\"", super::registry::sha256_hex(&bytes));
        let loaded = Arc::new(Loaded {
            name: name.to_string(),
            version,
            model,
            manifest,
            bytes,
            etag,
            ort: tokio::sync::OnceCell::new(),
        });
        if let Ok(mut m) = self.loaded.write() {
            if m.len() >= LOADED_MAX {
                m.clear();
            }
            m.insert(key, loaded.clone());
        }
        Ok(loaded)
    }

    /// Forgets what this server knows about a name (after it changed it).
    pub fn forget(&self, name: &str) {
        if let Ok(mut m) = self.resolved.write() {
            m.retain(|(n, _), _| n != name);
        }
        if let Ok(mut m) = self.loaded.write() {
            m.retain(|(n, _), _| n != name);
        }
    }
}
