//! Loading the training table: CSV (with a header row), JSON Lines
//! (`.jsonl`, `.ndjson`), JSON (`.json`) or Parquet (`.parquet`, `.pq`),
//! chosen by the file's extension. Text formats are read by
//! [`manifest::Table`], so training reads cells exactly as prediction will;
//! Parquet through [`crate::arrow`], as the batch engine reads it.
//!
//! Every error names the file; errors inside it name the line or row too.

use std::fmt;
use std::path::Path;

use manifest::{DataFingerprint, Table};
use sha2::{Digest, Sha256};

/// Errors of the trainer. Messages are written for the person training the
/// model: they name the file, the row or line, the column and the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The file is missing or cannot be read.
    #[error("cannot read `{file}`: {reason}")]
    Read { file: String, reason: String },
    /// The file holds nothing (or only blank space).
    #[error("`{file}` is empty")]
    Empty { file: String },
    /// The file has a header (or an empty array) but no rows.
    #[error("`{file}` has no rows of data, only {what}")]
    NoRows { file: String, what: &'static str },
    #[error("`{file}` is not UTF-8 text: line {line} has an invalid byte (0x{byte:02X}){hint}; save the file as UTF-8")]
    NotUtf8 { file: String, line: usize, byte: u8, hint: &'static str },
    /// The table reader refused the file (ragged rows, invalid JSON...).
    #[error("`{file}`: {reason}")]
    Table { file: String, reason: String },
    /// The Parquet reader refused the file (not Parquet, damaged, an
    /// unsupported compression) or one of its columns.
    #[error("`{file}`: not a readable Parquet file ({reason})")]
    Parquet { file: String, reason: String },
    #[error("`{file}`: unknown file type{}; citizen reads .csv, .jsonl, .ndjson, .json and .parquet", extension_shown(.extension))]
    UnknownFormat { file: String, extension: String },

    /// Two columns share a name.
    #[error("column `{column}` appears twice; give every column its own name")]
    DuplicateColumn { column: String },
    #[error("there is no column `{target}` to predict; the columns are {}", names(.columns))]
    UnknownTarget { target: String, columns: Vec<String> },
    #[error("cannot exclude `{name}`: there is no such column; the columns are {}", names(.columns))]
    UnknownExclude { name: String, columns: Vec<String> },
    #[error("cannot read `{name}` as categories: there is no such column; the columns are {}", names(.columns))]
    UnknownCategorical { name: String, columns: Vec<String> },
    /// The search was stopped by its caller.
    #[error("training was cancelled")]
    Cancelled,
    #[error("`{target}` is the column to predict; it cannot also be excluded")]
    ExcludedTarget { target: String },
    /// A numeric column holds an infinite value or NaN.
    #[error("column `{column}`, row {row}: {value:?} is not a finite number; write a number or leave the cell empty")]
    NotFinite { column: String, row: usize, value: String },
    #[error("`{target}` has no values in any row: there is nothing to learn")]
    TargetAllMissing { target: String },
    #[error("{}", too_few(.target, *.rows, *.total))]
    TooFewRows { target: String, rows: usize, total: usize },
    #[error("`{target}` has one value ({value}) in every row, there is nothing to learn")]
    ConstantTarget { target: String, value: String },
    #[error("`{target}` has only one class ({class}); classification needs at least two")]
    OneClass { target: String, class: String },
    /// Regression was asked for a target that is not a number.
    #[error("`{target}`, row {row}: {value:?} is not a number; regression predicts numbers (use classification)")]
    TargetNotNumeric { target: String, row: usize, value: String },
    /// Every column other than the target is excluded.
    #[error("the metric `{metric}` does not apply to {task}")]
    Metric { metric: String, task: String },
    #[error("the trained model could not be exported: {reason}")]
    Export { reason: String },
    #[error("every column other than `{target}` is excluded: there is nothing to learn from")]
    NoFeatures { target: String },
}

fn extension_shown(extension: &str) -> String {
    if extension.is_empty() { " (the name has no extension)".into() } else { format!(" `.{extension}`") }
}

fn names(columns: &[String]) -> String {
    manifest::listing(columns, 30, |c| format!("`{c}`"))
}

fn too_few(target: &str, rows: usize, total: usize) -> String {
    if rows == total {
        format!("the table has only {rows} row; training needs at least 2")
    } else {
        format!("only {rows} of the {total} rows have a value for `{target}`; training needs at least 2")
    }
}

/// A table read from a file, with what identifies the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub table: Table,
    /// The file's name (without its folder).
    pub source: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size of the file in bytes.
    pub bytes: u64,
}

