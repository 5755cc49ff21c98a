//! Growing one regression tree on gradients and hessians: histograms per
//! leaf (the larger child's by subtraction), best-first growth, and for every
//! split the side where missing values go chosen by gain.

use super::bins::Bins;
use super::{Node, Rule, Tree};

/// Rows per part of a histogram summed on its own (and possibly in parallel).
const PART_ROWS: usize = 16_384;
/// At most this many parts per histogram.
const MAX_PARTS: usize = 8;

/// Gradient statistics of a set of rows.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Stat {
    pub g: f64,
    pub h: f64,
    pub n: u32,
}

impl Stat {
    fn add(&mut self, o: &Stat) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }

    fn sub(&self, o: &Stat) -> Stat {
        Stat { g: self.g - o.g, h: self.h - o.h, n: self.n - o.n }
    }
}

/// Limits of one tree.
pub(crate) struct Limits {
    pub max_depth: usize,
    pub max_leaves: usize,
    pub l2: f64,
    pub min_child_weight: f64,
    pub min_data_in_leaf: usize,
    pub min_split_gain: f64,
    pub learning_rate: f64,
}

/// A candidate split of a leaf.
#[derive(Clone, Debug)]
struct Split {
    gain: f64,
    feature: usize,
    /// Value bins `1..=bin` go left (numeric features).
    bin: usize,
    /// Categorical features: `set[b]` says whether value bin `b` goes left.
    set: Option<Vec<bool>>,
    missing_left: bool,
    left: Stat,
    right: Stat,
}

/// Categories are ordered by `g / (h + CAT_SMOOTH)` before their split is
/// searched (LightGBM's `cat_smooth`), so rare ones do not swing the order.
const CAT_SMOOTH: f64 = 10.0;
/// At most this many categories on the side a split lists (LightGBM's
/// `max_cat_threshold`): the exported chain of `BRANCH_EQ` stays short.
const MAX_CAT_SET: usize = 32;

/// A leaf that may still be split.
struct Open {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    stat: Stat,
    hist: Vec<Stat>,
    split: Option<Split>,
}

/// What growing a tree returns besides the tree: the row range of every leaf
/// in the index array, for updating the training scores.
pub(crate) struct Grown {
    pub tree: Tree,
    pub leaves: Vec<(usize, usize, f64)>,
    /// Total gain per feature.
    pub gains: Vec<(usize, f64)>,
}

pub(crate) struct Grower<'a> {
    pub bins: &'a Bins,
    pub limits: &'a Limits,
    /// Features this tree may split on.
    pub features: &'a [usize],
    pub threads: usize,
}

fn score(s: &Stat, l2: f64) -> f64 {
    s.g * s.g / (s.h + l2)
}

