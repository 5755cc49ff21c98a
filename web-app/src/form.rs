//! The prediction form, generated from a model's signature: what each input
//! looks like, what it starts with, and how the entered values become the
//! row the runtime validates.

use manifest::{FieldKind, Manifest, RowError};
use serde_json::{Map, Value};

use crate::text;

/// How one field is entered.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// A number input, with the range seen in training as a hint.
    Number { min: Option<f64>, max: Option<f64> },
    /// A dropdown of the categories.
    Select { options: Vec<String> },
    /// A yes/no switch.
    Toggle,
}

/// One input of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub name: String,
    pub label: String,
    pub control: Control,
    /// What the input starts with (the model's typical value).
    pub initial: Value,
    /// A line under the label: the range seen, the description.
    pub hint: String,
    /// Whether leaving it empty is allowed (the model has a default).
    pub optional: bool,
}

/// The form for a model: one field per signature input, in order.
pub fn fields(manifest: &Manifest) -> Vec<FormField> {
    let typical = runtime_wasm::explain::baseline(manifest);
    manifest
        .signature
        .inputs
        .iter()
        .map(|f| {
            let (control, range) = match &f.kind {
                FieldKind::Numeric { min, max } => {
                    let range = match (min, max) {
                        (Some(a), Some(b)) => format!("seen {} to {}", text::number(*a, 4), text::number(*b, 4)),
                        (Some(a), None) => format!("seen from {}", text::number(*a, 4)),
                        (None, Some(b)) => format!("seen up to {}", text::number(*b, 4)),
                        (None, None) => String::new(),
                    };
                    (Control::Number { min: *min, max: *max }, range)
                }
                FieldKind::Categorical { categories } => {
                    (Control::Select { options: categories.clone() }, format!("{} choices", categories.len()))
                }
                FieldKind::Boolean => (Control::Toggle, String::new()),
            };
            let hint = [range, f.description.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
            FormField {
                name: f.name.clone(),
                label: text::label(&f.name),
                control,
                initial: typical.get(&f.name).cloned().unwrap_or(Value::Null),
                hint: hint.join(" · "),
                optional: f.default.as_ref().is_some_and(|d| !d.is_null()),
            }
        })
        .collect()
}

/// What an input holds, as the page reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entered {
    Text(String),
    Checked(bool),
}

impl FormField {
    /// The input's starting text (numbers and categories) or state (toggles).
    pub fn initial_entry(&self) -> Entered {
        match (&self.control, &self.initial) {
            // A typical value from the golden cases is as the data wrote it: "Yes", 1.
            (Control::Toggle, v) => Entered::Checked(manifest::Cell::from_json(v).yes_no().unwrap_or(false)),
            (_, Value::String(s)) => Entered::Text(s.clone()),
            (_, Value::Null) => Entered::Text(String::new()),
            (_, Value::Number(n)) => Entered::Text(n.as_f64().map(text::plain).unwrap_or_else(|| n.to_string())),
            (_, v) => Entered::Text(v.to_string()),
        }
    }

    /// The entry as a JSON cell: an empty box is `null` (the model's default
    /// applies, or the runtime says the field is needed), a number box that
    /// holds a number is a number, anything else is left as text for the
    /// runtime to accept or name.
    pub fn cell(&self, entry: &Entered) -> Value {
        match entry {
            Entered::Checked(b) => Value::Bool(*b),
            Entered::Text(t) => {
                let t = t.trim();
                if t.is_empty() {
                    return Value::Null;
                }
                match self.control {
                    Control::Number { .. } => manifest::parse_number(t)
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or_else(|| Value::String(t.to_string())),
                    _ => Value::String(t.to_string()),
                }
            }
        }
    }

    /// A gentle warning for a number outside the range seen in training: it
    /// is allowed, but the model has not seen such values.
    pub fn warning(&self, cell: &Value) -> Option<String> {
        let (Control::Number { min, max }, Some(x)) = (&self.control, cell.as_f64()) else { return None };
        let below = min.is_some_and(|m| x < m);
        let above = max.is_some_and(|m| x > m);
        (below || above)
            .then(|| format!("outside the range seen in training ({}); the prediction may be less reliable", self.hint))
    }
}

