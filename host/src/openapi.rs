//! Descriptions of the HTTP API, generated from model manifests: an OpenAPI
//! 3.1 document per model and one for the whole server, and a Swagger 2.0
//! document per model (the form Power Automate and Logic Apps custom
//! connectors import).
//!
//! Each operation is described once (`Op`) and each input field has one
//! JSON Schema (`field_schema`); only the rendering differs between the two
//! dialects. Pure: depends on `manifest` and `serde_json` only.

use std::collections::HashSet;

use manifest::{Cell, Field, FieldKind, Manifest, OutputKind};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    OpenApi31,
    Swagger20,
}

use Dialect::{OpenApi31, Swagger20};

impl Dialect {
    /// A reference to a reusable piece: `kind` is `schemas`, `parameters` or `responses`.
    fn reference(self, kind: &str, name: &str) -> Value {
        let base = match (self, kind) {
            (OpenApi31, _) => format!("#/components/{kind}/"),
            (Swagger20, "schemas") => "#/definitions/".to_string(),
            (Swagger20, _) => format!("#/{kind}/"),
        };
        json!({ "$ref": base + name })
    }

    fn schema(self, name: &str) -> Value {
        self.reference("schemas", name)
    }

    /// A `type` that may also be null; Swagger 2.0 cannot say so (the description does).
    fn ty(self, ty: &str, nullable: bool) -> Value {
        if nullable && self == OpenApi31 { json!([ty, "null"]) } else { json!(ty) }
    }

    /// `examples` in JSON Schema 2020-12 (OpenAPI 3.1), `example` in Swagger 2.0.
    fn with_example(self, mut schema: Value, example: Option<Value>) -> Value {
        if let Some(example) = example {
            match self {
                OpenApi31 => schema["examples"] = json!([example]),
                Swagger20 => schema["example"] = example,
            }
        }
        schema
    }
}

const OIP: &str = "Open Inference Protocol";

/// An object schema. (JSON Schema draft 4, under Swagger 2.0, wants `required` non-empty.)
fn object(properties: Value, required: &[&str]) -> Value {
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// An example of the golden cases, if there are some.
fn golden_example(value: Option<Value>) -> (&'static str, &'static str, Option<Value>) {
    ("golden", "The golden cases", value)
}

/// Error statuses: (status, name of the reusable response, when it happens).
const ERRORS: [(u16, &str, &str); 8] = [
    (400, "BadRequest", "The body cannot be read: not valid JSON, CSV or JSON Lines, or not the expected shape."),
    (401, "Unauthorized", "No token, or the token is not valid: send `Authorization: Bearer <token>`."),
    (403, "Forbidden", "The token's role or model does not allow this."),
    (404, "NotFound", "No such model, version, alias, job or token."),
    (413, "PayloadTooLarge", "The body is larger than the server accepts."),
    (415, "UnsupportedMediaType", "The `Content-Type` is not one this route reads."),
    (
        422,
        "UnprocessableContent",
        "Rows fail validation: `row` (counting from 1) and `field` name the first problem; `message` lists them all.",
    ),
    (500, "InternalError", "The server failed; the details are in its log, not in the response."),
];
const PREDICT_ERRORS: &[u16] = &[400, 401, 403, 404, 413, 415, 422, 500];
const READ_ERRORS: &[u16] = &[401, 403, 404, 500];
const WRITE_ERRORS: &[u16] = &[400, 401, 403, 404, 413, 415, 500];
const LIST_ERRORS: &[u16] = &[401, 403, 500];

/// Open Inference Protocol data type of an input field's tensor.
fn oip_datatype(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Numeric { .. } => "FP64",
        FieldKind::Categorical { .. } => "BYTES",
        FieldKind::Boolean => "BOOL",
    }
}

/// The default of a field, if it has one (`null` means none).
fn default_of(field: &Field) -> Option<&Value> {
    field.default.as_ref().filter(|v| !v.is_null())
}

/// A value typed as the field's schema types it. The manifest keeps cells as
/// the training file wrote them (`"Yes"` for a yes/no field); the documents
/// show what a JSON client sends (`true`). The server reads both alike.
fn canonical(field: &Field, v: &Value) -> Value {
    let typed = match (&field.kind, v) {
        (FieldKind::Numeric { .. }, Value::String(s)) => {
            s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
        }
        // As the runtime reads it: the number 4 is the category "4".
        (FieldKind::Categorical { .. }, Value::Number(_) | Value::Bool(_)) => {
            Some(Value::String(Cell::from_json(v).to_string()))
        }
        (FieldKind::Boolean, Value::String(s)) => manifest::parse_bool(s).map(Value::Bool),
        (FieldKind::Boolean, Value::Number(n)) => match n.as_f64() {
            Some(x) if x == 0.0 || x == 1.0 => Some(Value::Bool(x == 1.0)),
            _ => None,
        },
        _ => None,
    };
    typed.unwrap_or_else(|| v.clone())
}

/// The JSON Schema of one input field. Values outside the range seen in
/// training are accepted, so that range is a hint in the description, not
/// `minimum`/`maximum`.
fn field_schema(field: &Field, d: Dialect) -> Value {
    let default = default_of(field).map(|v| canonical(field, v));
    let optional = default.is_some();
    let mut notes = Vec::new();
    if !field.description.is_empty() {
        notes.push(field.description.clone());
    }
    let mut schema = match &field.kind {
        FieldKind::Numeric { min, max } => {
            if let (Some(lo), Some(hi)) = (min, max) {
                notes.push(format!("Seen in training: {lo} to {hi}; other values are accepted too."));
            }
            json!({ "type": d.ty("number", optional) })
        }
        FieldKind::Categorical { categories } => {
            let mut values: Vec<Value> = categories.iter().map(|c| json!(c)).collect();
            if optional && d == OpenApi31 {
                values.push(Value::Null);
            }
            if categories.iter().any(|c| c.parse::<f64>().is_ok()) {
                notes.push("Categories written as numbers may also be sent as JSON numbers.".into());
            }
            json!({ "type": d.ty("string", optional), "enum": values })
        }
        FieldKind::Boolean => {
            notes.push("Text is read too: yes/no, true/false, 1/0.".into());
            json!({ "type": d.ty("boolean", optional) })
        }
    };
    match default {
        Some(v) => {
            notes.push(format!("Optional: when absent or null, {v} is used."));
            schema["default"] = v;
        }
        None => notes.push("Required; null is refused.".into()),
    }
    schema["description"] = json!(notes.join(" "));
    if d == Swagger20 {
        schema["x-ms-summary"] = json!(field.name);
    }
    schema
}