impl Dataset {
    /// Takes the last `rows` rows of the table (its latest) out of the
    /// dataset and returns them: at least one, and never the last two rows
    /// the dataset keeps to learn from.
    pub fn split_off_latest(&mut self, rows: usize) -> Table {
        let n = self.table.len();
        let held = rows.clamp(1.min(n), n.saturating_sub(2));
        let keep = n - held;
        let mut first = Table::new(self.table.columns().to_vec());
        let mut latest = Table::new(self.table.columns().to_vec());
        for (i, row) in self.table.rows().enumerate() {
            let t = if i < keep { &mut first } else { &mut latest };
            t.push_row(row.to_vec()).expect("same width");
        }
        self.table = first;
        latest
    }
}

impl Dataset {
    /// The training-data fingerprint recorded in the model's manifest.
    pub fn fingerprint(&self) -> DataFingerprint {
        DataFingerprint {
            source: self.source.clone(),
            rows: self.table.len() as u64,
            columns: self.table.width() as u64,
            sha256: self.sha256.clone(),
            profiles: Vec::new(),
        }
    }
}

/// The file formats [`load`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
    Json,
    Parquet,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::JsonLines => "JSON Lines",
            Format::Json => "JSON",
            Format::Parquet => "Parquet",
        })
    }
}

/// Reads a table from `path`; the format is chosen by the extension
/// (case-insensitive): `.csv`, `.jsonl` / `.ndjson`, `.json`, `.parquet` / `.pq`.
pub fn load(path: &Path) -> Result<Dataset, TrainError> {
    let file = path.display().to_string();
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let format = match extension.as_str() {
        "csv" => Format::Csv,
        "jsonl" | "ndjson" => Format::JsonLines,
        "json" => Format::Json,
        "parquet" | "pq" => Format::Parquet,
        _ => return Err(TrainError::UnknownFormat { file, extension }),
    };
    let bytes = std::fs::read(path).map_err(|e| TrainError::Read { file: file.clone(), reason: io_reason(&e) })?;
    let table = parse(&bytes, format, &file)?;
    let source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| file.clone());
    let sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Dataset { table, source, sha256, bytes: bytes.len() as u64 })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "the file does not exist".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => e.to_string(),
    }
}

fn parse(bytes: &[u8], format: Format, file: &str) -> Result<Table, TrainError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TrainError::Empty { file: file.into() });
    }
    let table = match format {
        Format::Parquet => parquet_table(bytes, file)?,
        Format::Csv => text_table(bytes, file, |t| Table::from_csv(t.as_bytes()))?,
        Format::JsonLines => text_table(bytes, file, Table::from_json_lines)?,
        Format::Json => text_table(bytes, file, Table::from_json)?,
    };
    if table.is_empty() {
        let what = match format {
            Format::Csv => "a header",
            Format::Parquet => "a schema",
            Format::JsonLines | Format::Json if table.width() > 0 => "empty rows",
            Format::JsonLines | Format::Json => "an empty list",
        };
        return Err(TrainError::NoRows { file: file.into(), what });
    }
    Ok(table)
}

/// A table read by `read` from the bytes, which must be UTF-8 text.
fn text_table(
    bytes: &[u8],
    file: &str,
    read: impl Fn(&str) -> Result<Table, manifest::Error>,
) -> Result<Table, TrainError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let hint = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
            ", it looks like UTF-16"
        } else {
            ""
        };
        TrainError::NotUtf8 {
            file: file.into(),
            line: bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1,
            byte: bytes[at],
            hint,
        }
    })?;
    read(text).map_err(|e| TrainError::Table { file: file.into(), reason: e.to_string() })
}

