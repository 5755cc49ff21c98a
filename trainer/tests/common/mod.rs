//! Shared helpers: the repository's datasets as numeric matrices, synthetic
//! data, and a deterministic random source.

#![allow(dead_code)]

use manifest::Table;

/// A numeric matrix (row-major, NaN = missing) with its target column.
pub struct Dataset {
    pub x: Vec<f32>,
    pub rows: usize,
    pub cols: usize,
    pub names: Vec<String>,
    /// The target cells as written.
    pub target: Vec<String>,
}

impl Dataset {
    /// Reads `data/<file>`: every column whose cells are all numbers (or
    /// missing) becomes a feature, except the unnamed index, the target and
    /// `drop`.
    pub fn load(file: &str, target: &str, drop: &[&str]) -> Dataset {
        let path = format!("{}/../data/{file}", env!("CARGO_MANIFEST_DIR"));
        let table = Table::from_csv(&std::fs::read(&path).unwrap()).unwrap();
        let t = table.column(target).unwrap();
        let numeric: Vec<usize> = (0..table.width())
            .filter(|&c| {
                let name = &table.columns()[c];
                !name.is_empty()
                    && c != t
                    && !drop.contains(&name.as_str())
                    && table.rows().all(|row| row[c].is_missing() || row[c].as_f64().is_some())
            })
            .collect();
        let x = table
            .rows()
            .flat_map(|row| numeric.iter().map(|&c| row[c].as_f64().map_or(f32::NAN, |v| v as f32)).collect::<Vec<_>>())
            .collect();
        let target = table
            .rows()
            .map(|row| match &row[t] {
                manifest::Cell::Text(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        Dataset {
            x,
            rows: table.len(),
            cols: numeric.len(),
            names: numeric.iter().map(|&c| table.columns()[c].clone()).collect(),
            target,
        }
    }

    /// Rows `r` with `keep(r)`, as (x, rows).
    pub fn rows_where(&self, keep: impl Fn(usize) -> bool) -> (Vec<f32>, usize) {
        let picked: Vec<usize> = (0..self.rows).filter(|&r| keep(r)).collect();
        let x = picked.iter().flat_map(|&r| self.x[r * self.cols..(r + 1) * self.cols].to_vec()).collect();
        (x, picked.len())
    }

    pub fn target_where(&self, keep: impl Fn(usize) -> bool) -> Vec<String> {
        (0..self.rows).filter(|&r| keep(r)).map(|r| self.target[r].clone()).collect()
    }
}

/// A small deterministic generator (PCG-style LCG with a xorshift output).
pub struct Rand(pub u64);

impl Rand {
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let z = self.0 ^ (self.0 >> 29);
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// `rows` × `cols` standard normal features with a fraction `nan` of cells missing.
pub fn features(rng: &mut Rand, rows: usize, cols: usize, nan: f64) -> Vec<f32> {
    (0..rows * cols).map(|_| if rng.uniform() < nan { f32::NAN } else { rng.normal() as f32 }).collect()
}

pub fn rmse(pred: &[f64], y: &[f64]) -> f64 {
    (pred.iter().zip(y).map(|(p, y)| (p - y) * (p - y)).sum::<f64>() / y.len() as f64).sqrt()
}

/// Mean log-loss of probabilities `[rows * classes]` for class indices `y`.
pub fn log_loss(prob: &[f64], classes: usize, y: &[f64]) -> f64 {
    prob.chunks(classes).zip(y).map(|(p, &y)| -p[y as usize].max(1e-15).ln()).sum::<f64>() / y.len() as f64
}
