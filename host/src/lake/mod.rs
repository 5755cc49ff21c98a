//! The lake: datasets in the server's store, shared by `citizen ingest` /
//! `citizen score` (straight on a store) and `citizen serve` (over HTTP).
//!
//! ```text
//! datasets/{name}/dataset.json              {name, key?, created}
//! datasets/{name}/raw/{sha256[..16]}-{rand}.{ext}  the uploaded file, as sent (immutable)
//! datasets/{name}/ingests/{00000001}.json   one record per file (who, when, rows, schema, sha256, bytes)
//! datasets/{name}/events/{first}-{last}.jsonl  compacted event segments ({"seq","time","event"} lines)
//! datasets/{name}/table/table.parquet|.json the curated table and what it was built from
//! datasets/{name}/scored/{model}/table.parquet|state.json  the scored table of one model
//! ```
//!
//! A file is parsed (and its schema compared with the dataset's) before
//! anything is written; the raw file is written whole, then its record is
//! claimed with a conditional create. A crash between the two leaves an
//! unreferenced raw file that no reader follows.

pub mod events;
pub mod hooks;
pub mod score;
pub mod table;

use std::collections::HashMap;

use anyhow::{Context, Result, anyhow};
use manifest::{Cell, Table};
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use crate::server::registry::{now, random_hex};
use crate::server::store::{Created, Store};

/// A problem the caller can fix; the server turns it into a 4xx.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    SchemaChanged { message: String, differences: Vec<Difference> },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
}

/// The type of a dataset column, inferred from its cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Number,
    Boolean,
    Text,
    /// No values yet: merges with anything.
    Empty,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

/// One difference between a file's schema and the dataset's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub column: String,
    /// `added`, `removed` or `type`.
    pub change: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<ColumnType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<ColumnType>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DatasetMeta {
    pub name: String,
    /// The row key column; `None`: a row is keyed by the hash of its cells.
    #[serde(default)]
    pub key: Option<String>,
    pub created: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IngestRecord {
    pub seq: u64,
    /// The raw file in the store.
    pub file: String,
    /// The name it was sent under.
    pub source: String,
    pub format: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    pub schema: Vec<Column>,
    /// The token id (or `cli`) that sent it.
    pub who: String,
    pub when: u64,
    /// Accepted with `allow_schema_change`: what differed from the dataset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_changes: Vec<Difference>,
    /// This file replaces every earlier file of the dataset.
    #[serde(default)]
    pub replace: bool,
}

#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    pub key: Option<String>,
    pub allow_schema_change: bool,
    pub replace: bool,
}

pub fn dataset_path(name: &str, rest: &[&str]) -> Path {
    Path::from_iter(["datasets", name].into_iter().chain(rest.iter().copied()))
}

pub fn check_dataset_name(name: &str) -> std::result::Result<(), LakeError> {
    crate::http::check_name("dataset", name).map_err(|e| LakeError::Invalid(e.message))
}