/// One row: a property per input field; fields without a default are required.
fn input_schema(m: &Manifest, d: Dialect) -> Value {
    let properties: Map<String, Value> =
        m.signature.inputs.iter().map(|f| (f.name.clone(), field_schema(f, d))).collect();
    let required: Vec<&str> =
        m.signature.inputs.iter().filter(|f| default_of(f).is_none()).map(|f| f.name.as_str()).collect();
    let mut schema = object(Value::Object(properties), &required);
    schema["description"] = json!("One row: a property per input field. Other properties are ignored.");
    schema
}

/// The outputs for one row, shaped as `Prediction::json_rows` writes them.
fn output_schema(m: &Manifest) -> Value {
    let outputs = &m.signature.outputs;
    let properties: Map<String, Value> = (outputs.iter())
        .map(|o| {
            let schema = match &o.kind {
                OutputKind::Numeric => json!({ "type": "number" }),
                OutputKind::Label { classes } => {
                    json!({ "type": "string", "enum": classes, "description": "The predicted class." })
                }
                OutputKind::Probabilities { classes } => {
                    let number = json!({ "type": "number" });
                    let required: Vec<&str> = classes.iter().map(String::as_str).collect();
                    let mut schema = object(classes.iter().map(|c| (c.clone(), number.clone())).collect(), &required);
                    schema["additionalProperties"] = json!(false);
                    schema["description"] = json!("The probability of each class, from 0 to 1.");
                    schema
                }
            };
            (o.name.clone(), schema)
        })
        .collect();
    let names: Vec<&str> = outputs.iter().map(|o| o.name.as_str()).collect();
    object(Value::Object(properties), &names)
}

/// One flat output column, as CSV headers and OIP output tensors name it
/// (`runtime_wasm::interface::Column::name`): an output, or `<output>_<class>`
/// for each class of a probabilities output.
struct Column<'a> {
    name: String,
    output: &'a str,
    class: Option<&'a str>,
    datatype: &'static str,
}

fn columns(m: &Manifest) -> Vec<Column<'_>> {
    let columns = m.signature.outputs.iter().flat_map(|o| {
        let column = |name, class, datatype| Column { name, output: &o.name, class, datatype };
        match &o.kind {
            OutputKind::Numeric => vec![column(o.name.clone(), None, "FP32")],
            OutputKind::Label { .. } => vec![column(o.name.clone(), None, "BYTES")],
            OutputKind::Probabilities { classes } => {
                classes.iter().map(|c| column(format!("{}_{c}", o.name), Some(c.as_str()), "FP32")).collect()
            }
        }
    });
    columns.collect()
}

/// Examples made from the manifest's golden cases.
struct Golden<'a> {
    name: &'a str,
    version: Option<u64>,
    manifest: &'a Manifest,
    /// The golden inputs, typed as the schemas type them, in signature order.
    inputs: Vec<Map<String, Value>>,
    outputs: Vec<Value>,
}

impl<'a> Golden<'a> {
    fn new(name: &'a str, version: Option<u64>, m: &'a Manifest) -> Golden<'a> {
        let inputs = m
            .golden
            .iter()
            .map(|g| {
                let fields = m.signature.inputs.iter();
                fields.filter_map(|f| g.input.get(&f.name).map(|v| (f.name.clone(), canonical(f, v)))).collect()
            })
            .collect();
        let outputs = m.golden.iter().map(|g| Value::Object(g.output.clone())).collect();
        Golden { name, version, manifest: m, inputs, outputs }
    }

    fn first_input(&self) -> Option<Value> {
        self.inputs.first().cloned().map(Value::Object)
    }

    fn first_output(&self) -> Option<Value> {
        self.outputs.first().cloned()
    }

    fn all_inputs(&self) -> Option<Value> {
        (!self.inputs.is_empty()).then(|| json!(self.inputs))
    }

    fn output(&self, row: usize, c: &Column) -> Value {
        let v = &self.outputs[row][c.output];
        c.class.map_or(v, |k| &v[k]).clone()
    }

    /// Name of an output in a CSV or JSON Lines answer: `predicted_<name>` if an input has its name.
    fn appended(&self, name: &str) -> String {
        if self.manifest.field(name).is_some() { format!("predicted_{name}") } else { name.to_string() }
    }

    fn csv(&self, with_outputs: bool) -> String {
        let fields = &self.manifest.signature.inputs;
        let columns = columns(self.manifest);
        let mut header: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        if with_outputs {
            header.extend(columns.iter().map(|c| self.appended(&c.name)));
        }
        let mut lines = vec![csv_line(header.iter().map(String::as_str))];
        for (r, row) in self.inputs.iter().enumerate() {
            let mut cells: Vec<String> =
                fields.iter().map(|f| text(row.get(&f.name).unwrap_or(&Value::Null))).collect();
            if with_outputs {
                cells.extend(columns.iter().map(|c| text(&self.output(r, c))));
            }
            lines.push(csv_line(cells.iter().map(String::as_str)));
        }
        lines.join("")
    }

    fn ndjson(&self, with_outputs: bool) -> String {
        let line = |(r, row): (usize, &Map<String, Value>)| {
            let mut row = row.clone();
            if with_outputs && let Value::Object(out) = &self.outputs[r] {
                row.extend(out.iter().map(|(k, v)| (self.appended(k), v.clone())));
            }
            Value::Object(row).to_string() + "\n"
        };
        self.inputs.iter().enumerate().map(line).collect()
    }

    fn predict_response(&self) -> Value {
        json!({ "model": self.name, "version": self.version.unwrap_or(1), "predictions": self.outputs })
    }

    fn infer_request(&self) -> Value {
        let rows = self.inputs.len();
        let inputs: Vec<Value> = (self.manifest.signature.inputs.iter())
            .map(|f| {
                // A missing cell is sent as the value the model uses for it.
                let missing = default_of(f).map_or(Value::Null, |v| canonical(f, v));
                let data: Vec<Value> = self.inputs.iter().map(|r| r.get(&f.name).unwrap_or(&missing).clone()).collect();
                json!({ "name": f.name, "shape": [rows], "datatype": oip_datatype(&f.kind), "data": data })
            })
            .collect();
        json!({ "id": "golden", "inputs": inputs })
    }

    fn infer_response(&self) -> Value {
        let rows = self.outputs.len();
        let outputs: Vec<Value> = columns(self.manifest)
            .iter()
            .map(|c| {
                let data: Vec<Value> = (0..rows).map(|r| self.output(r, c)).collect();
                json!({ "name": c.name, "shape": [rows], "datatype": c.datatype, "data": data })
            })
            .collect();
        let version = self.version.unwrap_or(1).to_string();
        json!({ "model_name": self.name, "model_version": version, "id": "golden", "outputs": outputs })
    }

    fn metadata(&self) -> Value {
        let m = self.manifest;
        let tensor = |name: &str, datatype: &str| json!({ "name": name, "datatype": datatype, "shape": [-1] });
        let mut v = json!({
            "name": self.name,
            "platform": "onnx",
            "inputs": m.signature.inputs.iter().map(|f| tensor(&f.name, oip_datatype(&f.kind))).collect::<Vec<_>>(),
            "outputs": columns(m).iter().map(|c| tensor(&c.name, c.datatype)).collect::<Vec<_>>(),
        });
        if let Some(version) = self.version {
            v["versions"] = json!([version.to_string()]);
        }
        v
    }
}

