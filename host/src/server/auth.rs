//! API tokens and roles. A token is shown once when created; the store
//! keeps only its SHA-256 (`auth/tokens/{sha256}.json`), so a copy of the
//! store does not give access.
//!
//! Roles: `admin` (everything, including tokens), `maker` (publish, move
//! aliases, delete versions, read and predict with every model), `reader`
//! (read and predict with one named model, or with all when none is named).
//! Missing or unknown token: 401. Known token without the right: 403.
//!
//! Lookups are cached for a few seconds per server, so a revoked token may
//! work on another replica for up to [`CACHE_TTL`].

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use axum::http::HeaderMap;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::registry::{now, random_hex, sha256_hex};
use super::store::Store;

pub const CACHE_TTL: Duration = Duration::from_secs(5);
const CACHE_MAX: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Maker,
    Reader,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub role: Role,
    /// For readers: the one model they may use (`None`: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub created: u64,
}

/// Who is calling, once authenticated.
#[derive(Clone, Debug)]
pub struct Caller(pub TokenRecord);

impl Caller {
    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn can_read(&self, model: &str) -> bool {
        match self.0.role {
            Role::Admin | Role::Maker => true,
            Role::Reader => self.0.model.as_deref().is_none_or(|m| m == model),
        }
    }

    pub fn read(&self, model: &str) -> ApiResult<()> {
        if self.can_read(model) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("this token may not use model {model:?}")))
        }
    }

    pub fn make(&self) -> ApiResult<()> {
        match self.0.role {
            Role::Admin | Role::Maker => Ok(()),
            Role::Reader => Err(ApiError::forbidden("this needs a maker or admin token")),
        }
    }

    pub fn admin(&self) -> ApiResult<()> {
        match self.0.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("this needs an admin token")),
        }
    }
}

pub struct Auth {
    store: Store,
    cache: RwLock<HashMap<String, (Option<TokenRecord>, Instant)>>,
}

fn token_path(hash: &str) -> Path {
    Path::from_iter(["auth", "tokens", &format!("{hash}.json")])
}

impl Auth {
    pub fn new(store: Store) -> Auth {
        Auth { store, cache: RwLock::new(HashMap::new()) }
    }

    /// Creates a token; the returned string is the only copy of it.
    pub async fn create(
        &self,
        role: Role,
        model: Option<String>,
        label: Option<String>,
    ) -> Result<(String, TokenRecord)> {
        if let Some(m) = &model {
            super::registry::check_name("model", m).map_err(|e| anyhow!("{}", e.message))?;
            if role != Role::Reader {
                return Err(anyhow!("only reader tokens are limited to one model"));
            }
        }
        let id = random_hex(6)?;
        let token = format!("ctz_{id}_{}", random_hex(24)?);
        let record = TokenRecord { id, role, model, label, created: now() };
        self.store.put(&token_path(&sha256_hex(token.as_bytes())), serde_json::to_vec(&record)?).await?;
        Ok((token, record))
    }

    pub async fn list(&self) -> Result<Vec<TokenRecord>> {
        let (files, _) = self.store.children(&Path::from_iter(["auth", "tokens"])).await?;
        let mut out = Vec::new();
        for f in files {
            let Some(hash) = f.strip_suffix(".json") else { continue };
            if let Some((bytes, _)) = self.store.get(&token_path(hash)).await? {
                let record: TokenRecord = serde_json::from_slice(&bytes).context("a token record is corrupt")?;
                out.push((hash.to_string(), record));
            }
        }
        out.sort_by_key(|(_, r)| r.created);
        Ok(out.into_iter().map(|(_, r)| r).collect())
    }

    /// Revokes the token with this id; false if there is none.
    pub async fn revoke(&self, id: &str) -> Result<bool> {
        let (files, _) = self.store.children(&Path::from_iter(["auth", "tokens"])).await?;
        for f in files {
            let Some(hash) = f.strip_suffix(".json") else { continue };
            if let Some((bytes, _)) = self.store.get(&token_path(hash)).await?
                && serde_json::from_slice::<TokenRecord>(&bytes).is_ok_and(|r| r.id == id)
            {
                self.store.delete(&token_path(hash)).await?;
                self.cache.write().map_err(|_| anyhow!("token cache poisoned"))?.remove(hash);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The caller named by the `Authorization: Bearer` header.
    pub async fn caller(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("send an API token: Authorization: Bearer <token>"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))?;
        if !token.starts_with("ctz_") || token.len() > 200 {
            return Err(ApiError::unauthorized("this is not a citizen API token"));
        }
        let hash = sha256_hex(token.as_bytes());
        let cached =
            self.cache.read().ok().and_then(|c| c.get(&hash).filter(|(_, at)| at.elapsed() < CACHE_TTL).cloned());
        let record = match cached {
            Some((record, _)) => record,
            None => {
                let record = match self.store.get(&token_path(&hash)).await? {
                    Some((bytes, _)) => Some(
                        serde_json::from_slice::<TokenRecord>(&bytes)
                            .map_err(|e| ApiError::internal(format!("a token record is corrupt: {e}")))?,
                    ),
                    None => None,
                };
                if let Ok(mut cache) = self.cache.write() {
                    if cache.len() >= CACHE_MAX {
                        cache.clear();
                    }
                    cache.insert(hash, (record.clone(), Instant::now()));
                }
                record
            }
        };
        record.map(Caller).ok_or_else(|| ApiError::unauthorized("unknown or revoked API token"))
    }
}
