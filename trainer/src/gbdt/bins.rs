//! Feature binning: every column becomes at most `max_bins` value bins plus one
//! missing bin, cut at `f32` thresholds that the exported model compares with
//! `x <= threshold`, so a row's bin and the model's routing always agree.

/// At most this many rows are sorted to choose a column's cuts.
const SAMPLE_ROWS: usize = 200_000;

/// Binned training rows.
pub(crate) struct Bins {
    pub cols: usize,
    /// Row-major bin indices: 0 = missing (NaN), `1..=thresholds[f].len() + 1` = value bins.
    pub binned: Vec<u8>,
    /// Per feature, ascending: value bin `b` (1-based) holds `thresholds[b - 2] < x <= thresholds[b - 1]`.
    pub thresholds: Vec<Vec<f32>>,
    /// Per feature, where its slots (missing first, then value bins) start in a histogram.
    pub offsets: Vec<usize>,
    /// Total histogram slots.
    pub slots: usize,
    /// Per categorical feature, the code each value bin holds (value bin `b`
    /// holds `codes[f][b - 1]`); empty for numeric features.
    pub codes: Vec<Vec<f32>>,
}

impl Bins {
    /// Chooses cuts from (a strided sample of) the rows and bins every cell.
    /// `max_bins` must be in `2..=255`. A `categorical` feature with at most
    /// `max_bins` codes gets one bin per code (and its codes recorded);
    /// with more it is binned as a number.
    pub fn new(x: &[f32], rows: usize, cols: usize, max_bins: usize, categorical: &[bool]) -> Bins {
        let step = rows.div_ceil(SAMPLE_ROWS).max(1);
        let mut thresholds = Vec::with_capacity(cols);
        let mut codes = vec![Vec::new(); cols];
        let mut column = Vec::with_capacity(rows / step + 1);
        for f in 0..cols {
            column.clear();
            // Every row of a categorical feature, so that no code is missed.
            let step = if categorical.get(f).copied().unwrap_or(false) { 1 } else { step };
            column.extend((0..rows).step_by(step).map(|r| x[r * cols + f]).filter(|v| !v.is_nan()));
            column.sort_unstable_by(|a, b| a.partial_cmp(b).expect("NaN was filtered out"));
            let cut = cuts(&column, max_bins);
            if step == 1 && categorical.get(f).copied().unwrap_or(false) {
                let mut distinct = column.clone();
                distinct.dedup();
                if distinct.len() == cut.len() + 1 {
                    codes[f] = distinct;
                }
            }
            thresholds.push(cut);
        }
        let mut offsets = Vec::with_capacity(cols);
        let mut slots = 0;
        for t in &thresholds {
            offsets.push(slots);
            slots += t.len() + 2;
        }
        let mut binned = vec![0u8; rows * cols];
        for r in 0..rows {
            for f in 0..cols {
                binned[r * cols + f] = bin_of(&thresholds[f], x[r * cols + f]);
            }
        }
        Bins { cols, binned, thresholds, offsets, slots, codes }
    }

    /// Whether feature `f` is split by sets of categories.
    pub fn is_categorical(&self, f: usize) -> bool {
        !self.codes[f].is_empty()
    }

    /// Number of value bins of feature `f` (its missing bin not counted).
    pub fn value_bins(&self, f: usize) -> usize {
        self.thresholds[f].len() + 1
    }
}

/// The bin of a value: 0 for NaN, else 1 + the number of thresholds below it.
fn bin_of(thresholds: &[f32], v: f32) -> u8 {
    if v.is_nan() {
        0
    } else {
        // At most 254 thresholds, so this fits in u8.
        (1 + thresholds.partition_point(|&t| t < v)) as u8
    }
}

/// Cut points for sorted non-missing values: between every pair of distinct
/// values when there are few, else at quantiles. A cut lies halfway between
/// the two values it separates, rounded to `f32` but never reaching the upper
/// one.
fn cuts(sorted: &[f32], max_bins: usize) -> Vec<f32> {
    let mut distinct: Vec<(f32, usize)> = Vec::new();
    for &v in sorted {
        match distinct.last_mut() {
            Some((last, n)) if *last == v => *n += 1,
            _ => distinct.push((v, 1)),
        }
    }
    if distinct.len() <= 1 {
        return Vec::new();
    }
    // Indices `i` of distinct values after which to cut.
    let after: Vec<usize> = if distinct.len() <= max_bins {
        (0..distinct.len() - 1).collect()
    } else {
        // Greedy equal-count bins over the remaining values, so a heavy value
        // does not swallow the bins after it.
        let mut out = Vec::with_capacity(max_bins - 1);
        let mut left = sorted.len();
        let mut acc = 0usize;
        for (i, &(_, n)) in distinct.iter().enumerate().take(distinct.len() - 1) {
            let bins_left = max_bins - out.len();
            let target = left as f64 / bins_left as f64;
            acc += n;
            if acc as f64 >= target && bins_left > 1 {
                out.push(i);
                left -= acc;
                acc = 0;
            }
        }
        out
    };
    after
        .into_iter()
        .map(|i| {
            let (lo, hi) = (distinct[i].0, distinct[i + 1].0);
            let mid = ((f64::from(lo) + f64::from(hi)) / 2.0) as f32;
            if mid >= lo && mid < hi { mid } else { lo }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_values_cut_between_each_pair() {
        let t = cuts(&[1.0, 1.0, 2.0, 4.0], 255);
        assert_eq!(t, vec![1.5, 3.0]);
        assert_eq!(bin_of(&t, f32::NAN), 0);
        assert_eq!(bin_of(&t, 1.0), 1);
        assert_eq!(bin_of(&t, 1.5), 1);
        assert_eq!(bin_of(&t, 2.0), 2);
        assert_eq!(bin_of(&t, 9.0), 3);
    }

    #[test]
    fn many_values_are_quantile_binned() {
        let v: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let t = cuts(&v, 16);
        assert_eq!(t.len(), 15);
        let sizes: Vec<usize> =
            (0..=t.len()).map(|b| v.iter().filter(|&&x| bin_of(&t, x) as usize == b + 1).count()).collect();
        assert!(sizes.iter().all(|&n| (600..=700).contains(&n)), "{sizes:?}");
    }

    #[test]
    fn adjacent_floats_and_infinities_keep_the_cut_below_the_upper_value() {
        let a = 1.0f32;
        let b = f32::from_bits(a.to_bits() + 1);
        let t = cuts(&[f32::NEG_INFINITY, a, b, f32::INFINITY], 255);
        assert_eq!(t, vec![f32::NEG_INFINITY, a, b]);
        for (i, v) in [f32::NEG_INFINITY, a, b, f32::INFINITY].into_iter().enumerate() {
            assert_eq!(bin_of(&t, v) as usize, i + 1);
        }
    }
}
