//! The curated table: every row of a dataset (its files since the last
//! replacing one, then its compacted events) as one Parquet file typed by
//! the inferred schema (numbers `Float64`, yes/no `Boolean`, the rest
//! `Utf8`), with two columns added: `_citizen_key` (the key column's
//! value, or the row's hash) and `_citizen_hash` (a hash of the row's
//! non-missing cells, by column name). Rows with the same key: the later
//! one wins, at the earlier one's place.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use manifest::{Cell, Table};
use serde::{Deserialize, Serialize};

use super::{Column, ColumnType, Lake, dataset_path, merge_schema, row_keys, schema_of};

pub const KEY: &str = "_citizen_key";
pub const HASH: &str = "_citizen_hash";

/// What a curated table was built from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TableInfo {
    pub rows: u64,
    pub schema: Vec<Column>,
    /// The last ingest record it holds.
    pub ingest_seq: u64,
    /// The last event sequence number it holds.
    pub events_through: u64,
    pub built: u64,
    pub parquet_bytes: u64,
}

/// A cell as text in a column of `kind` (numbers in Rust's shortest form).
pub fn cell_text(c: &Cell, kind: ColumnType) -> String {
    match (c, kind) {
        (Cell::Missing, _) => String::new(),
        (Cell::Number(x), _) => x.to_string(),
        (Cell::Bool(b), _) => b.to_string(),
        (Cell::Text(s), ColumnType::Number) => {
            manifest::parse_number(s).map(|x| x.to_string()).unwrap_or_else(|| s.clone())
        }
        (Cell::Text(s), ColumnType::Boolean) => s.to_ascii_lowercase(),
        (Cell::Text(s), _) => s.clone(),
    }
}

fn column_array(table: &Table, i: usize, kind: ColumnType, keep: &[usize]) -> ArrayRef {
    let cells = keep.iter().map(|&r| &table.row(r)[i]);
    match kind {
        ColumnType::Number => {
            let mut b = Float64Builder::with_capacity(keep.len());
            for c in cells {
                b.append_option(c.as_f64());
            }
            Arc::new(b.finish())
        }
        ColumnType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(keep.len());
            for c in cells {
                b.append_option(match c {
                    Cell::Bool(x) => Some(*x),
                    Cell::Text(s) => Some(s.eq_ignore_ascii_case("true")),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        ColumnType::Text | ColumnType::Empty => {
            let mut b = StringBuilder::new();
            for c in cells {
                match c {
                    Cell::Missing => b.append_null(),
                    other => b.append_value(cell_text(other, ColumnType::Text)),
                }
            }
            Arc::new(b.finish())
        }
    }
}

fn data_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Number => DataType::Float64,
        ColumnType::Boolean => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

/// Writes a record batch as a Snappy Parquet file.
pub fn write_parquet(batch: &RecordBatch, path: &std::path::Path) -> Result<u64> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props))?;
    w.write(batch)?;
    w.close()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Reads a whole Parquet file as one record batch.
pub fn read_parquet(bytes: bytes::Bytes) -> Result<RecordBatch> {
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes)?;
    let schema = builder.schema().clone();
    let batches = builder.build()?.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(arrow::compute::concat_batches(&schema, &batches)?)
}