/// A value as a CSV cell: text as is, null empty, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_line<'s>(cells: impl Iterator<Item = &'s str>) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
    };
    cells.map(quote).collect::<Vec<_>>().join(",") + "\n"
}

/// One body or response format.
#[derive(Clone)]
struct Media {
    mime: &'static str,
    /// `None` for raw bytes.
    schema: Option<Value>,
    /// (key, summary, value)
    examples: Vec<(&'static str, &'static str, Value)>,
}

impl Media {
    fn json(schema: Value) -> Media {
        Media { mime: "application/json", schema: Some(schema), examples: Vec::new() }
    }

    fn text(mime: &'static str, example: Option<String>) -> Media {
        Media { mime, schema: Some(json!({ "type": "string" })), examples: Vec::new() }
            .example(golden_example(example.map(Value::String)))
    }

    fn bytes(mime: &'static str) -> Media {
        Media { mime, schema: None, examples: Vec::new() }
    }

    /// Adds an example: (key, summary, value), if there is a value.
    fn example(mut self, (key, summary, value): (&'static str, &'static str, Option<Value>)) -> Media {
        self.examples.extend(value.map(|v| (key, summary, v)));
        self
    }
}

/// One operation, described once and rendered in either dialect. Its path
/// parameters are the `{...}` of its path.
struct Op {
    method: &'static str,
    path: String,
    id: String,
    tag: &'static str,
    summary: String,
    description: &'static str,
    body: Vec<Media>,
    status: u16,
    reply: &'static str,
    content: Vec<Media>,
    headers: Vec<(&'static str, &'static str)>,
    errors: &'static [u16],
    /// Open without a token (health).
    public: bool,
}

impl Op {
    fn new(method: &'static str, path: impl Into<String>, id: impl Into<String>, summary: impl Into<String>) -> Op {
        Op {
            method,
            path: path.into(),
            id: id.into(),
            tag: "",
            summary: summary.into(),
            description: "",
            body: Vec::new(),
            status: 200,
            reply: "Done.",
            content: Vec::new(),
            headers: Vec::new(),
            errors: READ_ERRORS,
            public: false,
        }
    }

    fn tag(self, tag: &'static str) -> Op {
        Op { tag, ..self }
    }

    fn describe(self, description: &'static str) -> Op {
        Op { description, ..self }
    }

    fn body(self, body: Vec<Media>) -> Op {
        Op { body, ..self }
    }

    fn reply(self, status: u16, reply: &'static str, content: Vec<Media>) -> Op {
        Op { status, reply, content, ..self }
    }

    fn errors(self, errors: &'static [u16]) -> Op {
        Op { errors, ..self }
    }

    /// Open without a token, and failing only by not answering (health).
    fn public(self) -> Op {
        Op { public: true, errors: &[], ..self }
    }

    /// The names of its reusable path parameters (see [`parameter`]).
    fn parameters(&self) -> Vec<&'static str> {
        let names = self.path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name);
        names
            .map(|name| match name {
                "name" if self.path.starts_with("/datasets") => "DatasetName",
                "name" => "Name",
                "model" => "ScoredModel",
                "version" => "Version",
                "alias" => "Alias",
                _ if self.path.starts_with("/jobs") => "JobId",
                _ if self.path.starts_with("/train") => "TrainingId",
                _ => "TokenId",
            })
            .collect()
    }
}

/// A reusable path parameter.
fn parameter(d: Dialect, key: &str, version: Option<u64>) -> Value {
    let (name, description) = match key {
        "Name" => ("name", "The model's name."),
        "Version" => ("version", "A version number, or an alias such as `latest` or `prod`."),
        "Alias" => ("alias", "An alias, such as `prod`."),
        "JobId" => ("id", "The job's id."),
        "DatasetName" => ("name", "The dataset's name."),
        "ScoredModel" => ("model", "The model the dataset was scored with."),
        "TrainingId" => ("id", "The training job's id."),
        _ => ("id", "The token's id."),
    };
    let mut p = json!({ "name": name, "in": "path", "required": true, "description": description });
    match d {
        OpenApi31 => p["schema"] = json!({ "type": "string" }),
        Swagger20 => p["type"] = json!("string"),
    }
    if let (Some(v), "Version", OpenApi31) = (version, key, d) {
        p["example"] = json!(v.to_string());
    }
    p
}

/// A document being built: reusable pieces and paths.
struct Doc {
    d: Dialect,
    version: Option<u64>,
    schemas: Map<String, Value>,
    parameters: Map<String, Value>,
    responses: Map<String, Value>,
    paths: Map<String, Value>,
}

impl Doc {
    fn new(d: Dialect, version: Option<u64>) -> Doc {
        let mut doc =
            Doc { d, version, schemas: Map::new(), parameters: Map::new(), responses: Map::new(), paths: Map::new() };
        doc.schema("Error", error_schema());
        doc.schema("Tensor", tensor_schema(d));
        doc.schema("TensorMetadata", tensor_metadata_schema());
        doc
    }

