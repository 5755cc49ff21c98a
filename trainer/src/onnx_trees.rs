//! Export of a [`Gbdt`] as standard `ai.onnx.ml` (opset 3) tree operators,
//! and a helper that wraps nodes into a complete model.
//!
//! * Every split is `BRANCH_LEQ` on the trainer's `f32` threshold, the true
//!   branch is the trainer's left child and `nodes_missing_value_tracks_true`
//!   is the learned missing direction, so ONNX Runtime routes every row
//!   (NaN included) as [`Gbdt::predict_raw`] does. Node ids are the trainer's
//!   node indices; tree ids follow the trainer's order (round by round, class
//!   by class), which is also the order the sums are accumulated in.
//! * A split on a set of categories is a chain of `BRANCH_EQ` nodes, one per
//!   category of the set, whose true branches all lead to the left child
//!   and whose last false branch leads to the right one (as converters
//!   write LightGBM's categorical splits); its extra nodes take ids after
//!   the tree's own.
//! * Regression: `TreeEnsembleRegressor`, one target, `SUM`, the base score
//!   as `base_values[0]`, no post-transform. Output `[N, 1]` float.
//! * Binary: `TreeEnsembleClassifier` with two labels, every leaf weight on
//!   class id 0, one base value and `LOGISTIC`: ONNX Runtime's "binary case"
//!   adds the base value, and writes `[1 - p, p]` with label `labels[1]`
//!   when the margin is `> 0`. That label rule needs a negative leaf weight
//!   somewhere (with none, ONNX Runtime compares the margin with 0.5); when
//!   no leaf is negative a one-leaf tree of weight `-f32::MIN_POSITIVE` is
//!   appended, which changes no sum representable next to a non-zero score.
//! * Multiclass: one class id per tree (its output), one base value per
//!   class, `SOFTMAX`; the label is the first largest margin.
//! * Classifier outputs: the label (string `[N]`) then the probabilities
//!   (float `[N, classes]`).

use runtime_wasm::pb;

use crate::gbdt::{Gbdt, Node, Objective, Rule};
use crate::onnx;

/// The `ai.onnx.ml` domain.
pub const ML_DOMAIN: &str = "ai.onnx.ml";

/// The node and leaf attributes of a tree ensemble (opset 1–3 layout).
#[derive(Default)]
struct Flat {
    treeids: Vec<i64>,
    nodeids: Vec<i64>,
    featureids: Vec<i64>,
    values: Vec<f32>,
    modes: Vec<&'static str>,
    true_ids: Vec<i64>,
    false_ids: Vec<i64>,
    missing_true: Vec<i64>,
    leaf_treeids: Vec<i64>,
    leaf_nodeids: Vec<i64>,
    leaf_targets: Vec<i64>,
    leaf_weights: Vec<f32>,
}

impl Flat {
    fn of(gbdt: &Gbdt) -> Flat {
        let mut f = Flat::default();
        for (t, tree) in gbdt.trees().iter().enumerate() {
            // Ids for the extra nodes of category chains, after the tree's own.
            let mut next_id = tree.nodes.len();
            for (i, node) in tree.nodes.iter().enumerate() {
                match node {
                    Node::Split { feature, rule: Rule::AtMost(threshold), missing_left, left, right, .. } => {
                        f.push_node(t, i, *feature, *threshold, "BRANCH_LEQ", (*left, *right), *missing_left);
                    }
                    // `x == c1 ? left : (x == c2 ? left : ... : right)`; NaN
                    // equals nothing, so it reaches `right` unless the first
                    // node sends it left.
                    Node::Split { feature, rule: Rule::OneOf(categories), missing_left, left, right, .. } => {
                        let mut id = i;
                        for (k, &c) in categories.iter().enumerate() {
                            let last = k + 1 == categories.len();
                            let next = if last { *right } else { next_id };
                            f.push_node(t, id, *feature, c, "BRANCH_EQ", (*left, next), k == 0 && *missing_left);
                            if !last {
                                id = next_id;
                                next_id += 1;
                            }
                        }
                    }
                    Node::Leaf { value, .. } => {
                        f.push_node(t, i, 0, 0.0, "LEAF", (0, 0), false);
                        f.push_weight(t, i, tree.output, *value);
                    }
                }
            }
        }
        f
    }

