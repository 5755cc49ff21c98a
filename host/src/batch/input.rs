//! Reading an input file a chunk of rows at a time, with the runtime's own
//! readers of rows and cells (`manifest::CsvRows`, `Table::push_json_row`).

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek};
use std::path::Path;
use std::sync::mpsc::Receiver;

use anyhow::{Context, Result, anyhow};
use arrow::array::BooleanArray;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use manifest::{CsvFields, CsvRecord, CsvRows, JsonColumns, Table};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use runtime_wasm::interface::retain_kept;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::BatchFormat;

/// One problem with one input row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Problem {
    /// 1-based data row number in the input file.
    pub row: u64,
    /// The field to blame, or empty.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "row {}: {}", self.row, self.reason)
        } else {
            write!(f, "row {}, field `{}`: {}", self.row, self.field, self.reason)
        }
    }
}

/// The input side of a chunk, kept to write the rows back.
pub(super) enum Raw {
    /// CSV records, one per table row, with their lines as read.
    Csv(CsvLines),
    /// The table's cells are all there is (JSON Lines).
    Cells,
    /// The Parquet record batch, one row per table row.
    Arrow(RecordBatch),
}

/// CSV records with the bytes they were read from.
#[derive(Default)]
pub(super) struct CsvLines {
    pub records: Vec<CsvFields>,
    /// The input from the chunk's first record to its last.
    pub bytes: Vec<u8>,
    /// Each record's line in `bytes` (from the reader, or
    /// [`manifest::csv_line`] while the record is at hand); `None` when it
    /// is not to be copied.
    pub lines: Vec<Option<std::ops::Range<usize>>>,
}

/// Rows read from the input, in order.
pub(super) struct Chunk {
    /// The 1-based input row number of each good row.
    pub rows: Vec<u64>,
    /// The good rows' cells. A CSV chunk's table is empty (its columns
    /// only): the records are encoded and written as they are, and made
    /// cells only when a chunk fails validation and is screened row by row.
    pub table: Table,
    pub raw: Raw,
    /// Rows that could not be read (they are not in `table`).
    pub unreadable: Vec<Problem>,
    /// Input bytes read up to the end of this chunk.
    pub bytes_done: u64,
}

impl Chunk {
    /// Keeps the rows whose `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) -> Result<()> {
        let mut table = Table::new(self.table.columns().to_vec());
        for (row, _) in self.table.rows().zip(keep).filter(|(_, k)| **k) {
            table.push_row(row.to_vec())?;
        }
        self.table = table;
        retain_kept(&mut self.rows, keep);
        match &mut self.raw {
            Raw::Csv(lines) => {
                retain_kept(&mut lines.records, keep);
                retain_kept(&mut lines.lines, keep);
            }
            Raw::Cells => {}
            Raw::Arrow(batch) => {
                *batch = arrow::compute::filter_record_batch(batch, &BooleanArray::from(keep.to_vec()))?
            }
        }
        Ok(())
    }
}

/// An open input file.
pub(super) enum Reader {
    Csv {
        rows: CsvRows<File>,
        next_row: u64,
        done: bool,
        /// Record buffers the writer is done with, to read into again.
        recycled: Receiver<CsvLines>,
    },
    JsonLines {
        file: BufReader<File>,
        columns: Vec<String>,
        next_row: u64,
        line: u64,
        bytes: u64,
        buf: Vec<u8>,
        done: bool,
    },
    Parquet {
        batches: ParquetRecordBatchReader,
        schema: SchemaRef,
        columns: Vec<String>,
        next_row: u64,
        total_rows: u64,
        file_len: u64,
    },
}