    /// Adds a schema and returns a reference to it.
    fn schema(&mut self, name: &str, schema: Value) -> Value {
        self.schemas.insert(name.to_string(), schema);
        self.d.schema(name)
    }

    fn content(&self, media: &[Media]) -> Value {
        let content: Map<String, Value> = media
            .iter()
            .map(|m| {
                let mut v = json!({});
                if let Some(schema) = &m.schema {
                    v["schema"] = schema.clone();
                }
                if !m.examples.is_empty() {
                    let examples =
                        m.examples.iter().map(|(k, s, e)| (k.to_string(), json!({ "summary": s, "value": e })));
                    v["examples"] = Value::Object(examples.collect());
                }
                (m.mime.to_string(), v)
            })
            .collect();
        Value::Object(content)
    }

    fn add(&mut self, op: Op) {
        let d = self.d;
        // Swagger 2.0 describes JSON and raw bytes only (connectors read nothing else).
        let kept = |m: &&Media| d == OpenApi31 || m.mime == "application/json" || m.schema.is_none();
        let mut o = json!({ "operationId": op.id, "summary": op.summary, "tags": [op.tag] });
        if !op.description.is_empty() {
            o["description"] = json!(op.description);
        }
        let mut params: Vec<Value> = Vec::new();
        for key in op.parameters() {
            let p = parameter(d, key, self.version);
            self.parameters.entry(key.to_string()).or_insert(p);
            params.push(d.reference("parameters", key));
        }
        let mut ok = json!({ "description": op.reply });
        let headers = op.headers.iter().map(|(h, text)| {
            let header = match d {
                OpenApi31 => json!({ "description": text, "schema": { "type": "string" } }),
                Swagger20 => json!({ "description": text, "type": "string" }),
            };
            (h.to_string(), header)
        });
        let headers: Map<String, Value> = headers.collect();
        if !headers.is_empty() {
            ok["headers"] = Value::Object(headers);
        }
        match d {
            OpenApi31 => {
                if !op.body.is_empty() {
                    o["requestBody"] = json!({ "required": true, "content": self.content(&op.body) });
                }
                if !op.content.is_empty() {
                    ok["content"] = self.content(&op.content);
                }
            }
            Swagger20 => {
                if let Some(m) = op.body.iter().find(kept) {
                    params.push(json!({ "in": "body", "name": "body", "required": true, "schema": m.schema }));
                    o["consumes"] = json!([m.mime]);
                }
                let mut produces = vec!["application/json"];
                if let Some(m) = op.content.iter().find(kept) {
                    // Bytes as `format: binary`: the spec's `type: file` is refused by
                    // openapi-spec-validator and most other validators.
                    ok["schema"] = m.schema.clone().unwrap_or_else(|| json!({ "type": "string", "format": "binary" }));
                    if let Some((_, _, example)) = m.examples.first() {
                        ok["examples"] = json!({ m.mime: example });
                    }
                    produces = vec![m.mime, "application/json"];
                    produces.dedup();
                }
                o["produces"] = json!(produces);
            }
        }
        if !params.is_empty() {
            o["parameters"] = json!(params);
        }
        let mut responses = Map::new();
        responses.insert(op.status.to_string(), ok);
        for &(status, name, text) in ERRORS.iter().filter(|e| op.errors.contains(&e.0)) {
            let content = [Media::json(d.schema("Error"))];
            let response = match d {
                OpenApi31 => json!({ "description": text, "content": self.content(&content) }),
                Swagger20 => json!({ "description": text, "schema": d.schema("Error") }),
            };
            self.responses.entry(name.to_string()).or_insert(response);
            responses.insert(status.to_string(), d.reference("responses", name));
        }
        o["responses"] = Value::Object(responses);
        if op.public {
            o["security"] = json!([]);
        }
        let path = self.paths.entry(op.path).or_insert_with(|| json!({}));
        path[op.method] = o;
    }

