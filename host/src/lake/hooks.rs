//! Workflow hooks: webhooks registered per dataset or model, for
//! `ingested` (a file landed in a dataset), `scored` (a dataset was scored)
//! and `prediction` (a real-time prediction whose output matches a
//! condition such as `{"output": "Price", "op": ">", "value": 30}`).
//!
//! ```text
//! hooks/{id}/hook.json                   the registration (with its secret)
//! hooks/{id}/deliveries/{delivery}.json  one delivery: body, state, every attempt
//! hooks/pending/{id}.{delivery}          a marker while a delivery is pending
//! ```
//!
//! A delivery is a POST of a JSON body signed with HMAC-SHA256 under the
//! hook's secret (`X-Citizen-Signature: sha256=<hex>`), retried with
//! exponential backoff (base × 2^attempt, at most 5 minutes apart, 10
//! attempts). Deliveries live in the store, so a restarted server (or any
//! replica) carries on with the pending ones: at least once, not exactly once
//! (two replicas may both attempt the same due delivery).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use object_store::path::Path;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::server::registry::{hex, random_hex};
use crate::server::store::Store;

pub const MAX_ATTEMPTS: u32 = 10;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Condition {
    pub output: String,
    /// `>`, `>=`, `<`, `<=`, `==`, `!=`.
    pub op: String,
    pub value: Value,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hook {
    pub id: String,
    pub url: String,
    /// `ingested`, `scored` or `prediction`.
    pub on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    pub secret: String,
    pub owner: String,
    pub created: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attempt {
    pub at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub hook: String,
    pub on: String,
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: Vec<Attempt>,
    /// When the next attempt is due (milliseconds since the epoch).
    pub next_attempt: u64,
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

pub fn signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&hmac_sha256(secret.as_bytes(), body)))
}

fn millis() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Condition {
    pub fn check(&self) -> Result<(), String> {
        if !matches!(self.op.as_str(), ">" | ">=" | "<" | "<=" | "==" | "!=") {
            return Err(format!("condition: unknown op {:?}; use >, >=, <, <=, == or !=", self.op));
        }
        if !matches!(self.op.as_str(), "==" | "!=") && !self.value.is_number() {
            return Err(format!("condition: {} compares numbers; value must be a number", self.op));
        }
        Ok(())
    }

    pub fn matches(&self, row: &Value) -> bool {
        let Some(got) = row.get(&self.output) else { return false };
        match (got.as_f64(), self.value.as_f64()) {
            (Some(a), Some(b)) => match self.op.as_str() {
                ">" => a > b,
                ">=" => a >= b,
                "<" => a < b,
                "<=" => a <= b,
                "==" => a == b,
                _ => a != b,
            },
            _ => match self.op.as_str() {
                "==" => got == &self.value,
                "!=" => got != &self.value,
                _ => false,
            },
        }
    }
}

pub struct Hooks {
    store: Store,
    client: reqwest::Client,
    base_delay: Duration,
    cache: Mutex<Option<(Instant, Vec<Hook>)>>,
}

fn hook_path(id: &str) -> Path {
    Path::from_iter(["hooks", id, "hook.json"])
}

fn delivery_path(hook: &str, id: &str) -> Path {
    Path::from_iter(["hooks", hook, "deliveries", &format!("{id}.json")])
}

fn pending_path(hook: &str, id: &str) -> Path {
    Path::from_iter(["hooks", "pending", &format!("{hook}.{id}")])
}

impl Hooks {
    pub fn new(store: Store, base_delay: Duration) -> Hooks {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Hooks { store, client, base_delay, cache: Mutex::new(None) }
    }

    pub async fn register(&self, mut hook: Hook) -> Result<Hook> {
        hook.id = random_hex(8)?;
        hook.secret = format!("whsec_{}", random_hex(24)?);
        hook.created = crate::server::registry::now();
        self.store.put(&hook_path(&hook.id), serde_json::to_vec(&hook)?).await?;
        self.forget();
        Ok(hook)
    }

    pub async fn get(&self, id: &str) -> Result<Option<Hook>> {
        if id.len() != 16 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match self.store.get(&hook_path(id)).await? {
            Some((b, _)) => Ok(Some(serde_json::from_slice(&b).context("a hook record is corrupt")?)),
            None => Ok(None),
        }
    }

    pub async fn list(&self) -> Result<Vec<Hook>> {
        if let Ok(c) = self.cache.lock()
            && let Some((at, hooks)) = c.as_ref()
            && at.elapsed() < Duration::from_secs(2)
        {
            return Ok(hooks.clone());
        }
        let (_, ids) = self.store.children(&Path::from("hooks")).await?;
        let mut out = Vec::new();
        for id in ids.iter().filter(|i| *i != "pending") {
            if let Some(h) = self.get(id).await? {
                out.push(h);
            }
        }
        out.sort_by_key(|h| h.created);
        if let Ok(mut c) = self.cache.lock() {
            *c = Some((Instant::now(), out.clone()));
        }
        Ok(out)
    }

    fn forget(&self) {
        if let Ok(mut c) = self.cache.lock() {
            *c = None;
        }
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        self.store.delete(&hook_path(id)).await?;
        self.forget();
        Ok(())
    }

