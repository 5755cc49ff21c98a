//! What a maker sees of a trained model before publishing it: computed from
//! the winner's out-of-fold predictions (each row predicted by a model that
//! did not see it), so the pictures tell how the model does on new rows.

use manifest::Task;
use serde::Serialize;

/// Most points kept for a scatter plot.
pub const MAX_POINTS: usize = 1000;
/// Most points kept on a ROC curve.
const MAX_ROC_POINTS: usize = 101;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaderboardRow {
    pub family: String,
    pub params: String,
    pub score: f64,
    pub std: f64,
    pub fit_seconds: f64,
    pub winner: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Importance {
    pub field: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roc {
    pub class: String,
    pub auc: f64,
    /// (false positive rate, true positive rate), from (0, 0) to (1, 1).
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    #[serde(serialize_with = "task_name")]
    pub task: Task,
    pub target: String,
    pub metric: String,
    pub higher_is_better: bool,
    /// Held-out rows behind the numbers.
    pub rows: usize,
    /// One or two sentences in plain words.
    pub summary: String,
    pub leaderboard: Vec<LeaderboardRow>,
    /// Largest first.
    pub importance: Vec<Importance>,
    /// Regression: (actual, predicted), at most [`MAX_POINTS`], evenly sampled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<(f64, f64)>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    /// Classification: labels, confusion (rows actual, columns predicted),
    /// accuracy and one-vs-rest ROC curves (binary: the positive class).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Vec<Vec<u64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc: Option<Vec<Roc>>,
}

fn task_name<S: serde::Serializer>(t: &Task, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *t == Task::Regression { "regression" } else { "classification" })
}

/// Out-of-fold predictions of the winner: per validation split, the
/// predictions (regression: one per row; classification: `classes.len()`
/// probabilities per row) and the targets (class indices).
pub struct HeldOut<'a> {
    pub task: Task,
    pub target: &'a str,
    pub classes: &'a [String],
    pub splits: &'a [(Vec<f64>, Vec<f64>)],
}

impl Evaluation {
    pub fn new(
        held: &HeldOut,
        metric: &str,
        higher_is_better: bool,
        leaderboard: Vec<LeaderboardRow>,
        importance: Vec<Importance>,
    ) -> Evaluation {
        let mut e = Evaluation {
            task: held.task,
            target: held.target.to_string(),
            metric: metric.to_string(),
            higher_is_better,
            rows: held.splits.iter().map(|(_, y)| y.len()).sum(),
            summary: String::new(),
            leaderboard,
            importance,
            points: None,
            mae: None,
            rmse: None,
            r2: None,
            classes: None,
            confusion: None,
            accuracy: None,
            roc: None,
        };
        match held.task {
            Task::Regression => e.regression(held),
            Task::Classification => e.classification(held),
        }
        e
    }

    fn regression(&mut self, held: &HeldOut) {
        let pairs: Vec<(f64, f64)> = held
            .splits
            .iter()
            .flat_map(|(p, y)| y.iter().copied().zip(p.iter().copied()))
            .filter(|(a, p)| a.is_finite() && p.is_finite())
            .collect();
        let n = pairs.len().max(1) as f64;
        let mut abs: Vec<f64> = pairs.iter().map(|(a, p)| (a - p).abs()).collect();
        abs.sort_by(f64::total_cmp);
        let mae = abs.iter().sum::<f64>() / n;
        let rmse = (pairs.iter().map(|(a, p)| (a - p).powi(2)).sum::<f64>() / n).sqrt();
        let mean = pairs.iter().map(|(a, _)| a).sum::<f64>() / n;
        let ss_tot: f64 = pairs.iter().map(|(a, _)| (a - mean).powi(2)).sum();
        let r2 = 1.0 - rmse * rmse * n / ss_tot.max(1e-300);
        let median = abs.get(abs.len() / 2).copied().unwrap_or(0.0);
        self.summary = format!(
            "Typical error: ±{} {} (mean absolute error on {} held-out rows); half of the predictions are within ±{}.",
            sig3(mae),
            self.target,
            pairs.len(),
            sig3(median)
        );
        let step = pairs.len().div_ceil(MAX_POINTS).max(1);
        self.points = Some(pairs.iter().step_by(step).copied().collect());
        self.mae = Some(mae);
        self.rmse = Some(rmse);
        self.r2 = Some(r2);
    }

    fn classification(&mut self, held: &HeldOut) {
        let k = held.classes.len().max(1);
        let mut confusion = vec![vec![0u64; k]; k];
        // Per class: (probability of the class, whether it is the class).
        let mut scored: Vec<Vec<(f64, bool)>> = vec![Vec::new(); k];
        for (p, y) in held.splits {
            for (row, &actual) in p.chunks(k).zip(y) {
                if !actual.is_finite() {
                    continue;
                }
                let actual = actual as usize;
                let predicted = argmax(row);
                if actual < k {
                    confusion[actual][predicted] += 1;
                }
                for (c, s) in scored.iter_mut().enumerate() {
                    s.push((row[c], c == actual));
                }
            }
        }
        let total: u64 = confusion.iter().flatten().sum();
        let right: u64 = (0..k).map(|i| confusion[i][i]).sum();
        let accuracy = right as f64 / total.max(1) as f64;
        let shown: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
        let roc = shown.iter().map(|&c| roc(&held.classes[c], &mut scored[c])).collect();
        let mut summary =
            format!("Right {} times in 100 on {total} held-out rows ({k} classes).", (accuracy * 100.0).round() as u64);
        let worst = (0..k)
            .flat_map(|a| (0..k).filter(move |&p| p != a).map(move |p| (a, p)))
            .max_by_key(|&(a, p)| (confusion[a][p], std::cmp::Reverse((a, p))));
        if let Some((a, p)) = worst.filter(|&(a, p)| confusion[a][p] > 0) {
            summary.push_str(&format!(
                " The most frequent mistake: {:?} taken for {:?} ({} times).",
                held.classes[a], held.classes[p], confusion[a][p]
            ));
        }
        self.summary = summary;
        self.classes = Some(held.classes.to_vec());
        self.confusion = Some(confusion);
        self.accuracy = Some(accuracy);
        self.roc = Some(roc);
    }
}