/// The row for the entries, one per field.
pub fn row(fields: &[FormField], entries: &[Entered]) -> Map<String, Value> {
    fields.iter().zip(entries).map(|(f, e)| (f.name.clone(), f.cell(e))).collect()
}

/// The runtime's complaints about a one-row form, per field name (a problem
/// that names no field goes under the empty name).
pub fn field_errors(error: &runtime_wasm::Error) -> Vec<(String, String)> {
    match error {
        runtime_wasm::Error::Input(manifest::Error::Rows(errors)) => {
            errors.iter().map(|RowError { field, reason, .. }| (field.clone(), reason.clone())).collect()
        }
        other => vec![(String::new(), other.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car_price() -> runtime_wasm::Model {
        let path = format!("{}/../models/car-price.onnx", env!("CARGO_MANIFEST_DIR"));
        runtime_wasm::Model::load(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn the_form_follows_the_signature() {
        let model = car_price();
        let m = model.manifest().unwrap();
        let form = fields(m);
        assert_eq!(form.len(), m.signature.inputs.len());
        let mpg = form.iter().find(|f| f.name == "MPG.city").unwrap();
        assert_eq!(mpg.label, "MPG city");
        assert_eq!(mpg.control, Control::Number { min: Some(15.0), max: Some(46.0) });
        assert_eq!(mpg.hint, "seen 15 to 46");
        assert!(mpg.optional);
        let ty = form.iter().find(|f| f.name == "Type").unwrap();
        let Control::Select { options } = &ty.control else { panic!("{ty:?}") };
        assert!(options.contains(&"Midsize".to_string()));
        assert!(matches!(ty.initial_entry(), Entered::Text(t) if options.contains(&t)));
        let manual = form.iter().find(|f| f.name == "Man.trans.avail").unwrap();
        assert_eq!(manual.control, Control::Toggle);
    }

    #[test]
    fn the_initial_form_predicts() {
        let model = car_price();
        let form = fields(model.manifest().unwrap());
        let entries: Vec<Entered> = form.iter().map(FormField::initial_entry).collect();
        let row = row(&form, &entries);
        let p = model.predict_json(&Value::Object(row).to_string()).unwrap();
        assert!(p.column("Price").unwrap().values.number(0).unwrap() > 0.0);
    }

    /// The form starts at the explanation's typical input, so an untouched
    /// form's prediction is the typical one and every field's share is 0.
    #[test]
    fn the_untouched_form_is_the_typical_input() {
        let model = car_price();
        let m = model.manifest().unwrap();
        let form = fields(m);
        let entries: Vec<Entered> = form.iter().map(FormField::initial_entry).collect();
        let price = |row: serde_json::Map<String, Value>| {
            let p = model.predict_json(&Value::Object(row).to_string()).unwrap();
            p.column("Price").unwrap().values.number(0).unwrap()
        };
        let typical = runtime_wasm::explain::baseline(m);
        assert_eq!(price(row(&form, &entries)), price(typical.clone()));
        let manual = form.iter().position(|f| f.name == "Man.trans.avail").unwrap();
        let seen = typical["Man.trans.avail"].as_str().and_then(manifest::parse_bool);
        assert_eq!((seen, &entries[manual]), (Some(true), &Entered::Checked(true)), "{typical:?}");
    }

    #[test]
    fn entries_become_cells_and_bad_ones_are_named_by_the_runtime() {
        let model = car_price();
        let form = fields(model.manifest().unwrap());
        let hp = form.iter().position(|f| f.name == "Horsepower").unwrap();
        assert_eq!(form[hp].cell(&Entered::Text(" 140 ".into())), serde_json::json!(140.0));
        assert_eq!(form[hp].cell(&Entered::Text("".into())), Value::Null);
        assert_eq!(form[hp].warning(&serde_json::json!(900)).map(|w| w.contains("seen 55 to 300")), Some(true));
        assert_eq!(form[hp].warning(&serde_json::json!(150)), None);

        let mut entries: Vec<Entered> = form.iter().map(FormField::initial_entry).collect();
        entries[hp] = Entered::Text("lots".into());
        let err = model.predict_json(&Value::Object(row(&form, &entries)).to_string()).unwrap_err();
        let errors = field_errors(&err);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "Horsepower");
        assert!(errors[0].1.contains("lots"), "{}", errors[0].1);
    }
}
