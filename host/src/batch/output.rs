//! Writing chunks of predicted rows: CSV and JSON Lines with the runtime's
//! own writer pieces (so the bytes are those of `citizen predict`), Parquet
//! with Arrow.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

use anyhow::{Context, Result, bail};
use arrow::array::{ArrayRef, Float32Array, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use manifest::{Cell, Table};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use runtime_wasm::format::{CsvOut, cell_text, rename_outputs, write_json_lines};
use runtime_wasm::interface::{Interface, Prediction, Values};

use super::BatchFormat;
use super::input::{Chunk, CsvLines, Raw};

/// Parquet row groups: at most this many rows, or about this many bytes
/// (a row group is buffered whole before it is written).
const ROW_GROUP_ROWS: usize = 128 * 1024;
const ROW_GROUP_BYTES: usize = 64 << 20;

enum Out {
    Csv(CsvOut<BufWriter<File>>),
    JsonLines(BufWriter<File>, Vec<u8>),
    /// The Arrow writer is made when the output columns are known.
    Parquet(Option<File>, Option<(ArrowWriter<File>, SchemaRef)>),
}

/// The output file.
pub(super) struct Writer {
    path: PathBuf,
    out: Out,
    /// The input's columns.
    columns: Vec<String>,
    /// A Parquet input's schema.
    input_schema: Option<SchemaRef>,
    /// The output's column names, once written.
    headers: Option<Vec<String>>,
    /// CSV record buffers go back to the reader.
    recycle: Sender<CsvLines>,
}

impl Writer {
    pub fn create(
        path: &Path,
        format: BatchFormat,
        columns: &[String],
        input_schema: Option<SchemaRef>,
        recycle: Sender<CsvLines>,
    ) -> Result<Writer> {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let out = match format {
            BatchFormat::Csv => Out::Csv(CsvOut::new(BufWriter::with_capacity(1 << 16, file))),
            BatchFormat::JsonLines => Out::JsonLines(BufWriter::with_capacity(1 << 16, file), Vec::new()),
            BatchFormat::Parquet => Out::Parquet(Some(file), None),
        };
        Ok(Writer { path: path.to_path_buf(), out, columns: columns.to_vec(), input_schema, headers: None, recycle })
    }

    /// Appends a chunk's rows with their predictions.
    pub fn write(&mut self, mut chunk: Chunk, p: &Prediction) -> Result<()> {
        let rows = chunk.rows.len();
        if rows == 0 {
            return Ok(());
        }
        let p = rename_outputs(&self.columns, p);
        let p = p.as_ref();
        self.start(p)?;
        let path = &self.path;
        let cannot = || format!("cannot write {}", path.display());
        match &mut self.out {
            Out::Csv(w) => match &mut chunk.raw {
                Raw::Csv(lines) => {
                    let CsvLines { records, bytes, lines } = lines;
                    for (r, record) in records.iter_mut().enumerate() {
                        // A record without its line goes through the csv writer.
                        match lines.get(r).cloned().flatten().and_then(|l| bytes.get(l)) {
                            Some(line) => w.copied_row(line, p, r),
                            None => w.csv_row(record, p, r),
                        }
                        .with_context(cannot)?;
                    }
                }
                Raw::Cells | Raw::Arrow(_) => {
                    for (r, row) in chunk.table.rows().enumerate() {
                        w.row(row.iter().map(cell_text), p, r).with_context(cannot)?;
                    }
                }
            },
            Out::JsonLines(w, buf) => {
                buf.clear();
                if let Raw::Csv(lines) = &chunk.raw {
                    write_json_lines(&Table::from_csv_records(self.columns.clone(), &lines.records), p, buf);
                } else {
                    write_json_lines(&chunk.table, p, buf);
                }
                w.write_all(buf).with_context(cannot)?;
            }
            Out::Parquet(_, w) => {
                let Some((w, schema)) = w else { bail!("the Parquet writer was not started") };
                let mut arrays: Vec<ArrayRef> = match &chunk.raw {
                    Raw::Arrow(batch) => batch.columns().to_vec(),
                    Raw::Csv(lines) => (0..self.columns.len())
                        .map(|j| Arc::new(lines.records.iter().map(|r| r.get(j)).collect::<StringArray>()) as ArrayRef)
                        .collect(),
                    Raw::Cells => (0..self.columns.len())
                        .map(|j| {
                            let texts = chunk.table.rows().map(|row| match &row[j] {
                                Cell::Missing => None,
                                cell => Some(cell_text(cell)),
                            });
                            Arc::new(texts.collect::<StringArray>()) as ArrayRef
                        })
                        .collect(),
                };
                arrays.extend(p.columns.iter().map(|c| output_array(&c.values)));
                let batch = RecordBatch::try_new(schema.clone(), arrays)?;
                w.write(&batch).with_context(cannot)?;
                // A row group is held in memory until written: bound it by size too.
                if w.in_progress_size() > ROW_GROUP_BYTES {
                    w.flush().with_context(cannot)?;
                }
            }
        }
        if let Raw::Csv(lines) = chunk.raw {
            // The reader may be gone already; then the buffers just go.
            let _ = self.recycle.send(lines);
        }
        Ok(())
    }

    /// Writes the header (CSV) or opens the Parquet writer, once; later
    /// chunks must give the same output columns.
    fn start(&mut self, p: &Prediction) -> Result<()> {
        let headers: Vec<String> = p.headers().into_iter().map(String::from).collect();
        if let Some(h) = &self.headers {
            if *h != headers {
                bail!("the model gave columns {headers:?} for one chunk and {h:?} for another");
            }
            return Ok(());
        }
        let cannot = || format!("cannot write {}", self.path.display());
        match &mut self.out {
            Out::Csv(w) => w.header(&self.columns, p).with_context(cannot)?,
            Out::JsonLines(..) => {}
            Out::Parquet(file, w) => {
                let mut fields: Vec<Field> = match &self.input_schema {
                    Some(s) => s.fields().iter().map(|f| f.as_ref().clone()).collect(),
                    None => self.columns.iter().map(|c| Field::new(c, DataType::Utf8, true)).collect(),
                };
                fields.extend(p.columns.iter().map(|c| Field::new(&c.name, output_type(&c.values), false)));
                let schema = Arc::new(Schema::new(fields));
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .build();
                let Some(file) = file.take() else { bail!("the Parquet writer was started twice") };
                *w = Some((ArrowWriter::try_new(file, schema.clone(), Some(props)).with_context(cannot)?, schema));
            }
        }
        self.headers = Some(headers);
        Ok(())
    }

    /// Completes the file: a file without rows still gets its header or schema.
    pub fn finish(mut self, iface: &Interface) -> Result<()> {
        if self.headers.is_none() {
            let empty = iface.finish(0, vec![])?;
            let renamed = rename_outputs(&self.columns, &empty).into_owned();
            self.start(&renamed)?;
        }
        match self.out {
            Out::Csv(mut w) => w.flush()?,
            Out::JsonLines(mut w, _) => w.flush()?,
            Out::Parquet(_, Some((w, _))) => {
                w.close()?;
            }
            Out::Parquet(_, None) => bail!("the Parquet writer was not started"),
        }
        Ok(())
    }
}

fn output_type(v: &Values) -> DataType {
    match v {
        Values::F32(_) => DataType::Float32,
        Values::F64(_) => DataType::Float64,
        Values::I64(_) => DataType::Int64,
        Values::Text(_) => DataType::Utf8,
    }
}

fn output_array(v: &Values) -> ArrayRef {
    match v {
        Values::F32(x) => Arc::new(Float32Array::from(x.clone())),
        Values::F64(x) => Arc::new(Float64Array::from(x.clone())),
        Values::I64(x) => Arc::new(Int64Array::from(x.clone())),
        Values::Text(x) => Arc::new(StringArray::from(x.clone())),
    }
}