impl Reader {
    pub fn open(path: &Path, format: BatchFormat, chunk_rows: usize, recycled: Receiver<CsvLines>) -> Result<Reader> {
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(match format {
            BatchFormat::Csv => {
                let rows = CsvRows::keeping_lines(file).context("not a readable CSV file")?;
                Reader::Csv { rows, next_row: 1, done: false, recycled }
            }
            BatchFormat::JsonLines => {
                let mut file = BufReader::with_capacity(1 << 16, file);
                let columns = json_columns(&mut file)?;
                file.rewind().with_context(|| format!("cannot read {}", path.display()))?;
                Reader::JsonLines { file, columns, next_row: 1, line: 0, bytes: 0, buf: Vec::new(), done: false }
            }
            BatchFormat::Parquet => {
                let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
                let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| anyhow!("not a readable Parquet file ({e})"))?;
                let total_rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
                let schema = builder.schema().clone();
                let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
                let batches = builder
                    .with_batch_size(chunk_rows)
                    .build()
                    .map_err(|e| anyhow!("not a readable Parquet file ({e})"))?;
                Reader::Parquet { batches, schema, columns, next_row: 1, total_rows, file_len }
            }
        })
    }

    /// The input's columns: the CSV header, every key of the JSON rows, the
    /// Parquet schema's fields.
    pub fn columns(&self) -> &[String] {
        match self {
            Reader::Csv { rows, .. } => rows.columns(),
            Reader::JsonLines { columns, .. } | Reader::Parquet { columns, .. } => columns,
        }
    }

    /// The Arrow schema of a Parquet input.
    pub fn arrow_schema(&self) -> Option<SchemaRef> {
        match self {
            Reader::Parquet { schema, .. } => Some(schema.clone()),
            _ => None,
        }
    }

    /// The next chunk of up to `max_rows` rows (good or bad), or `None` at the end.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Chunk>> {
        match self {
            Reader::Csv { rows, next_row, done, recycled } => {
                if *done {
                    return Ok(None);
                }
                let CsvLines { mut records, bytes, mut lines } = recycled.try_recv().unwrap_or_default();
                lines.clear();
                let first = rows.bytes_read();
                let mut numbers = Vec::with_capacity(max_rows);
                let mut unreadable = Vec::new();
                let mut used = 0;
                for _ in 0..max_rows {
                    if used == records.len() {
                        records.push(CsvFields::new());
                    }
                    let row = *next_row;
                    let start = rows.bytes_read() - first;
                    match rows.read_record(&mut records[used])? {
                        CsvRecord::Row => {
                            let line = match rows.last_line() {
                                Some(line) => Some((line.start - first) as usize..(line.end - first) as usize),
                                None => {
                                    let end = rows.bytes_read() - first;
                                    let span = rows.kept(first + start, first + end).unwrap_or_default();
                                    let at = start as usize;
                                    manifest::csv_line(span, &records[used]).map(|l| at + l.start..at + l.end)
                                }
                            };
                            lines.push(line);
                            numbers.push(row);
                            used += 1;
                        }
                        CsvRecord::Bad(reason) => unreadable.push(Problem { row, field: String::new(), reason }),
                        CsvRecord::End => {
                            *done = true;
                            break;
                        }
                    }
                    *next_row += 1;
                }
                records.truncate(used);
                let last = rows.bytes_read();
                // The chunk's bytes change hands, not copied: the reader
                // goes on in the buffer the writer gave back.
                rows.forget_before(first);
                let bytes = rows.take_kept(last, bytes);
                if bytes.len() as u64 != last - first {
                    lines.clear(); // not kept: every record goes through the csv writer
                }
                if *done && used == 0 && unreadable.is_empty() {
                    return Ok(None);
                }
                let bytes_done = if *done { u64::MAX } else { rows.bytes_read() };
                let raw = Raw::Csv(CsvLines { records, bytes, lines });
                let table = Table::new(rows.columns().to_vec());
                Ok(Some(Chunk { rows: numbers, table, raw, unreadable, bytes_done }))
            }
            Reader::JsonLines { file, columns, next_row, line, bytes, buf, done } => {
                if *done {
                    return Ok(None);
                }
                let mut table = Table::new(columns.clone());
                let mut numbers = Vec::with_capacity(max_rows);
                let mut unreadable = Vec::new();
                let mut read = 0;
                while read < max_rows {
                    buf.clear();
                    let n = file.read_until(b'\n', buf).context("cannot read the file")?;
                    if n == 0 {
                        *done = true;
                        break;
                    }
                    *bytes += n as u64;
                    *line += 1;
                    let Some(text) = json_line(buf, *line) else { continue };
                    let row = *next_row;
                    *next_row += 1;
                    read += 1;
                    let pushed = match text {
                        Err(reason) => Err(reason),
                        Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
                            Err(e) => Err(format!("line {line}: invalid JSON: {e}")),
                            Ok(v) => table.push_json_row(&v),
                        },
                    };
                    match pushed {
                        Ok(()) => numbers.push(row),
                        Err(reason) => unreadable.push(Problem { row, field: String::new(), reason }),
                    }
                }
                if *done && read == 0 {
                    return Ok(None);
                }
                let bytes_done = if *done { u64::MAX } else { *bytes };
                Ok(Some(Chunk { rows: numbers, table, raw: Raw::Cells, unreadable, bytes_done }))
            }
            Reader::Parquet { batches, columns, next_row, total_rows, file_len, .. } => {
                let Some(batch) = batches.next() else { return Ok(None) };
                let batch = batch.map_err(|e| anyhow!("cannot read the Parquet file: {e}"))?;
                let table = trainer::arrow::table(columns, &batch)?;
                let n = batch.num_rows() as u64;
                let rows = (*next_row..*next_row + n).collect();
                *next_row += n;
                let bytes_done = if *total_rows == 0 {
                    *file_len
                } else {
                    (*file_len as u128 * (*next_row - 1) as u128 / *total_rows as u128) as u64
                };
                Ok(Some(Chunk { rows, table, raw: Raw::Arrow(batch), unreadable: Vec::new(), bytes_done }))
            }
        }
    }
}