    /// The prediction routes of one model, or of any model (`{name}` in the
    /// path) when `t.model` is `None`. `all` adds the manifest, download,
    /// metadata and ready routes.
    fn model_routes(&mut self, t: &Target, all: bool) {
        let (d, p) = (self.d, t.prefix.as_str());
        let golden = t.model.map(|(name, m)| Golden::new(name, t.version, m));
        let g = golden.as_ref();
        let (seg, title) = match t.model {
            Some((name, _)) => (path_segment(name), format!("`{name}`")),
            None => ("{name}".to_string(), "the model".to_string()),
        };
        let free = |text: &str| json!({ "type": "object", "description": text });
        let (input, output) = match t.model {
            Some((_, m)) => (
                d.with_example(input_schema(m, d), g.and_then(Golden::first_input)),
                d.with_example(output_schema(m), g.and_then(Golden::first_output)),
            ),
            None => (
                free("One row: a property per input field of the model (see GET /models/{name}/openapi.json)."),
                free("The outputs by name: a number, a class, or an object of probabilities by class."),
            ),
        };
        let input = self.schema(&format!("{p}Input"), input);
        let output = self.schema(&format!("{p}Output"), output);
        let rows = json!({ "type": "array", "items": input, "description": "Rows; a single row object is read too." });
        let request = match d {
            OpenApi31 => json!({ "oneOf": [input, rows] }),
            Swagger20 => rows,
        };
        let request =
            self.schema(&format!("{p}PredictRequest"), d.with_example(request, g.and_then(Golden::all_inputs)));
        let model = match t.model {
            Some((name, _)) => json!({ "type": "string", "enum": [name] }),
            None => json!({ "type": "string" }),
        };
        let response = object(
            json!({
                "model": model,
                "version": { "type": "integer", "description": "The version that predicted." },
                "predictions": { "type": "array", "items": output, "description": "One per row, in row order." },
            }),
            &["model", "version", "predictions"],
        );
        let response = d.with_example(response, g.map(Golden::predict_response));
        let response = self.schema(&format!("{p}PredictResponse"), response);
        let infer_request = d.with_example(infer_request_schema(d), g.map(Golden::infer_request));
        let infer_request = self.schema(&format!("{p}InferRequest"), infer_request);
        let infer_response = d.with_example(infer_response_schema(d), g.map(Golden::infer_response));
        let infer_response = self.schema(&format!("{p}InferResponse"), infer_response);

        let description = match d {
            OpenApi31 => {
                "Predicts one row (a JSON object) or several (an array of them). Fields with a default may be left \
                 out or sent as null; other properties are ignored. A `text/csv` or `application/x-ndjson` body is \
                 answered in the same format: the input rows with the output columns appended."
            }
            Swagger20 => {
                "Predicts the rows of the array (a single row object is read too). Fields with a default may be left \
                 out or sent as null; other properties are ignored. The route also reads CSV and JSON Lines: see the \
                 OpenAPI 3.1 document, openapi.json."
            }
        };
        let rows = ("rows", "Several rows", g.and_then(Golden::all_inputs));
        let body = vec![
            Media::json(request).example(("row", "One row", g.and_then(Golden::first_input))).example(rows),
            Media::text("text/csv", g.map(|g| g.csv(false))),
            Media::text("application/x-ndjson", g.map(|g| g.ndjson(false))),
        ];
        let content = vec![
            Media::json(response).example(golden_example(g.map(Golden::predict_response))),
            Media::text("text/csv", g.map(|g| g.csv(true))),
            Media::text("application/x-ndjson", g.map(|g| g.ndjson(true))),
        ];
        let predict = |path: String, id: &str, summary: String| {
            Op::new("post", path, format!("{id}{p}"), summary)
                .tag("Prediction")
                .describe(description)
                .body(body.clone())
                .reply(200, "The predictions, one per row, in row order.", content.clone())
                .errors(PREDICT_ERRORS)
        };
        let infer = |path: String, id: &str, summary: String| {
            Op::new("post", path, format!("{id}{p}"), summary)
                .tag(OIP)
                .describe(
                    "Open Inference Protocol (KServe V2) inference: one input tensor per field, of shape `[rows]`; \
                     one output tensor per output column, named as in CSV (`<output>_<class>` for each class's \
                     probability).",
                )
                .body(vec![Media::json(infer_request.clone()).example(golden_example(g.map(Golden::infer_request)))])
                .reply(
                    200,
                    "One tensor per output column.",
                    vec![Media::json(infer_response.clone()).example(golden_example(g.map(Golden::infer_response)))],
                )
                .errors(PREDICT_ERRORS)
        };
        let (base, v2) = (format!("/models/{seg}"), format!("/v2/models/{seg}"));
        let mut ops = vec![
            predict(format!("{base}/predict"), "predict", format!("Predict with the latest version of {title}")),
            predict(
                format!("{base}/versions/{{version}}/predict"),
                "predictVersion",
                format!("Predict with a version of {title}"),
            ),
            infer(format!("{v2}/infer"), "infer", format!("Infer with {title} (OIP V2)")),
            infer(
                format!("{v2}/versions/{{version}}/infer"),
                "inferVersion",
                format!("Infer with a version of {title} (OIP V2)"),
            ),
        ];
        if all {
            let manifest = free("The model's manifest: signature, preprocessing, metrics, golden cases.");
            let manifest = d.with_example(manifest, t.model.and_then(|(_, m)| serde_json::to_value(m).ok()));
            let metadata = d.with_example(metadata_schema(d), g.map(Golden::metadata));
            let metadata = self.schema(&format!("{p}ModelMetadata"), metadata);
            let get = |path: String, id: &str, summary: String| Op::new("get", path, format!("{id}{p}"), summary);
            ops.extend([
                get(
                    format!("{base}/versions/{{version}}"),
                    "getManifest",
                    format!("The manifest of a version of {title}"),
                )
                .tag("Registry")
                .reply(200, "The manifest.", vec![Media::json(manifest)]),
                Op {
                    headers: vec![("ETag", "Changes only when the file does.")],
                    ..get(
                        format!("{base}/versions/{{version}}/model.onnx"),
                        "downloadModel",
                        format!("Download a version of {title} as ONNX"),
                    )
                    .tag("Registry")
                    .reply(
                        200,
                        "The ONNX file, manifest included.",
                        vec![Media::bytes("application/octet-stream")],
                    )
                },
                get(v2.clone(), "modelMetadata", format!("Metadata of {title} (OIP V2)")).tag(OIP).reply(
                    200,
                    "The model's tensors.",
                    vec![Media::json(metadata)],
                ),
                get(format!("{v2}/ready"), "modelReady", format!("Whether {title} is ready (OIP V2)")).tag(OIP).reply(
                    200,
                    "The model is ready.",
                    vec![],
                ),
            ]);
        }
        for op in ops {
            self.add(op);
        }
    }

    fn finish(self, info: Value, server_url: &str) -> Value {
        match self.d {
            OpenApi31 => json!({
                "openapi": "3.1.0",
                "info": info,
                "servers": [{ "url": server_url }],
                "security": [{ "bearer": [] }],
                "paths": self.paths,
                "components": {
                    "schemas": self.schemas,
                    "parameters": self.parameters,
                    "responses": self.responses,
                    "securitySchemes": {
                        "bearer": { "type": "http", "scheme": "bearer", "description": "A token from `POST /tokens`." },
                    },
                },
            }),
            Swagger20 => {
                let (scheme, rest) = server_url.split_once("://").unwrap_or(("", server_url));
                let (host, base) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
                let mut doc = json!({ "swagger": "2.0", "info": info });
                if !host.is_empty() {
                    doc["host"] = json!(host);
                }
                doc["basePath"] = json!(base);
                if !scheme.is_empty() {
                    doc["schemes"] = json!([scheme]);
                }
                doc["consumes"] = json!(["application/json"]);
                doc["produces"] = json!(["application/json"]);
                doc["securityDefinitions"] = json!({
                    "bearer": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "Authorization",
                        "description": "Send `Bearer <token>`, with a token from `POST /tokens`.",
                    },
                });
                doc["security"] = json!([{ "bearer": [] }]);
                doc["paths"] = json!(self.paths);
                doc["definitions"] = json!(self.schemas);
                doc["parameters"] = json!(self.parameters);
                doc["responses"] = json!(self.responses);
                doc
            }
        }
    }
}

/// Whose prediction routes to describe.
struct Target<'a> {
    /// `None`: any model, named by the `{name}` path parameter.
    model: Option<(&'a str, &'a Manifest)>,
    version: Option<u64>,
    /// Prefix of schema names and suffix of operation ids; empty in a model's own document.
    prefix: String,
}