/// A column's type from its cells.
pub fn infer_type<'a>(cells: impl Iterator<Item = &'a Cell>) -> ColumnType {
    let mut kind = ColumnType::Empty;
    for c in cells {
        let this = match c {
            Cell::Missing => continue,
            Cell::Number(_) => ColumnType::Number,
            Cell::Bool(_) => ColumnType::Boolean,
            Cell::Text(s) if manifest::parse_number(s).is_some_and(f64::is_finite) => ColumnType::Number,
            Cell::Text(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") => ColumnType::Boolean,
            Cell::Text(_) => return ColumnType::Text,
        };
        kind = merge_type(kind, this);
        if kind == ColumnType::Text {
            return kind;
        }
    }
    kind
}

pub fn merge_type(a: ColumnType, b: ColumnType) -> ColumnType {
    match (a, b) {
        (ColumnType::Empty, x) | (x, ColumnType::Empty) => x,
        (x, y) if x == y => x,
        _ => ColumnType::Text,
    }
}

pub fn schema_of(table: &Table) -> Vec<Column> {
    (0..table.width())
        .map(|i| Column { name: table.columns()[i].clone(), kind: infer_type(table.rows().map(|r| &r[i])) })
        .collect()
}

/// `base` widened by `next`: columns in first-seen order, conflicting types as text.
pub fn merge_schema(base: &mut Vec<Column>, next: &[Column]) {
    for c in next {
        match base.iter_mut().find(|b| b.name == c.name) {
            Some(b) => b.kind = merge_type(b.kind, c.kind),
            None => base.push(c.clone()),
        }
    }
}

pub fn differences(dataset: &[Column], file: &[Column]) -> Vec<Difference> {
    let mut out = Vec::new();
    for c in file {
        match dataset.iter().find(|d| d.name == c.name) {
            None => {
                out.push(Difference { column: c.name.clone(), change: "added".into(), was: None, now: Some(c.kind) })
            }
            Some(d) if merge_type(d.kind, c.kind) != d.kind || (d.kind == ColumnType::Empty && c.kind != d.kind) => {
                if d.kind != ColumnType::Empty {
                    out.push(Difference {
                        column: c.name.clone(),
                        change: "type".into(),
                        was: Some(d.kind),
                        now: Some(c.kind),
                    })
                }
            }
            Some(_) => {}
        }
    }
    for d in dataset {
        if !file.iter().any(|c| c.name == d.name) {
            out.push(Difference { column: d.name.clone(), change: "removed".into(), was: Some(d.kind), now: None });
        }
    }
    out
}

/// The lake over one store.
#[derive(Clone)]
pub struct Lake {
    pub store: Store,
}

impl Lake {
    pub fn new(store: Store) -> Lake {
        Lake { store }
    }

    pub async fn meta(&self, name: &str) -> Result<Option<DatasetMeta>> {
        match self.store.get(&dataset_path(name, &["dataset.json"])).await? {
            Some((b, _)) => Ok(Some(serde_json::from_slice(&b).context("a dataset record is corrupt")?)),
            None => Ok(None),
        }
    }

    pub async fn names(&self) -> Result<Vec<String>> {
        let (_, mut names) = self.store.children(&Path::from("datasets")).await?;
        names.sort();
        Ok(names)
    }

    /// Every ingest record, in order.
    pub async fn ingests(&self, name: &str) -> Result<Vec<IngestRecord>> {
        let (files, _) = self.store.children(&dataset_path(name, &["ingests"])).await?;
        let mut out = Vec::new();
        for f in files {
            if let Some((b, _)) = self.store.get(&dataset_path(name, &["ingests", &f])).await? {
                out.push(serde_json::from_slice::<IngestRecord>(&b).with_context(|| format!("ingest record {f}"))?);
            }
        }
        out.sort_by_key(|r| r.seq);
        Ok(out)
    }

    /// The dataset's schema: every file's since the last replacing one, widened in order.
    pub fn schema(records: &[IngestRecord]) -> Vec<Column> {
        let start = records.iter().rposition(|r| r.replace).unwrap_or(0);
        let mut schema = Vec::new();
        for r in &records[start..] {
            merge_schema(&mut schema, &r.schema);
        }
        schema
    }

    /// Lands one file: `local` holds its bytes, `source` names it (its
    /// extension gives the format). Checks everything before writing.
    pub async fn ingest(
        &self,
        name: &str,
        local: &std::path::Path,
        source: &str,
        who: &str,
        opts: &IngestOptions,
    ) -> Result<std::result::Result<IngestRecord, LakeError>> {
        if let Err(e) = check_dataset_name(name) {
            return Ok(Err(e));
        }
        let path = local.to_path_buf();
        let data = match tokio::task::spawn_blocking(move || trainer::data::load(&path)).await? {
            Ok(d) => d,
            Err(e) => {
                let msg = e.to_string().replace(&local.display().to_string(), source);
                return Ok(Err(LakeError::Invalid(format!("not a table: {msg}"))));
            }
        };
        let schema = schema_of(&data.table);
        let meta = self.meta(name).await?;
        let key = match (&meta, &opts.key) {
            (Some(m), Some(k)) if m.key.as_deref() != Some(k.as_str()) => {
                return Ok(Err(LakeError::Conflict(format!(
                    "dataset {name:?} is keyed by {}; it cannot be keyed by {k:?} now",
                    m.key.as_deref().map(|k| format!("column {k:?}")).unwrap_or_else(|| "the hash of each row".into())
                ))));
            }
            (Some(m), _) => m.key.clone(),
            (None, k) => k.clone(),
        };
        if let Some(k) = &key {
            let Some(col) = data.table.column(k) else {
                return Ok(Err(LakeError::Invalid(format!(
                    "{source}: there is no key column {k:?}; the columns are {}",
                    data.table.columns().join(", ")
                ))));
            };
            if let Some(row) = data.table.rows().position(|r| r[col].is_missing()) {
                return Ok(Err(LakeError::Invalid(format!(
                    "{source}: row {}, field `{k}`: the key is missing; every row needs a key",
                    row + 1
                ))));
            }
        }
        let records = self.ingests(name).await?;
        let changes =
            if records.is_empty() || opts.replace { vec![] } else { differences(&Lake::schema(&records), &schema) };
        if !changes.is_empty() && !opts.allow_schema_change {
            let list: Vec<String> = changes
                .iter()
                .map(|d| match d.change.as_str() {
                    "added" => format!("column `{}` is new", d.column),
                    "removed" => format!("column `{}` is missing", d.column),
                    _ => format!("column `{}` was {:?}, is now {:?}", d.column, d.was, d.now),
                })
                .collect();
            return Ok(Err(LakeError::SchemaChanged {
                message: format!(
                    "{source}: the schema differs from dataset {name:?}'s: {}; send it again with allow_schema_change to accept it",
                    list.join("; ")
                ),
                differences: changes,
            }));
        }
        if meta.is_none() {
            let m = DatasetMeta { name: name.into(), key: key.clone(), created: now() };
            self.store.create(&dataset_path(name, &["dataset.json"]), serde_json::to_vec(&m)?).await?;
        }
        let ext = local.extension().and_then(|e| e.to_str()).unwrap_or("bin").to_ascii_lowercase();
        let file = format!("{}-{}.{ext}", &data.sha256[..16], random_hex(4)?);
        let raw = dataset_path(name, &["raw", &file]);
        self.store.put_file(&raw, local).await?;
        let mut record = IngestRecord {
            seq: 0,
            file: raw.to_string(),
            source: source.into(),
            format: ext,
            rows: data.table.len() as u64,
            bytes: data.bytes,
            sha256: data.sha256.clone(),
            schema,
            who: who.into(),
            when: now(),
            schema_changes: changes,
            replace: opts.replace,
        };
        let mut seq = records.last().map(|r| r.seq).unwrap_or(0) + 1;
        loop {
            record.seq = seq;
            let p = dataset_path(name, &["ingests", &format!("{seq:08}.json")]);
            match self.store.create(&p, serde_json::to_vec(&record)?).await? {
                Created::Yes => break,
                Created::AlreadyExists => seq += 1,
            }
        }
        Ok(Ok(record))
    }

    /// What `GET /datasets/{name}` shows.
    pub async fn describe(&self, name: &str, events_through: u64) -> Result<Option<serde_json::Value>> {
        let Some(meta) = self.meta(name).await? else { return Ok(None) };
        let records = self.ingests(name).await?;
        let start = records.iter().rposition(|r| r.replace).unwrap_or(0);
        let file_rows: u64 = records.get(start..).unwrap_or_default().iter().map(|r| r.rows).sum();
        let table = match self.store.get(&dataset_path(name, &["table", "table.json"])).await? {
            Some((b, _)) => serde_json::from_slice::<serde_json::Value>(&b).ok(),
            None => None,
        };
        Ok(Some(serde_json::json!({
            "name": meta.name,
            "key": meta.key,
            "created": meta.created,
            "schema": Lake::schema(&records),
            "file_rows": file_rows,
            "events": events_through,
            "ingests": records,
            "table": table,
        })))
    }
}

/// A table's rows keyed: (key, row hash) per row.
pub fn row_keys(table: &Table, schema: &[Column], key: Option<&str>) -> Result<Vec<(String, String)>> {
    let key_col = match key {
        Some(k) => Some(table.column(k).ok_or_else(|| anyhow!("there is no key column {k:?}"))?),
        None => None,
    };
    let types: HashMap<&str, ColumnType> = schema.iter().map(|c| (c.name.as_str(), c.kind)).collect();
    let mut order: Vec<usize> = (0..table.width()).collect();
    order.sort_by(|&a, &b| table.columns()[a].cmp(&table.columns()[b]));
    let mut out = Vec::with_capacity(table.len());
    for row in table.rows() {
        let mut text = String::new();
        for &i in &order {
            if row[i].is_missing() {
                continue;
            }
            let name = &table.columns()[i];
            text.push_str(name);
            text.push('\u{1f}');
            text.push_str(&table::cell_text(&row[i], types.get(name.as_str()).copied().unwrap_or(ColumnType::Text)));
            text.push('\u{1e}');
        }
        let hash = crate::server::registry::sha256_hex(text.as_bytes())[..32].to_string();
        let key = match key_col {
            Some(c) => table::cell_text(&row[c], ColumnType::Text),
            None => hash.clone(),
        };
        out.push((key, hash));
    }
    Ok(out)
}