/// A dataset's rows merged into one table over the union of columns.
fn gather(mut parts: Vec<Table>) -> Table {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    let mut columns: Vec<String> = Vec::new();
    for p in &parts {
        for c in p.columns() {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    let mut out = Table::new(columns.clone());
    for p in parts {
        let map: Vec<Option<usize>> = columns.iter().map(|c| p.column(c)).collect();
        for row in p.rows() {
            let cells = map.iter().map(|m| m.map(|i| row[i].clone()).unwrap_or(Cell::Missing)).collect();
            // Same width by construction.
            let _ = out.push_row(cells);
        }
    }
    out
}

impl Lake {
    pub async fn table_info(&self, name: &str) -> Result<Option<TableInfo>> {
        match self.store.get(&dataset_path(name, &["table", "table.json"])).await? {
            Some((b, _)) => Ok(serde_json::from_slice(&b).ok()),
            None => Ok(None),
        }
    }

    /// The curated table, rebuilt when files or events came since it was built.
    pub async fn curate(&self, name: &str) -> Result<TableInfo> {
        let meta = self
            .meta(name)
            .await?
            .ok_or_else(|| anyhow!(super::LakeError::NotFound(format!("there is no dataset {name:?}"))))?;
        let records = self.ingests(name).await?;
        let segments = self.event_segments(name).await?;
        let ingest_seq = records.last().map(|r| r.seq).unwrap_or(0);
        let events_through = segments.last().map(|s| s.1).unwrap_or(0);
        if let Some(info) = self.table_info(name).await?
            && info.ingest_seq == ingest_seq
            && info.events_through == events_through
        {
            return Ok(info);
        }
        let scratch = tempdir(name)?;
        let start = records.iter().rposition(|r| r.replace).unwrap_or(0);
        let mut parts = Vec::new();
        let mut schema = Vec::new();
        for r in records.get(start..).unwrap_or_default() {
            let local = scratch.join(format!("{}.{}", r.seq, r.format));
            let path = object_store::path::Path::parse(&r.file)?;
            if !self.store.get_file(&path, &local).await? {
                return Err(anyhow!("the raw file {} of ingest {} is gone from the store", r.file, r.seq));
            }
            let data = tokio::task::spawn_blocking(move || trainer::data::load(&local))
                .await?
                .with_context(|| format!("re-reading {}", r.file))?;
            merge_schema(&mut schema, &r.schema);
            parts.push(data.table);
        }
        let mut events = Vec::new();
        for (first, last) in &segments {
            let p = dataset_path(name, &["events", &super::events::segment_name(*first, *last)]);
            let Some((b, _)) = self.store.get(&p).await? else { continue };
            for line in b.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                let v: serde_json::Value = serde_json::from_slice(line).with_context(|| format!("segment {p}"))?;
                events.push(v.get("event").cloned().unwrap_or_default());
            }
        }
        if !events.is_empty() {
            let t = Table::from_json_value(&serde_json::Value::Array(events)).map_err(|e| anyhow!("events: {e}"))?;
            merge_schema(&mut schema, &schema_of(&t));
            parts.push(t);
        }
        let key = meta.key.clone();
        let dir = scratch.clone();
        let (info, file) = tokio::task::spawn_blocking(move || -> Result<(TableInfo, std::path::PathBuf)> {
            let table = gather(parts);
            let keys = row_keys(&table, &schema, key.as_deref())?;
            // Later rows win at the earlier one's place.
            let mut at: HashMap<&str, usize> = HashMap::new();
            let mut keep: Vec<usize> = Vec::new();
            for (i, (k, _)) in keys.iter().enumerate() {
                match at.get(k.as_str()) {
                    Some(&slot) => keep[slot] = i,
                    None => {
                        at.insert(k, keep.len());
                        keep.push(i);
                    }
                }
            }
            let kind = |c: &str| schema.iter().find(|s| s.name == c).map(|s| s.kind).unwrap_or(ColumnType::Text);
            let mut fields = Vec::new();
            let mut arrays = Vec::new();
            for (i, c) in table.columns().iter().enumerate() {
                fields.push(Field::new(c, data_type(kind(c)), true));
                arrays.push(column_array(&table, i, kind(c), &keep));
            }
            let (mut kb, mut hb) = (StringBuilder::new(), StringBuilder::new());
            for &i in &keep {
                kb.append_value(&keys[i].0);
                hb.append_value(&keys[i].1);
            }
            fields.push(Field::new(KEY, DataType::Utf8, false));
            fields.push(Field::new(HASH, DataType::Utf8, false));
            arrays.push(Arc::new(kb.finish()));
            arrays.push(Arc::new(hb.finish()));
            let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;
            let file = dir.join("table.parquet");
            let bytes = write_parquet(&batch, &file)?;
            let info = TableInfo {
                rows: keep.len() as u64,
                schema: table.columns().iter().map(|c| Column { name: c.clone(), kind: kind(c) }).collect(),
                ingest_seq,
                events_through,
                built: crate::server::registry::now(),
                parquet_bytes: bytes,
            };
            Ok((info, file))
        })
        .await??;
        self.store.put_file(&dataset_path(name, &["table", "table.parquet"]), &file).await?;
        self.store.put(&dataset_path(name, &["table", "table.json"]), serde_json::to_vec(&info)?).await?;
        let _ = std::fs::remove_dir_all(&scratch);
        Ok(info)
    }

    /// The curated table's Parquet bytes (curated first).
    pub async fn table_bytes(&self, name: &str) -> Result<(TableInfo, bytes::Bytes)> {
        let info = self.curate(name).await?;
        let (b, _) = self
            .store
            .get(&dataset_path(name, &["table", "table.parquet"]))
            .await?
            .ok_or_else(|| anyhow!("the curated table of {name} is gone"))?;
        Ok((info, b))
    }
}

pub fn tempdir(what: &str) -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "citizen-lake-{}-{what}-{}",
        std::process::id(),
        crate::server::registry::random_hex(6)?
    ));
    std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    Ok(d)
}