/// A model name as a path segment: anything but unreserved characters percent-encoded.
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `car-price` → `CarPrice`: a prefix for schema names and a suffix for operation ids.
fn pascal(name: &str) -> String {
    let words = name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
    let word = |w: &str| w[..1].to_ascii_uppercase() + &w[1..];
    let s: String = words.map(word).collect();
    if s.is_empty() { "Model".into() } else { s }
}

fn error_schema() -> Value {
    let error = object(
        json!({
            "code": { "type": "string", "description": "A machine-readable code." },
            "message": { "type": "string", "description": "What went wrong, for a person." },
            "row": { "type": "integer", "minimum": 1, "description": "The row at fault, counting from 1." },
            "field": { "type": "string", "description": "The field at fault." },
        }),
        &["code", "message"],
    );
    object(json!({ "error": error }), &["error"])
}

/// An Open Inference Protocol tensor.
fn tensor_schema(d: Dialect) -> Value {
    let values = match d {
        OpenApi31 => json!({ "type": ["number", "string", "boolean", "null"] }),
        Swagger20 => json!({}),
    };
    let tensor = json!({
        "name": { "type": "string" },
        "shape": { "type": "array", "items": { "type": "integer" } },
        "datatype": { "type": "string", "enum": ["BOOL", "INT64", "FP32", "FP64", "BYTES"] },
        "parameters": { "type": "object" },
        "data": { "type": "array", "items": values, "description": "The values, row-major." },
    });
    object(tensor, &["name", "shape", "datatype", "data"])
}

fn tensor_metadata_schema() -> Value {
    let shape = json!({ "type": "array", "items": { "type": "integer" } });
    object(
        json!({ "name": { "type": "string" }, "datatype": { "type": "string" }, "shape": shape }),
        &["name", "datatype", "shape"],
    )
}

fn infer_request_schema(d: Dialect) -> Value {
    let inputs = "One tensor per input field, named after it, of shape `[rows]`: FP64 for numbers, BYTES for \
                  categories, BOOL for yes/no.";
    let outputs = object(json!({ "name": { "type": "string" } }), &["name"]);
    let request = json!({
        "id": { "type": "string" },
        "parameters": { "type": "object" },
        "inputs": { "type": "array", "items": d.schema("Tensor"), "description": inputs },
        "outputs": { "type": "array", "items": outputs, "description": "The output columns to return (all when absent)." },
    });
    object(request, &["inputs"])
}

fn infer_response_schema(d: Dialect) -> Value {
    let response = json!({
        "model_name": { "type": "string" },
        "model_version": { "type": "string" },
        "id": { "type": "string" },
        "parameters": { "type": "object" },
        "outputs": { "type": "array", "items": d.schema("Tensor") },
    });
    object(response, &["model_name", "outputs"])
}

fn metadata_schema(d: Dialect) -> Value {
    let tensors = json!({ "type": "array", "items": d.schema("TensorMetadata") });
    let metadata = json!({
        "name": { "type": "string" },
        "versions": { "type": "array", "items": { "type": "string" } },
        "platform": { "type": "string" },
        "inputs": tensors,
        "outputs": tensors,
    });
    object(metadata, &["name", "platform", "inputs", "outputs"])
}

/// The `info` of a model's document: what it predicts, how well, from what.
fn model_info(name: &str, version: Option<u64>, m: &Manifest) -> Value {
    let mut text = vec![];
    if !m.description.is_empty() {
        text.push(m.description.clone());
    }
    let task = match m.task {
        manifest::Task::Regression => "regression",
        manifest::Task::Classification => "classification",
    };
    text.push(format!("Task: {task}."));
    if !m.metrics.is_empty() {
        let metrics: Vec<String> = m.metrics.iter().map(|(k, v)| format!("{k} {v}")).collect();
        text.push(format!("Metrics: {}.", metrics.join(", ")));
    }
    if let Some(data) = &m.training_data {
        text.push(format!(
            "Trained on {} ({} rows).",
            if data.source.is_empty() { "a table" } else { &data.source },
            data.rows
        ));
    }
    text.push("Send `Authorization: Bearer <token>` with every request.".into());
    let version = version.map_or("latest".to_string(), |v| v.to_string());
    json!({ "title": name, "description": text.join("\n\n"), "version": version })
}

/// The OpenAPI 3.1 document of one model's routes. `version` is the
/// version it describes (`info.version` and the examples; `None`: latest);
/// `server_url` is the base URL clients call, such as `https://ai.example.com`.
/// Examples are the manifest's golden cases.
pub fn model_openapi(name: &str, version: Option<u64>, manifest: &Manifest, server_url: &str) -> Value {
    model_document(OpenApi31, name, version, manifest, server_url)
}

/// The Swagger 2.0 document of one model's routes, for Power Automate and
/// Logic Apps custom connectors: JSON bodies only, the token as an API key
/// in the `Authorization` header.
pub fn model_swagger(name: &str, version: Option<u64>, manifest: &Manifest, server_url: &str) -> Value {
    model_document(Swagger20, name, version, manifest, server_url)
}

fn model_document(d: Dialect, name: &str, version: Option<u64>, m: &Manifest, server_url: &str) -> Value {
    let mut doc = Doc::new(d, version);
    doc.model_routes(&Target { model: Some((name, m)), version, prefix: String::new() }, true);
    doc.finish(model_info(name, version, m), server_url)
}

/// The OpenAPI 3.1 document of the whole server: registry, prediction for
/// any model and for each of `models`, batch jobs, tokens, health, metrics.
pub fn server_openapi(server_url: &str, models: &[(String, Manifest)]) -> Value {
    let mut doc = Doc::new(OpenApi31, None);
    doc.model_routes(&Target { model: None, version: None, prefix: String::new() }, true);
    let mut used = HashSet::new();
    for (name, m) in models {
        let base = pascal(name);
        let prefix =
            (1..).map(|i| if i == 1 { base.clone() } else { format!("{base}{i}") }).find(|p| used.insert(p.clone()));
        doc.model_routes(&Target { model: Some((name, m)), version: None, prefix: prefix.unwrap_or(base) }, false);
    }
    server_routes(&mut doc);
    let names: Vec<String> = models.iter().map(|(n, _)| format!("`{n}`")).collect();
    let mut description = "citizen serves models trained on spreadsheets: predict, publish, batch jobs and tokens. \
                           Send `Authorization: Bearer <token>` with every request except the health checks."
        .to_string();
    if !names.is_empty() {
        description += &format!("\n\nModels with their own routes here: {}.", names.join(", "));
    }
    let info = json!({ "title": "citizen", "description": description, "version": env!("CARGO_PKG_VERSION") });
    doc.finish(info, server_url)
}

