//! The model registry, in the store:
//!
//! ```text
//! models/{name}/versions/{00000001}.onnx     the model, written once (conditional create)
//! models/{name}/versions/{00000001}.json     who published it, when, its checksum
//! models/{name}/versions/{00000001}.deleted  a tombstone: the number stays taken
//! models/{name}/aliases/{alias}.json         {"version": n}, moved by replacing it
//! ```
//!
//! A version number is claimed by creating its `.onnx` object only if none
//! exists, so two concurrent publishes of one name get two numbers and
//! neither is overwritten; tombstones keep deleted numbers from coming back.
//! `latest` is not stored: it is the highest version not deleted.

use anyhow::{Result, anyhow};
use bytes::Bytes;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::store::{Created, Store};

/// What a version reference in a URL may be.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VersionRef {
    Number(u64),
    Alias(String),
}

impl VersionRef {
    pub fn parse(s: &str) -> Result<VersionRef, ApiError> {
        if let Ok(n) = s.parse::<u64>() {
            return Ok(VersionRef::Number(n));
        }
        check_name("alias", s)?;
        Ok(VersionRef::Alias(s.to_string()))
    }
}

pub use crate::http::check_name;

/// Alias names: as [`check_name`], and neither `latest` nor a number,
/// which name versions already.
pub fn check_alias(alias: &str) -> Result<(), ApiError> {
    check_name("alias", alias)?;
    if alias == "latest" || alias.parse::<u64>().is_ok() {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("{alias:?} cannot be an alias: `latest` and numbers name versions already"),
        ));
    }
    Ok(())
}

/// The record kept beside each version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: u64,
    pub sha256: String,
    pub size: u64,
    pub published_at: u64,
    pub published_by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct AliasRecord {
    version: u64,
}

/// A model's versions and aliases.
#[derive(Clone, Debug, Serialize)]
pub struct ModelEntry {
    pub name: String,
    pub versions: Vec<u64>,
    pub latest: Option<u64>,
    pub aliases: std::collections::BTreeMap<String, u64>,
}

#[derive(Clone, Debug)]
pub struct Registry {
    store: Store,
}

fn versions_dir(name: &str) -> Path {
    Path::from_iter(["models", name, "versions"])
}

fn version_path(name: &str, v: u64, ext: &str) -> Path {
    Path::from_iter(["models", name, "versions", &format!("{v:08}.{ext}")])
}