/// Every row group of a Parquet file, as one table.
fn parquet_table(bytes: &[u8], file: &str) -> Result<Table, TrainError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let bad = |reason: String| TrainError::Parquet { file: file.into(), reason };
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
        .map_err(|e| bad(e.to_string()))?;
    let columns: Vec<String> = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut table = Table::new(columns);
    for batch in builder.build().map_err(|e| bad(e.to_string()))? {
        let batch = batch.map_err(|e| bad(e.to_string()))?;
        crate::arrow::append(&mut table, &batch).map_err(|e| bad(e.to_string()))?;
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh folder under the system's temporary folder for one test.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("citizen-trainer-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn error(dir: &Path, name: &str, bytes: &[u8]) -> String {
        let path = write(dir, name, bytes);
        load(&path).unwrap_err().to_string()
    }

    fn data(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(name)
    }

    #[test]
    fn loads_cars93_with_its_fingerprint() {
        let d = load(&data("cars93.csv")).unwrap();
        assert_eq!(d.source, "cars93.csv");
        assert_eq!(d.table.len(), 93);
        assert_eq!(d.table.width(), 28);
        // The hash recorded in data/PROVENANCE.md.
        assert_eq!(d.sha256, "27fef6999ea0ba753e1ae292db98d3d0f1027bb915661fce60c22d5449d2e0ae");
        assert_eq!(d.bytes, std::fs::metadata(data("cars93.csv")).unwrap().len());
        let f = d.fingerprint();
        assert_eq!((f.rows, f.columns, f.source.as_str()), (93, 28, "cars93.csv"));
        // `NA` is missing, `None` (an AirBags category) is not.
        let rear = d.table.column("Rear.seat.room").unwrap();
        assert_eq!(d.table.rows().filter(|r| r[rear].is_missing()).count(), 2);
        let bags = d.table.column("AirBags").unwrap();
        assert_eq!(d.table.row(0)[bags], manifest::Cell::Text("None".into()));
    }

    #[test]
    fn loads_json_lines_and_json_alike() {
        let dir = temp_dir("formats");
        let lines = write(&dir, "t.JSONL", b"{\"a\": 1, \"b\": \"x\"}\n\n{\"a\": 2, \"b\": null}\n");
        let ndjson = write(&dir, "t.ndjson", b"{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2}\n");
        let json = write(&dir, "t.json", b"[{\"a\": 1, \"b\": \"x\"}, {\"a\": 2, \"b\": null}]");
        let csv = write(&dir, "t.csv", b"a,b\n1,x\n2,NA\n");
        let tables: Vec<Table> = [lines, ndjson, json].iter().map(|p| load(p).unwrap().table).collect();
        assert_eq!(tables[0], tables[1]);
        assert_eq!(tables[0], tables[2]);
        assert_eq!(tables[0].len(), 2);
        assert_eq!(tables[0].row(1)[1], manifest::Cell::Missing);
        let csv = load(&csv).unwrap();
        assert_eq!(csv.table.row(0), &[manifest::Cell::Text("1".into()), manifest::Cell::Text("x".into())]);
        assert_eq!(csv.sha256, "2ddd9e87fb331dbd69f3a9e99aca3a2ec7355c58e23a5e3ceda33ebdd05eb2cf");
    }

    /// Writes a Parquet file of `columns` (in row groups of 2 rows).
    fn parquet(path: &Path, columns: Vec<(&str, arrow::array::ArrayRef)>) {
        use arrow::record_batch::RecordBatch;
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(2)).build();
        let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    #[test]
    fn loads_parquet_as_the_batch_engine_reads_it() {
        use arrow::array::{BooleanArray, Float32Array, Float64Array, Int64Array, StringArray};
        use manifest::Cell;
        use std::sync::Arc;
        let dir = temp_dir("parquet");
        let path = dir.join("t.parquet");
        parquet(
            &path,
            vec![
                ("price", Arc::new(Float64Array::from(vec![Some(15.9), None, Some(29.1)])) as _),
                ("doors", Arc::new(Int64Array::from(vec![4, 2, 4])) as _),
                ("weight", Arc::new(Float32Array::from(vec![1.8f32, 2.5, 3.0])) as _),
                ("type", Arc::new(StringArray::from(vec![Some("Small"), Some("Midsize"), None])) as _),
                ("manual", Arc::new(BooleanArray::from(vec![true, false, true])) as _),
            ],
        );
        let d = load(&path).unwrap();
        assert_eq!(d.table.columns(), ["price", "doors", "weight", "type", "manual"]);
        assert_eq!(d.table.len(), 3, "every row group is read");
        assert_eq!(
            d.table.row(0),
            &[Cell::Number(15.9), Cell::Number(4.0), Cell::Number(1.8), Cell::Text("Small".into()), Cell::Bool(true)]
        );
        assert_eq!(d.table.row(1)[0], Cell::Missing);
        assert_eq!(d.table.row(2)[3], Cell::Missing);
        assert_eq!(d.sha256.len(), 64);

        let empty = dir.join("empty.PQ");
        parquet(&empty, vec![("a", Arc::new(Int64Array::from(Vec::<i64>::new())) as _)]);
        assert_eq!(
            load(&empty).unwrap_err().to_string(),
            format!("`{}` has no rows of data, only a schema", empty.display())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_files_are_named_with_the_reason() {
        let dir = temp_dir("bad");
        let missing = dir.join("nowhere.csv");
        assert_eq!(
            load(&missing).unwrap_err().to_string(),
            format!("cannot read `{}`: the file does not exist", missing.display())
        );
        let f = |name: &str| dir.join(name).display().to_string();
        assert_eq!(error(&dir, "empty.csv", b""), format!("`{}` is empty", f("empty.csv")));
        assert_eq!(error(&dir, "blank.jsonl", b"\n  \n"), format!("`{}` is empty", f("blank.jsonl")));
        assert_eq!(
            error(&dir, "header.csv", b"a,b,c\n"),
            format!("`{}` has no rows of data, only a header", f("header.csv"))
        );
        assert_eq!(
            error(&dir, "none.json", b"[]"),
            format!("`{}` has no rows of data, only an empty list", f("none.json"))
        );
        assert_eq!(
            error(&dir, "latin1.csv", b"name,price\ncafe,1\ncaf\xE9,2\n"),
            format!(
                "`{}` is not UTF-8 text: line 3 has an invalid byte (0xE9); save the file as UTF-8",
                f("latin1.csv")
            )
        );
        assert_eq!(
            error(&dir, "utf16.csv", b"\xFF\xFEa\x00"),
            format!(
                "`{}` is not UTF-8 text: line 1 has an invalid byte (0xFF), it looks like UTF-16; save the file as UTF-8",
                f("utf16.csv")
            )
        );
        assert_eq!(
            error(&dir, "ragged.csv", b"a,b,c\n1,2,3\n4,5\n"),
            format!("`{}`: line 3: the row has 2 fields, but the header has 3", f("ragged.csv"))
        );
        let broken = error(&dir, "broken.jsonl", b"{\"a\": 1}\n{\"a\": \n");
        assert!(broken.starts_with(&format!("`{}`: line 2: invalid JSON", f("broken.jsonl"))), "{broken}");
        let damaged = error(&dir, "t.parquet", b"PAR1");
        assert!(damaged.starts_with(&format!("`{}`: not a readable Parquet file (", f("t.parquet"))), "{damaged}");
        assert_eq!(
            error(&dir, "t.xlsx", b"PK"),
            format!(
                "`{}`: unknown file type `.xlsx`; citizen reads .csv, .jsonl, .ndjson, .json and .parquet",
                f("t.xlsx")
            )
        );
        assert_eq!(
            error(&dir, "table", b"a\n1\n"),
            format!(
                "`{}`: unknown file type (the name has no extension); citizen reads .csv, .jsonl, .ndjson, .json and .parquet",
                f("table")
            )
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