    pub async fn deliveries(&self, id: &str) -> Result<Vec<Delivery>> {
        let (files, _) = self.store.children(&Path::from_iter(["hooks", id, "deliveries"])).await?;
        let mut out = Vec::new();
        for f in files {
            if let Some((b, _)) = self.store.get(&Path::from_iter(["hooks", id, "deliveries", &f])).await? {
                out.push(serde_json::from_slice::<Delivery>(&b)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    async fn enqueue(&self, hook: &Hook, data: Value) -> Result<()> {
        // Ids sort by creation time.
        let id = format!("{:016x}{}", millis(), random_hex(4)?);
        let body = json!({
            "delivery": id, "hook": hook.id, "on": hook.on,
            "dataset": hook.dataset, "model": hook.model,
            "time": millis(), "data": data,
        });
        let d = Delivery {
            id: id.clone(),
            hook: hook.id.clone(),
            on: hook.on.clone(),
            body: body.to_string(),
            state: "pending".into(),
            attempts: vec![],
            next_attempt: 0,
        };
        self.store.put(&delivery_path(&hook.id, &id), serde_json::to_vec(&d)?).await?;
        self.store.put(&pending_path(&hook.id, &id), Vec::new()).await?;
        Ok(())
    }

    /// Queues a delivery to every hook on `on` for this dataset or model.
    pub async fn fire(&self, on: &str, dataset: Option<&str>, model: Option<&str>, data: Value) {
        let r = async {
            for h in self.list().await? {
                let dataset_ok = h.dataset.is_none() || h.dataset.as_deref() == dataset;
                let model_ok = h.model.is_none() || h.model.as_deref() == model;
                if h.on == on && dataset_ok && model_ok {
                    self.enqueue(&h, data.clone()).await?;
                }
            }
            Ok::<_, anyhow::Error>(())
        }
        .await;
        if let Err(e) = r {
            tracing::error!("queueing {on} webhooks: {e:#}");
        }
    }

    /// False only when the fresh cached list has no prediction hook for `model`
    /// (a stale cache says true, and the next look refreshes it).
    pub fn may_want_predictions(&self, model: &str) -> bool {
        match self.cache.lock().ok().as_deref() {
            Some(Some((at, hooks))) if at.elapsed() < Duration::from_secs(2) => {
                hooks.iter().any(|h| h.on == "prediction" && h.model.as_deref() == Some(model))
            }
            _ => true,
        }
    }

    /// Real-time predictions: rows matching a `prediction` hook's condition.
    pub async fn predictions(&self, model: &str, version: u64, rows: &[Value]) {
        let Ok(hooks) = self.list().await else { return };
        for h in hooks.iter().filter(|h| h.on == "prediction" && h.model.as_deref() == Some(model)) {
            let hits: Vec<&Value> =
                rows.iter().filter(|r| h.condition.as_ref().is_none_or(|c| c.matches(r))).take(100).collect();
            if !hits.is_empty()
                && let Err(e) = self.enqueue(h, json!({"model": model, "version": version, "predictions": hits})).await
            {
                tracing::error!("queueing a prediction webhook: {e:#}");
            }
        }
    }

    /// Attempts due deliveries, forever (every 250 ms).
    pub async fn worker(self: std::sync::Arc<Self>) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::warn!("delivering webhooks: {e:#}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn deliver_due(&self) -> Result<()> {
        let (markers, _) = self.store.children(&Path::from_iter(["hooks", "pending"])).await?;
        for m in markers {
            let Some((hook_id, id)) = m.split_once('.') else { continue };
            let Some((b, _)) = self.store.get(&delivery_path(hook_id, id)).await? else {
                self.store.delete(&pending_path(hook_id, id)).await?;
                continue;
            };
            let mut d: Delivery = serde_json::from_slice(&b)?;
            if d.state != "pending" || d.next_attempt > millis() {
                continue;
            }
            let Some(hook) = self.get(hook_id).await? else {
                d.state = "failed".into();
                d.attempts.push(Attempt { at: millis(), status: None, error: Some("the hook was deleted".into()) });
                self.finish(&d).await?;
                continue;
            };
            let sent = self
                .client
                .post(&hook.url)
                .header("content-type", "application/json")
                .header("x-citizen-signature", signature(&hook.secret, d.body.as_bytes()))
                .header("x-citizen-delivery", &d.id)
                .header("x-citizen-event", &d.on)
                .body(d.body.clone())
                .send()
                .await;
            let attempt = match &sent {
                Ok(r) => Attempt { at: millis(), status: Some(r.status().as_u16()), error: None },
                Err(e) => Attempt { at: millis(), status: None, error: Some(e.to_string()) },
            };
            let ok = attempt.status.is_some_and(|s| (200..300).contains(&s));
            d.attempts.push(attempt);
            if ok {
                d.state = "delivered".into();
                self.finish(&d).await?;
            } else if d.attempts.len() as u32 >= MAX_ATTEMPTS {
                d.state = "failed".into();
                self.finish(&d).await?;
            } else {
                let n = d.attempts.len() as u32 - 1;
                let delay = self.base_delay.saturating_mul(1 << n.min(16)).min(Duration::from_secs(300));
                d.next_attempt = millis() + delay.as_millis() as u64;
                self.store.put(&delivery_path(&d.hook, &d.id), serde_json::to_vec(&d)?).await?;
            }
        }
        Ok(())
    }

    async fn finish(&self, d: &Delivery) -> Result<()> {
        self.store.put(&delivery_path(&d.hook, &d.id), serde_json::to_vec(d)?).await?;
        self.store.delete(&pending_path(&d.hook, &d.id)).await.map_err(|e| anyhow!("{e:#}"))
    }
}