/// A JSON line as text without its line end and a first line's byte-order
/// mark; `None` for a blank line (not a row), `Err` when it is not UTF-8.
fn json_line(buf: &[u8], line: u64) -> Option<Result<&str, String>> {
    let buf = buf.strip_suffix(b"\n").unwrap_or(buf);
    let buf = buf.strip_suffix(b"\r").unwrap_or(buf);
    let buf = if line == 1 { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf) } else { buf };
    match std::str::from_utf8(buf) {
        Ok(s) if s.trim().is_empty() => None,
        Ok(s) => Some(Ok(s)),
        Err(_) => Some(Err(format!("line {line}: the line is not valid UTF-8 text"))),
    }
}

/// The columns of a JSON Lines file: every key of every row, in order of
/// first appearance (a first pass over the file, which keeps only the keys).
fn json_columns(file: &mut BufReader<File>) -> Result<Vec<String>> {
    let mut columns = JsonColumns::default();
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        buf.clear();
        if file.read_until(b'\n', &mut buf).context("cannot read the file")? == 0 {
            break;
        }
        line += 1;
        // Lines that are not valid rows are reported when the rows are read.
        if let Some(Ok(text)) = json_line(&buf, line)
            && let Ok(shape) = serde_json::from_str::<Shape>(text)
        {
            match shape {
                Shape::Object(keys) => keys.iter().for_each(|k| columns.add_key(k)),
                Shape::Array(len) => columns.add_array(len),
                Shape::Other => {}
            }
        }
    }
    Ok(columns.finish()?)
}

/// A JSON row's shape, read without keeping its values.
enum Shape {
    Object(Vec<String>),
    Array(usize),
    Other,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Shape, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Shape, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(k.into_owned());
                }
                Ok(Shape::Object(keys))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Shape, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Shape::Array(n))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_unit<E>(self) -> std::result::Result<Shape, E> {
                Ok(Shape::Other)
            }
        }
        d.deserialize_any(V)
    }
}