    #[allow(clippy::too_many_arguments)]
    fn push_node(
        &mut self,
        tree: usize,
        node: usize,
        feature: usize,
        value: f32,
        mode: &'static str,
        (true_id, false_id): (usize, usize),
        missing_true: bool,
    ) {
        self.treeids.push(tree as i64);
        self.nodeids.push(node as i64);
        self.featureids.push(feature as i64);
        self.values.push(value);
        self.modes.push(mode);
        self.true_ids.push(true_id as i64);
        self.false_ids.push(false_id as i64);
        self.missing_true.push(i64::from(missing_true));
    }

    fn push_weight(&mut self, tree: usize, node: usize, target: usize, weight: f32) {
        self.leaf_treeids.push(tree as i64);
        self.leaf_nodeids.push(node as i64);
        self.leaf_targets.push(target as i64);
        self.leaf_weights.push(weight);
    }

    /// Appends a tree of one leaf.
    fn push_constant_tree(&mut self, tree: usize, target: usize, weight: f32) {
        self.push_node(tree, 0, 0, 0.0, "LEAF", (0, 0), false);
        self.push_weight(tree, 0, target, weight);
    }

    fn node_attrs(self, leaf_prefix: &str, leaf_ids: &str) -> Vec<pb::AttributeProto> {
        vec![
            onnx::ints("nodes_treeids", self.treeids),
            onnx::ints("nodes_nodeids", self.nodeids),
            onnx::ints("nodes_featureids", self.featureids),
            onnx::floats("nodes_values", self.values),
            onnx::strings("nodes_modes", self.modes.iter().copied()),
            onnx::ints("nodes_truenodeids", self.true_ids),
            onnx::ints("nodes_falsenodeids", self.false_ids),
            onnx::ints("nodes_missing_value_tracks_true", self.missing_true),
            onnx::ints(&format!("{leaf_prefix}_treeids"), self.leaf_treeids),
            onnx::ints(&format!("{leaf_prefix}_nodeids"), self.leaf_nodeids),
            onnx::ints(leaf_ids, self.leaf_targets),
            onnx::floats(&format!("{leaf_prefix}_weights"), self.leaf_weights),
        ]
    }
}

/// A `TreeEnsembleRegressor` node computing a regression model's value
/// (`[N, 1]`) from `input` (`[N, features]` float).
///
/// # Panics
/// If the model is not a regression model.
pub fn regressor_node(gbdt: &Gbdt, input: &str, output: &str) -> pb::NodeProto {
    assert_eq!(gbdt.objective(), Objective::SquaredError, "regressor_node exports regression models");
    let mut attribute = Flat::of(gbdt).node_attrs("target", "target_ids");
    attribute.extend([
        onnx::int("n_targets", 1),
        onnx::floats("base_values", gbdt.base_scores().to_vec()),
        onnx::string("aggregate_function", "SUM"),
        onnx::string("post_transform", "NONE"),
    ]);
    onnx::ml_node("TreeEnsembleRegressor", &[input], &[output], attribute)
}

/// A `TreeEnsembleClassifier` node giving the label (`labels[class]`,
/// string `[N]`) and class probabilities (`[N, classes]`).
///
/// # Panics
/// If the model is a regression model or `labels` does not hold one label
/// per class.
pub fn classifier_node(
    gbdt: &Gbdt,
    labels: &[String],
    input: &str,
    label_output: &str,
    prob_output: &str,
) -> pb::NodeProto {
    let (classes, post) = match gbdt.objective() {
        Objective::Binary => (2, "LOGISTIC"),
        Objective::Multiclass { classes } => (classes, "SOFTMAX"),
        Objective::SquaredError => panic!("classifier_node exports classification models"),
    };
    assert_eq!(labels.len(), classes, "one label per class");
    let mut flat = Flat::of(gbdt);
    if classes == 2 && !flat.leaf_weights.iter().any(|&w| w < 0.0) {
        flat.push_constant_tree(gbdt.n_trees(), 0, -f32::MIN_POSITIVE);
    }
    let mut attribute = flat.node_attrs("class", "class_ids");
    attribute.extend([
        onnx::strings("classlabels_strings", labels.iter().map(|s| s.as_str())),
        onnx::floats("base_values", gbdt.base_scores().to_vec()),
        onnx::string("post_transform", post),
    ]);
    onnx::ml_node("TreeEnsembleClassifier", &[input], &[label_output, prob_output], attribute)
}

