//! Arrow record batches (as Parquet files hold them) as [`manifest::Table`]s:
//! the one place where Arrow types become cells, used by the trainer to read
//! a Parquet table and by the host's batch engine to read Parquet chunks, so
//! training and batch prediction read the same cells from the same file.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use manifest::{Cell, Table};

/// A column Arrow could not turn into cells.
#[derive(Debug, thiserror::Error)]
#[error("column `{column}`: {reason}")]
pub struct ColumnError {
    pub column: String,
    pub reason: String,
}

/// A record batch as a table with `columns` (the batch's fields, in order):
/// numbers (integers, floats, decimals) as numbers, booleans as booleans,
/// text as text, null as missing; other types (dates, times, lists, ...) as
/// the text Arrow shows for them.
pub fn table(columns: &[String], batch: &RecordBatch) -> Result<Table, ColumnError> {
    let mut table = Table::new(columns.to_vec());
    append(&mut table, batch)?;
    Ok(table)
}

/// Appends a record batch's rows to `table`, whose columns are the batch's fields.
pub fn append(table: &mut Table, batch: &RecordBatch) -> Result<(), ColumnError> {
    let n = batch.num_rows();
    let mut cells: Vec<std::vec::IntoIter<Cell>> = Vec::with_capacity(table.width());
    for (name, array) in table.columns().iter().zip(batch.columns()) {
        let column = cells_of(array).map_err(|e| ColumnError { column: name.clone(), reason: e.to_string() })?;
        cells.push(column.into_iter());
    }
    for _ in 0..n {
        let row: Vec<Cell> = cells.iter_mut().map(|c| c.next().unwrap_or(Cell::Missing)).collect();
        table.push_row(row).map_err(|e| ColumnError { column: table.columns().join(", "), reason: e.to_string() })?;
    }
    Ok(())
}

fn cells_of(array: &ArrayRef) -> Result<Vec<Cell>, arrow::error::ArrowError> {
    let valid = |i: usize| array.is_valid(i);
    let n = array.len();
    Ok(match array.data_type() {
        DataType::Boolean => {
            let a = array.as_boolean();
            (0..n).map(|i| if valid(i) { Cell::Bool(a.value(i)) } else { Cell::Missing }).collect()
        }
        // A float32 reads as the number it shows (1.8, not 1.7999999523).
        DataType::Float32 => {
            let a = array.as_primitive::<Float32Type>();
            let short = |x: f32| x.to_string().parse::<f64>().unwrap_or(x as f64);
            (0..n).map(|i| if valid(i) { Cell::Number(short(a.value(i))) } else { Cell::Missing }).collect()
        }
        t if t.is_numeric() => {
            let a = arrow::compute::cast(array, &DataType::Float64)?;
            let a = a.as_primitive::<Float64Type>();
            (0..n).map(|i| if a.is_valid(i) { Cell::Number(a.value(i)) } else { Cell::Missing }).collect()
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
            let a = arrow::compute::cast(array, &DataType::Utf8)?;
            let a = a.as_string::<i32>();
            (0..n).map(|i| if a.is_valid(i) { Cell::Text(a.value(i).to_string()) } else { Cell::Missing }).collect()
        }
        // Dates, times, binary, lists, ...: the text Arrow shows for them.
        _ => {
            let f = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
            (0..n).map(|i| if valid(i) { Cell::Text(f.value(i).to_string()) } else { Cell::Missing }).collect()
        }
    })
}