fn alias_path(name: &str, alias: &str) -> Path {
    Path::from_iter(["models", name, "aliases", &format!("{alias}.json")])
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub use crate::http::{hex, random_hex, sha256_hex};

impl Registry {
    pub fn new(store: Store) -> Registry {
        Registry { store }
    }

    /// Every model name in the store.
    pub async fn names(&self) -> Result<Vec<String>> {
        let (_, mut dirs) = self.store.children(&Path::from("models")).await?;
        dirs.sort();
        Ok(dirs)
    }

    /// Live versions and taken numbers (live or tombstoned).
    async fn scan(&self, name: &str) -> Result<(Vec<u64>, u64)> {
        let (files, _) = self.store.children(&versions_dir(name)).await?;
        let mut live = Vec::new();
        let mut deleted = Vec::new();
        let mut highest = 0;
        for f in files {
            let Some((stem, ext)) = f.split_once('.') else { continue };
            let Ok(v) = stem.parse::<u64>() else { continue };
            match ext {
                "onnx" => live.push(v),
                "deleted" => deleted.push(v),
                _ => continue,
            }
            highest = highest.max(v);
        }
        live.retain(|v| !deleted.contains(v));
        live.sort_unstable();
        Ok((live, highest))
    }

    pub async fn entry(&self, name: &str) -> Result<Option<ModelEntry>> {
        let (versions, highest) = self.scan(name).await?;
        if highest == 0 {
            return Ok(None);
        }
        let (files, _) = self.store.children(&Path::from_iter(["models", name, "aliases"])).await?;
        let mut aliases = std::collections::BTreeMap::new();
        for f in files {
            if let Some(alias) = f.strip_suffix(".json")
                && let Some((v, _)) = self.alias(name, alias).await?
            {
                aliases.insert(alias.to_string(), v);
            }
        }
        Ok(Some(ModelEntry { name: name.to_string(), latest: versions.last().copied(), versions, aliases }))
    }

    async fn alias(&self, name: &str, alias: &str) -> Result<Option<(u64, Option<String>)>> {
        let Some((bytes, etag)) = self.store.get(&alias_path(name, alias)).await? else { return Ok(None) };
        let record: AliasRecord =
            serde_json::from_slice(&bytes).map_err(|e| anyhow!("alias {alias} of {name} is corrupt: {e}"))?;
        Ok(Some((record.version, etag)))
    }

    /// The version number a reference points at, if it exists.
    pub async fn resolve(&self, name: &str, r: &VersionRef) -> Result<Option<u64>> {
        let (live, _) = self.scan(name).await?;
        let v = match r {
            VersionRef::Number(n) => Some(*n),
            VersionRef::Alias(a) if a == "latest" => live.last().copied(),
            VersionRef::Alias(a) => self.alias(name, a).await?.map(|(v, _)| v),
        };
        Ok(v.filter(|v| live.contains(v)))
    }

    /// The model file of a live version, with its ETag (the checksum).
    pub async fn model_bytes(&self, name: &str, version: u64) -> Result<Option<Bytes>> {
        if self.store.get(&version_path(name, version, "deleted")).await?.is_some() {
            return Ok(None);
        }
        Ok(self.store.get(&version_path(name, version, "onnx")).await?.map(|(b, _)| b))
    }

    pub async fn info(&self, name: &str, version: u64) -> Result<Option<VersionInfo>> {
        let Some((bytes, _)) = self.store.get(&version_path(name, version, "json")).await? else { return Ok(None) };
        Ok(serde_json::from_slice(&bytes).ok())
    }

    /// Stores already-validated model bytes as the next version of `name`,
    /// and points `alias` (checked by [`check_alias`] before anything is
    /// written) at it.
    pub async fn publish(&self, name: &str, bytes: Bytes, by: &str, alias: Option<&str>) -> Result<VersionInfo> {
        if let Some(a) = alias {
            check_alias(a).map_err(|e| anyhow!("{}", e.message))?;
        }
        let sha256 = sha256_hex(&bytes);
        for _attempt in 0..100 {
            let (_, highest) = self.scan(name).await?;
            let version = highest + 1;
            if let Created::Yes = self.store.create(&version_path(name, version, "onnx"), bytes.clone()).await? {
                let info = VersionInfo {
                    version,
                    sha256,
                    size: bytes.len() as u64,
                    published_at: now(),
                    published_by: by.to_string(),
                };
                self.store.put(&version_path(name, version, "json"), serde_json::to_vec(&info)?).await?;
                if let Some(a) = alias {
                    self.set_alias(name, a, version).await?;
                }
                return Ok(info);
            }
        }
        Err(anyhow!("could not claim a version number for {name}: too many concurrent publishes"))
    }

    /// Deletes a version: its number is never given again.
    pub async fn delete_version(&self, name: &str, version: u64) -> Result<bool> {
        let (live, _) = self.scan(name).await?;
        if !live.contains(&version) {
            return Ok(false);
        }
        self.store.put(&version_path(name, version, "deleted"), Bytes::from_static(b"{}")).await?;
        self.store.delete(&version_path(name, version, "onnx")).await?;
        // Aliases pointing at it go too: they would point at nothing.
        if let Some(entry) = self.entry(name).await? {
            for (alias, v) in entry.aliases {
                if v == version {
                    self.store.delete(&alias_path(name, &alias)).await?;
                }
            }
        }
        Ok(true)
    }

    /// Points `alias` at a live version. Returns false if the version does not exist.
    pub async fn set_alias(&self, name: &str, alias: &str, version: u64) -> Result<bool> {
        let (live, _) = self.scan(name).await?;
        if !live.contains(&version) {
            return Ok(false);
        }
        let record = serde_json::to_vec(&AliasRecord { version })?;
        for _attempt in 0..20 {
            let etag = self.alias(name, alias).await?.and_then(|(_, e)| e);
            if self.store.replace(&alias_path(name, alias), etag, record.clone()).await? {
                return Ok(true);
            }
        }
        Err(anyhow!("could not move alias {alias} of {name}: it keeps changing"))
    }

    pub async fn delete_alias(&self, name: &str, alias: &str) -> Result<bool> {
        if self.alias(name, alias).await?.is_none() {
            return Ok(false);
        }
        self.store.delete(&alias_path(name, alias)).await?;
        Ok(true)
    }
}