/// The whole model of a [`Gbdt`] with input `input` `[N, features]`:
/// regression → output `variable` `[N, 1]`; classification (`labels` one
/// per class) → `label` `[N]` and `probabilities` `[N, classes]`.
///
/// # Panics
/// As [`regressor_node`] and [`classifier_node`].
pub fn gbdt_model(gbdt: &Gbdt, labels: &[String]) -> pb::ModelProto {
    let f = gbdt.n_features();
    match gbdt.objective() {
        Objective::SquaredError => onnx::model(
            "citizen",
            vec![regressor_node(gbdt, "input", "variable")],
            vec![],
            "input",
            f,
            &[("variable", onnx::Elem::Float, Some(1))],
        ),
        _ => onnx::model(
            "citizen",
            vec![classifier_node(gbdt, labels, "input", "label", "probabilities")],
            vec![],
            "input",
            f,
            &[("label", onnx::Elem::String, None), ("probabilities", onnx::Elem::Float, Some(labels.len()))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gbdt::Tree;
    use prost::Message;
    use runtime_wasm::interface::{Data, NamedTensor};

    /// A binary model whose leaves are all positive, with margins between 0
    /// and 0.5: without the guard tree ONNX Runtime would label them by
    /// `margin > 0.5` and say "no".
    #[test]
    fn binary_labels_hold_when_no_leaf_is_negative() {
        let leaf = |value| Node::Leaf { value, cover: 1.0, count: 1 };
        let split = Node::Split {
            feature: 0,
            rule: Rule::AtMost(0.0),
            missing_left: true,
            left: 1,
            right: 2,
            gain: 1.0,
            cover: 2.0,
            count: 2,
        };
        let mut m = Gbdt {
            objective: Objective::Binary,
            n_features: 1,
            base: vec![0.2],
            trees: vec![Tree { output: 0, nodes: vec![split, leaf(0.1), leaf(0.0)] }],
            gains: vec![1.0],
            valid_losses: vec![],
        };
        let labels = ["no".to_string(), "yes".to_string()];
        let x = [-1.0f32, 1.0, f32::NAN];
        let run = |m: &Gbdt| {
            let bytes = gbdt_model(m, &labels).encode_to_vec();
            let model = runtime_wasm::Model::load(&bytes).unwrap();
            let input = NamedTensor { name: "input".into(), shape: vec![3, 1], data: Data::F32(x.to_vec()) };
            let out = model.run(vec![input]).unwrap();
            let (Data::Str(l), Data::F32(p)) = (&out[0].data, &out[1].data) else { panic!("{out:?}") };
            (l.clone(), p.clone())
        };
        let (l, p) = run(&m);
        assert_eq!(l, vec!["yes"; 3]);
        let want = m.predict(&x, 3);
        assert!(p.iter().zip(&want).all(|(p, w)| (f64::from(*p) - w).abs() < 1e-6), "{p:?} vs {want:?}");
        assert_eq!(m.predict_class(&x, 3), vec![1, 1, 1]);
        let trees = |m: &Gbdt| {
            let node = classifier_node(m, &labels, "x", "l", "p");
            let ids = &node.attribute.iter().find(|a| a.name == "nodes_treeids").unwrap().ints;
            ids.iter().collect::<std::collections::BTreeSet<_>>().len()
        };
        assert_eq!(trees(&m), 2, "the guard tree is added");

        // With a negative leaf there is no guard, and margins below 0 say "no".
        m.trees[0].nodes[2] = leaf(-0.5);
        assert_eq!(trees(&m), 1);
        let (l, _) = run(&m);
        assert_eq!(l, vec!["yes", "no", "yes"]);
    }
}