/// The routes that are not about one model's predictions.
fn server_routes(doc: &mut Doc) {
    let (string, integer) = (json!({ "type": "string" }), json!({ "type": "integer" }));
    let nullable = json!({ "type": ["string", "null"] });
    let role = json!({ "type": "string", "enum": ["admin", "maker", "reader"] });
    let summary = object(
        json!({
            "name": string,
            "versions": { "type": "array", "items": integer },
            "latest": integer,
            "aliases": { "type": "object", "additionalProperties": integer },
        }),
        &["name"],
    );
    let summary = doc.schema("ModelSummary", summary);
    let published =
        doc.schema("Published", object(json!({ "name": string, "version": integer }), &["name", "version"]));
    let alias = doc.schema("AliasRequest", object(json!({ "version": integer }), &["version"]));
    let job = object(
        json!({
            "id": string,
            "model": string,
            "version": integer,
            "state": { "type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"] },
            "rows_done": integer,
            "rows_failed": integer,
            "bytes_done": integer,
            "bytes_total": integer,
            "error": { "type": "string", "description": "Why the job failed." },
            "input_format": { "type": "string", "enum": ["csv", "jsonl", "parquet"] },
            "output_format": { "type": "string", "enum": ["csv", "jsonl", "parquet"] },
            "engine": { "type": "string", "description": "onnxruntime, or runtime when ONNX Runtime is not installed." },
            "attempts": { "type": "integer", "description": "Runs started (a job whose server stopped is run again)." },
            "created": { "type": "integer", "description": "Unix time, seconds." },
            "updated": { "type": "integer", "description": "Unix time, seconds." },
        }),
        &[
            "id",
            "model",
            "version",
            "state",
            "rows_done",
            "rows_failed",
            "bytes_done",
            "bytes_total",
            "created",
            "updated",
        ],
    );
    let job = doc.schema("Job", job);
    let path = json!({ "path": { "type": "string", "description": "A file in the server's store." } });
    let batch_path = doc.schema("BatchPath", object(path, &["path"]));
    let token_request = object(
        json!({
            "role": role,
            "model": { "type": "string", "description": "Limit the token to this model." },
            "label": { "type": "string", "description": "A note to recognise the token by." },
        }),
        &["role"],
    );
    let token_request = doc.schema("TokenRequest", token_request);
    let token = object(json!({ "id": string, "role": role, "model": nullable, "label": nullable }), &["id", "role"]);
    let token = doc.schema("Token", token);
    let secret = json!({ "type": "string", "description": "The secret; shown this once." });
    let new_token = object(
        json!({ "id": string, "token": secret, "role": role, "model": nullable }),
        &["id", "token", "role", "model"],
    );
    let new_token = doc.schema("NewToken", new_token);
    let extensions = json!({ "type": "array", "items": string });
    let server = object(
        json!({ "name": string, "version": string, "extensions": extensions }),
        &["name", "version", "extensions"],
    );
    let server = doc.schema("ServerMetadata", server);

    let array = |items: &Value| vec![Media::json(json!({ "type": "array", "items": items }))];
    let json = |schema: &Value| vec![Media::json(schema.clone())];
    let any = || json(&json!({ "type": "object" }));
    let table = || {
        let binary = Media::bytes("application/vnd.apache.parquet");
        vec![Media::text("text/csv", None), Media::text("application/x-ndjson", None), binary]
    };
    let (get, post, put, delete) = (
        |path, id, summary| Op::new("get", path, id, summary),
        |path, id, summary| Op::new("post", path, id, summary),
        |path, id, summary| Op::new("put", path, id, summary),
        |path, id, summary| Op::new("delete", path, id, summary).reply(204, "Done.", vec![]),
    );
    let groups = [
        (
            "Registry",
            vec![
                get("/models", "listModels", "List the models")
                    .reply(200, "The models.", array(&summary))
                    .errors(LIST_ERRORS),
                get("/models/{name}", "getModel", "A model's versions and aliases").reply(
                    200,
                    "The model.",
                    json(&summary),
                ),
                post("/models/{name}/versions", "publishVersion", "Publish a version")
                    .describe("The body is an ONNX file carrying a citizen manifest; it becomes the next version.")
                    .body(vec![Media::bytes("application/octet-stream")])
                    .reply(201, "Published.", json(&published))
                    .errors(WRITE_ERRORS),
                delete("/models/{name}/versions/{version}", "deleteVersion", "Delete a version"),
                put("/models/{name}/aliases/{alias}", "setAlias", "Point an alias at a version")
                    .body(json(&alias))
                    .reply(200, "The alias now names the version.", any())
                    .errors(WRITE_ERRORS),
                delete("/models/{name}/aliases/{alias}", "deleteAlias", "Delete an alias"),
                get("/models/{name}/openapi.json", "getModelOpenapi", "A model's OpenAPI 3.1 document").reply(
                    200,
                    "The document.",
                    any(),
                ),
                get(
                    "/models/{name}/swagger.json",
                    "getModelSwagger",
                    "A model's Swagger 2.0 document (Power Automate, Logic Apps)",
                )
                .reply(200, "The document.", any()),
            ],
        ),
        (
            "Batch jobs",
            vec![
                post("/models/{name}/batch", "submitBatch", "Start a batch job")
                    .describe(
                        "Predicts every row of a table in the background: a CSV, JSON Lines or Parquet body, or \
                         `{\"path\": ...}` naming a file in the server's store.",
                    )
                    .body(table().into_iter().chain([Media::json(batch_path)]).collect())
                    .reply(202, "The job, queued.", json(&job))
                    .errors(PREDICT_ERRORS),
                get("/jobs", "listJobs", "List the batch jobs")
                    .reply(200, "The jobs.", array(&job))
                    .errors(LIST_ERRORS),
                get("/jobs/{id}", "getJob", "A batch job's progress").reply(200, "The job.", json(&job)),
                get("/jobs/{id}/result", "getJobResult", "A batch job's result").reply(
                    200,
                    "The input rows with the output columns appended, in the input's format.",
                    table(),
                ),
                get("/jobs/{id}/errors", "getJobErrors", "The rows a batch job could not predict").reply(
                    200,
                    "CSV `row,field,reason`: one line per problem, rows counted from 1 after the header.",
                    vec![Media::text("text/csv", None)],
                ),
                delete("/jobs/{id}", "cancelJob", "Cancel a running batch job, or delete a finished one").reply(
                    202,
                    "The job, cancelled (a finished job is deleted instead: 204, no body).",
                    json(&job),
                ),
            ],
        ),
        (
            "Datasets",
            vec![
                get("/datasets", "listDatasets", "List the datasets").reply(200, "The datasets.", any()),
                get("/datasets/{name}", "getDataset", "A dataset: its ingests and columns").reply(
                    200,
                    "The dataset.",
                    any(),
                ),
                post("/datasets/{name}/files", "ingestFile", "Add a table file to a dataset")
                    .describe("`?filename=`, `?key=COLUMN`, `?replace=true`, `?allow_schema_change=true`.")
                    .body(table().into_iter().chain([Media::json(json!({ "type": "array" }))]).collect())
                    .reply(201, "The ingest record.", any())
                    .errors(WRITE_ERRORS),
                get("/datasets/{name}/table", "getDatasetTable", "The curated table").reply(
                    200,
                    "Parquet.",
                    vec![Media::bytes("application/vnd.apache.parquet")],
                ),
                get("/datasets/{name}/rows", "getDatasetRows", "The first rows, and histograms of numeric columns")
                    .describe("`?limit=` (at most 1000, default 50).")
                    .reply(200, "`columns`, `rows`, `total`, `histograms` (`edges`, `counts`).", any()),
                get("/datasets/{name}/schema", "getDatasetSchema", "The schema the trainer infers for a target")
                    .describe("`?target=COLUMN`, `?exclude=a,b`, `?categorical=c`: types, missing values, distinct values, roles, warnings.")
                    .reply(200, "The schema.", any()),
                post("/datasets/{name}/score", "scoreDataset", "Score the dataset with a model (new and changed rows)")
                    .body(json(&json!({ "type": "object", "properties": { "model": string, "version": string }, "required": ["model"] })))
                    .reply(200, "What was scored.", any()),
                get("/datasets/{name}/scored", "listScored", "The models the dataset was scored with").reply(
                    200,
                    "`scored`: model, version, outputs.",
                    any(),
                ),
                get("/datasets/{name}/scored/{model}/rows", "getScoredRows", "The first rows of a scored table").reply(
                    200,
                    "As the dataset's rows, with `outputs` naming the added columns.",
                    any(),
                ),
            ],
        ),
        (
            "Training",
            vec![
                post("/train", "train", "Train a model on a dataset in the background")
                    .describe(
                        "`dataset`, `target`, `time_budget_secs`, `exclude`, `categorical`; with `name` (and \
                         `alias`, `description`) the winner is published when done, else it waits for \
                         `POST /train/{id}/publish`.",
                    )
                    .body(any())
                    .reply(202, "The training job, queued.", any())
                    .errors(WRITE_ERRORS),
                get("/train", "listTraining", "The caller's training jobs").reply(200, "`jobs`, newest first.", any()),
                get("/train/{id}", "getTraining", "A training job: progress, lines, evaluation").reply(
                    200,
                    "The job.",
                    any(),
                ),
                delete("/train/{id}", "cancelTraining", "Cancel a training job").reply(
                    202,
                    "The job; it becomes `cancelled` within seconds.",
                    any(),
                ),
                post("/train/{id}/publish", "publishTraining", "Publish a training job's model")
                    .body(json(&json!({ "type": "object", "properties": { "name": string, "description": string, "alias": string }, "required": ["name"] })))
                    .reply(201, "Published.", json(&published))
                    .errors(WRITE_ERRORS),
            ],
        ),
        (
            "Lifecycle",
            vec![
                get("/models/{name}/drift", "getDrift", "Drift of the model's inputs against its training data")
                    .describe("Recent prediction requests, or `?dataset=NAME`; population stability index per field.")
                    .reply(200, "The drift report.", any()),
                get("/models/{name}/policy", "getPolicy", "The model's retraining policy").reply(
                    200,
                    "The policy.",
                    any(),
                ),
                put("/models/{name}/policy", "setPolicy", "Set the model's retraining policy")
                    .body(any())
                    .reply(200, "The policy.", any())
                    .errors(WRITE_ERRORS),
                post("/models/{name}/retrain", "retrain", "Train a challenger now").reply(
                    202,
                    "`job`: the challenger's training job.",
                    any(),
                ),
                get("/models/{name}/decisions", "listDecisions", "Every retraining and rollback decision").reply(
                    200,
                    "`decisions`, newest first.",
                    any(),
                ),
                post("/models/{name}/rollback", "rollback", "Point the policy's alias back at a version")
                    .body(json(&alias))
                    .reply(200, "The decision.", any())
                    .errors(WRITE_ERRORS),
            ],
        ),
        (
            "Tokens",
            vec![
                post("/tokens", "createToken", "Create a token")
                    .body(json(&token_request))
                    .reply(201, "The token; its secret is not shown again.", json(&new_token))
                    .errors(WRITE_ERRORS),
                get("/tokens", "listTokens", "List the tokens")
                    .reply(200, "The tokens, without their secrets.", array(&token))
                    .errors(LIST_ERRORS),
                delete("/tokens/{id}", "deleteToken", "Revoke a token"),
                get("/whoami", "whoami", "The caller's token: id, role, model").reply(200, "The token.", json(&token)),
            ],
        ),
        (
            "Health",
            vec![
                get("/v2/health/live", "serverLive", "Liveness (OIP V2)")
                    .reply(200, "The server is live.", vec![])
                    .public(),
                get("/v2/health/ready", "serverReady", "Readiness (OIP V2)")
                    .reply(200, "The server is ready.", vec![])
                    .public(),
                get("/metrics", "metrics", "Metrics in the Prometheus text format")
                    .reply(200, "The metrics.", vec![Media::text("text/plain", None)])
                    .public(),
            ],
        ),
        (
            OIP,
            vec![
                get("/v2", "serverMetadata", "Server metadata (OIP V2)")
                    .reply(200, "The server's name, version and protocol extensions.", json(&server))
                    .public(),
            ],
        ),
    ];
    for (tag, ops) in groups {
        for op in ops {
            doc.add(op.tag(tag));
        }
    }
}

#[cfg(test)]
mod tests;