/// The ROC curve of `scored` (score, is the class), with its area.
fn roc(class: &str, scored: &mut [(f64, bool)]) -> Roc {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let pos = scored.iter().filter(|s| s.1).count() as f64;
    let neg = scored.len() as f64 - pos;
    let mut curve = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < scored.len() {
        // All rows with the same score move the curve together.
        let mut j = i;
        while j < scored.len() && scored[j].0 == scored[i].0 {
            if scored[j].1 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            j += 1;
        }
        curve.push((fp / neg.max(1.0), tp / pos.max(1.0)));
        i = j;
    }
    let auc = if pos == 0.0 || neg == 0.0 {
        0.5
    } else {
        curve.windows(2).map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0).sum()
    };
    let step = curve.len().div_ceil(MAX_ROC_POINTS).max(1);
    let mut points: Vec<(f64, f64)> = curve.iter().step_by(step).copied().collect();
    if points.last() != curve.last() {
        points.push(*curve.last().expect("starts with (0, 0)"));
    }
    Roc { class: class.to_string(), auc, points }
}

/// The index of the largest value (the first of equals).
pub(crate) fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

/// Three significant digits, as people write them: 2.13, 21.3, 2130.
pub fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    format!("{:.*}", digits, (x * scale).round() / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_numbers_and_points_come_from_the_held_out_rows() {
        let splits = vec![(vec![1.0, 2.0, 4.0], vec![1.0, 3.0, 4.0]), (vec![10.0], vec![8.0])];
        let held = HeldOut { task: Task::Regression, target: "Price", classes: &[], splits: &splits };
        let e = Evaluation::new(&held, "rmse", false, vec![], vec![]);
        assert_eq!(e.rows, 4);
        assert_eq!(e.mae, Some(0.75));
        assert!((e.rmse.unwrap() - (5.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(e.points.as_ref().unwrap(), &vec![(1.0, 1.0), (3.0, 2.0), (4.0, 4.0), (8.0, 10.0)]);
        assert!(e.summary.starts_with("Typical error: ±0.750 Price"), "{}", e.summary);
        assert!(e.summary.contains("within ±1.00"), "{}", e.summary);
    }

    #[test]
    fn many_points_are_sampled_down() {
        let p: Vec<f64> = (0..5000).map(|i| i as f64).collect();
        let splits = vec![(p.clone(), p)];
        let held = HeldOut { task: Task::Regression, target: "y", classes: &[], splits: &splits };
        let e = Evaluation::new(&held, "rmse", false, vec![], vec![]);
        let pts = e.points.unwrap();
        assert!(pts.len() <= MAX_POINTS && pts.len() >= MAX_POINTS / 2, "{}", pts.len());
        assert_eq!(e.r2, Some(1.0));
    }

    #[test]
    fn classification_confusion_accuracy_and_roc() {
        let classes = vec!["no".to_string(), "yes".to_string()];
        // Four rows: two right, one "yes" taken for "no", one "no" taken for "yes".
        let p = vec![0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7];
        let y = vec![0.0, 1.0, 1.0, 0.0];
        let splits = vec![(p, y)];
        let held = HeldOut { task: Task::Classification, target: "y", classes: &classes, splits: &splits };
        let e = Evaluation::new(&held, "log_loss", false, vec![], vec![]);
        assert_eq!(e.confusion.as_ref().unwrap(), &vec![vec![1, 1], vec![1, 1]]);
        assert_eq!(e.accuracy, Some(0.5));
        let roc = e.roc.as_ref().unwrap();
        assert_eq!(roc.len(), 1, "binary: the positive class only");
        assert_eq!(roc[0].class, "yes");
        // Scores of "yes": 0.1 (no), 0.8 (yes), 0.4 (yes), 0.7 (no): of the four
        // (yes, no) pairs, only (0.4, 0.7) is ranked wrong.
        assert!((roc[0].auc - 0.75).abs() < 1e-12, "{}", roc[0].auc);
        assert_eq!(roc[0].points.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc[0].points.last(), Some(&(1.0, 1.0)));
        assert!(e.summary.starts_with("Right 50 times in 100 on 4 held-out rows"), "{}", e.summary);
    }

    #[test]
    fn a_perfect_classifier_has_an_area_of_one() {
        let classes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let p = vec![0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8];
        let splits = vec![(p, vec![0.0, 1.0, 2.0])];
        let held = HeldOut { task: Task::Classification, target: "y", classes: &classes, splits: &splits };
        let e = Evaluation::new(&held, "log_loss", false, vec![], vec![]);
        assert_eq!(e.roc.as_ref().unwrap().len(), 3);
        assert!(e.roc.unwrap().iter().all(|r| r.auc == 1.0));
        assert_eq!(e.accuracy, Some(1.0));
        assert!(!e.summary.contains("mistake"), "{}", e.summary);
    }

    #[test]
    fn three_significant_digits() {
        assert_eq!(sig3(2.1345), "2.13");
        assert_eq!(sig3(21.345), "21.3");
        assert_eq!(sig3(2134.5), "2130");
        assert_eq!(sig3(0.012345), "0.0123");
    }
}