impl Grower<'_> {
    /// Grows a tree over the rows `idx` (reordered in place so that every
    /// leaf's rows are contiguous).
    pub fn grow(&self, idx: &mut [u32], grad: &[f64], hess: &[f64], output: usize) -> Grown {
        let lim = self.limits;
        let mut scratch = vec![0u32; idx.len()];
        let mut root_hist = vec![Stat::default(); self.bins.slots];
        self.histogram(idx, grad, hess, &mut root_hist);
        let mut stat = Stat::default();
        for &r in idx.iter() {
            stat.g += grad[r as usize];
            stat.h += hess[r as usize];
        }
        stat.n = idx.len() as u32;
        let mut nodes = vec![Node::Leaf { value: 0.0, cover: stat.h, count: idx.len() }];
        let mut open = vec![Open { node: 0, start: 0, end: idx.len(), depth: 0, stat, hist: root_hist, split: None }];
        open[0].split = self.best_split(&open[0]);
        let mut done: Vec<Open> = Vec::new();
        let mut gains = Vec::new();
        let mut n_leaves = 1;
        while n_leaves < lim.max_leaves {
            // The open leaf with the largest gain (the first one on ties).
            let mut best: Option<usize> = None;
            for (i, o) in open.iter().enumerate() {
                if let Some(s) = &o.split
                    && best.is_none_or(|b| s.gain > open[b].split.as_ref().map_or(f64::NEG_INFINITY, |t| t.gain))
                {
                    best = Some(i);
                }
            }
            let Some(b) = best else { break };
            let leaf = open.swap_remove(b);
            let split = leaf.split.clone().expect("chosen for its split");
            let mid = self.partition(&mut idx[leaf.start..leaf.end], &mut scratch, &split) + leaf.start;
            let (l, r) = (nodes.len(), nodes.len() + 1);
            let f = split.feature;
            let rule = match &split.set {
                Some(set) => {
                    Rule::OneOf((1..set.len()).filter(|&b| set[b]).map(|b| self.bins.codes[f][b - 1]).collect())
                }
                None => Rule::AtMost(self.bins.thresholds[f].get(split.bin - 1).copied().unwrap_or(f32::INFINITY)),
            };
            nodes[leaf.node] = Node::Split {
                feature: f,
                rule,
                missing_left: split.missing_left,
                left: l,
                right: r,
                gain: split.gain,
                cover: leaf.stat.h,
                count: leaf.end - leaf.start,
            };
            gains.push((split.feature, split.gain));
            nodes.push(Node::Leaf { value: 0.0, cover: split.left.h, count: mid - leaf.start });
            nodes.push(Node::Leaf { value: 0.0, cover: split.right.h, count: leaf.end - mid });
            n_leaves += 1;

            let depth = leaf.depth + 1;
            let mut left =
                Open { node: l, start: leaf.start, end: mid, depth, stat: split.left, hist: Vec::new(), split: None };
            let mut right =
                Open { node: r, start: mid, end: leaf.end, depth, stat: split.right, hist: Vec::new(), split: None };
            let can = |o: &Open| self.may_split(o);
            if can(&left) || can(&right) {
                // Build the smaller child's histogram, derive the larger one's.
                let mut parent = leaf.hist;
                let mut small_hist = vec![Stat::default(); self.bins.slots];
                let (small, large) = if left.end - left.start <= right.end - right.start {
                    (&mut left, &mut right)
                } else {
                    (&mut right, &mut left)
                };
                self.histogram(&idx[small.start..small.end], grad, hess, &mut small_hist);
                for (p, s) in parent.iter_mut().zip(&small_hist) {
                    *p = p.sub(s);
                }
                small.hist = small_hist;
                large.hist = parent;
                for child in [left, right] {
                    if can(&child) {
                        let split = self.best_split(&child);
                        let child = Open { split, ..child };
                        if child.split.is_some() {
                            open.push(child);
                            continue;
                        }
                        done.push(Open { hist: Vec::new(), ..child });
                    } else {
                        done.push(Open { hist: Vec::new(), ..child });
                    }
                }
            } else {
                done.push(left);
                done.push(right);
            }
        }
        let mut leaves = Vec::with_capacity(open.len() + done.len());
        for o in open.into_iter().chain(done) {
            let value = (-o.stat.g / (o.stat.h + lim.l2) * lim.learning_rate) as f32;
            let value = if value.is_finite() { value } else { 0.0 };
            if let Node::Leaf { value: v, .. } = &mut nodes[o.node] {
                *v = value;
            }
            leaves.push((o.start, o.end, f64::from(value)));
        }
        Grown { tree: Tree { output, nodes }, leaves, gains }
    }

    fn may_split(&self, o: &Open) -> bool {
        let lim = self.limits;
        o.depth < lim.max_depth
            && (o.end - o.start) >= 2 * lim.min_data_in_leaf.max(1)
            && o.stat.h >= 2.0 * lim.min_child_weight
    }

    /// Sums gradients and hessians per bin over `rows`. Large leaves are cut
    /// into parts that depend only on the number of rows, each summed from
    /// zero and then added in order, so the result does not depend on how
    /// many threads ran them.
    fn histogram(&self, rows: &[u32], grad: &[f64], hess: &[f64], hist: &mut [Stat]) {
        hist.fill(Stat::default());
        let parts = (rows.len() / PART_ROWS).clamp(1, MAX_PARTS);
        if parts == 1 {
            self.histogram_into(rows, grad, hess, hist);
            return;
        }
        let chunk = rows.len().div_ceil(parts);
        let chunks: Vec<&[u32]> = rows.chunks(chunk).collect();
        let len = hist.len();
        let threads = self.threads.clamp(1, chunks.len());
        let mut partials: Vec<Option<Vec<Stat>>> = vec![None; chunks.len()];
        let work = |t: usize| -> Vec<(usize, Vec<Stat>)> {
            (t..chunks.len())
                .step_by(threads)
                .filter(|&i| i > 0)
                .map(|i| {
                    let mut h = vec![Stat::default(); len];
                    self.histogram_into(chunks[i], grad, hess, &mut h);
                    (i, h)
                })
                .collect()
        };
        std::thread::scope(|s| {
            let handles: Vec<_> = (1..threads).map(|t| s.spawn(move || work(t))).collect();
            self.histogram_into(chunks[0], grad, hess, hist);
            for (i, h) in
                work(0).into_iter().chain(handles.into_iter().flat_map(|h| h.join().expect("histogram thread")))
            {
                partials[i] = Some(h);
            }
        });
        for part in partials.into_iter().flatten() {
            for (a, b) in hist.iter_mut().zip(&part) {
                a.add(b);
            }
        }
    }

    fn histogram_into(&self, rows: &[u32], grad: &[f64], hess: &[f64], hist: &mut [Stat]) {
        let cols = self.bins.cols;
        let offsets = &self.bins.offsets[..cols];
        for &r in rows {
            let r = r as usize;
            let (g, h) = (grad[r], hess[r]);
            let row = &self.bins.binned[r * cols..r * cols + cols];
            for (&b, &off) in row.iter().zip(offsets) {
                let s = &mut hist[off + b as usize];
                s.g += g;
                s.h += h;
                s.n += 1;
            }
        }
    }

    /// The best split of a leaf over the allowed features, if any gains.
    fn best_split(&self, o: &Open) -> Option<Split> {
        let lim = self.limits;
        let total = o.stat;
        let parent = score(&total, lim.l2);
        let min_n = lim.min_data_in_leaf.max(1) as u32;
        let ok = |s: &Stat| s.n >= min_n && s.h >= lim.min_child_weight;
        let mut best: Option<Split> = None;
        // `set` gives a categorical split's set when it is the best so far.
        let mut consider = |feature: usize, bin: usize, missing_left: bool, left: Stat, set: &dyn Fn() -> Vec<bool>| {
            let right = total.sub(&left);
            if !ok(&left) || !ok(&right) {
                return;
            }
            let gain = score(&left, lim.l2) + score(&right, lim.l2) - parent;
            if gain > lim.min_split_gain && gain.is_finite() && best.as_ref().is_none_or(|b| gain > b.gain) {
                let set = self.bins.is_categorical(feature).then(set);
                best = Some(Split { gain, feature, bin, set, missing_left, left, right });
            }
        };
        let no_set = || Vec::new();
        for &f in self.features {
            let off = self.bins.offsets[f];
            let nb = self.bins.value_bins(f);
            let h = &o.hist[off..off + nb + 1];
            let miss = h[0];
            if self.bins.is_categorical(f) {
                // The categories present, ordered by their mean gradient; a
                // split sends a prefix (from either end) of that order left.
                let mut order: Vec<usize> = (1..=nb).filter(|&b| h[b].n > 0).collect();
                order.sort_by(|&a, &b| {
                    let key = |s: &Stat| s.g / (s.h + CAT_SMOOTH);
                    key(&h[a]).total_cmp(&key(&h[b])).then(a.cmp(&b))
                });
                let most = MAX_CAT_SET.min(order.len().saturating_sub(1));
                for reversed in [false, true] {
                    if reversed {
                        order.reverse();
                    }
                    let mut left = Stat::default();
                    for taken in 1..=most {
                        left.add(&h[order[taken - 1]]);
                        let set = || {
                            let mut set = vec![false; nb + 1];
                            order[..taken].iter().for_each(|&b| set[b] = true);
                            set
                        };
                        consider(f, 0, false, left, &set);
                        if miss.n > 0 {
                            let mut with_missing = left;
                            with_missing.add(&miss);
                            consider(f, 0, true, with_missing, &set);
                        }
                    }
                }
                continue;
            }
            let mut left = Stat::default();
            for (bin, stat) in h.iter().enumerate().take(nb).skip(1) {
                left.add(stat);
                if left.n == 0 {
                    continue;
                }
                consider(f, bin, false, left, &no_set);
                if miss.n > 0 {
                    let mut with_missing = left;
                    with_missing.add(&miss);
                    consider(f, bin, true, with_missing, &no_set);
                }
            }
            // Missing against present: every value bin left, missing right.
            if miss.n > 0 {
                left.add(&h[nb]);
                consider(f, nb, false, left, &no_set);
            }
        }
        // With no missing values seen, missing values follow the larger side.
        best.map(|mut s| {
            let miss = o.hist[self.bins.offsets[s.feature]];
            if miss.n == 0 {
                s.missing_left = s.left.h >= s.right.h;
            }
            s
        })
    }

    /// Stable partition of `rows` by a split; returns the number going left.
    fn partition(&self, rows: &mut [u32], scratch: &mut [u32], s: &Split) -> usize {
        let cols = self.bins.cols;
        let mut nl = 0;
        let mut nr = 0;
        for i in 0..rows.len() {
            let r = rows[i];
            let b = self.bins.binned[r as usize * cols + s.feature] as usize;
            let goes_left = match &s.set {
                _ if b == 0 => s.missing_left,
                Some(set) => set[b],
                None => b <= s.bin,
            };
            if goes_left {
                rows[nl] = r;
                nl += 1;
            } else {
                scratch[nr] = r;
                nr += 1;
            }
        }
        rows[nl..].copy_from_slice(&scratch[..nr]);
        nl
    }
}
