//! The generated API documents checked by a real validator:
//! openapi-spec-validator (Swagger 2.0 and OpenAPI 3.1), run through the
//! Python venv `scripts/setup.sh` makes. Every example is also checked
//! against its schema with jsonschema, which the validator depends on.
//! Broken documents must be rejected, so the test cannot pass vacuously.

use std::path::{Path, PathBuf};
use std::process::Command;

use host::openapi::{model_openapi, model_swagger, server_openapi};
use runtime_wasm::Manifest;
use serde_json::{Value, json};

const CHECK: &str = r#"
import json, sys
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV31SpecValidator
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

def esc(key):
    return str(key).replace("~", "~0").replace("/", "~1")

def examples(doc, v2):
    """(JSON pointer of a schema, example) for every example of the document."""
    out = []
    schemas = doc.get("definitions", {}) if v2 else doc.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        at = ("/definitions/" if v2 else "/components/schemas/") + esc(name)
        out += [(at, schema["example"])] if v2 and "example" in schema else []
        out += [] if v2 else [(at, e) for e in schema.get("examples", [])]
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            at = f"/paths/{esc(path)}/{method}"
            bodies = [("requestBody", op.get("requestBody", {}))]
            bodies += [(f"responses/{code}", r) for code, r in op.get("responses", {}).items()]
            for where, body in bodies:
                if v2:
                    out += [(f"{at}/{where}/schema", e) for e in body.get("examples", {}).values()]
                    continue
                for mime, media in body.get("content", {}).items():
                    schema = f"{at}/{where}/content/{esc(mime)}/schema"
                    out += [(schema, e["value"]) for e in media.get("examples", {}).values()]
    return out

for path in sys.argv[1:]:
    doc = json.load(open(path))
    v2 = "swagger" in doc
    report = {"file": path, "spec": None, "examples": [], "checked": 0}
    try:
        (OpenAPIV2SpecValidator if v2 else OpenAPIV31SpecValidator)(doc).validate()
    except Exception as e:
        report["spec"] = f"{type(e).__name__}: {e}"
    registry = Registry().with_resource(
        "urn:doc", Resource.from_contents(doc, default_specification=DRAFT4 if v2 else DRAFT202012))
    for pointer, example in examples(doc, v2):
        validator = (Draft4Validator if v2 else Draft202012Validator)({"$ref": "urn:doc#" + pointer}, registry=registry)
        report["examples"] += [f"{pointer}: {e.message[:300]}" for e in validator.iter_errors(example)]
        report["checked"] += 1
    print(json.dumps(report))
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn python() -> PathBuf {
    let cache = std::env::var("CITIZEN_CACHE")
        .unwrap_or_else(|_| format!("{}/.cache/citizen", std::env::var("HOME").unwrap_or_default()));
    let python = Path::new(&cache).join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh, which makes the venv and installs openapi-spec-validator into it",
        python.display()
    );
    python
}

fn shipped(file: &str) -> Manifest {
    let bytes = std::fs::read(repo().join("models").join(file)).unwrap();
    runtime_wasm::ModelFile::parse(&bytes).unwrap().manifest().unwrap().clone()
}

/// What the validator said about one document.
struct Report {
    spec: Option<String>,
    examples: Vec<String>,
    checked: u64,
}

/// Writes the documents and validates them all in one Python run.
fn validate(docs: &[(&str, Value)]) -> Vec<Report> {
    let dir = std::env::temp_dir().join(format!("citizen-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = docs.iter().map(|(name, _)| dir.join(format!("{name}.json"))).collect();
    for (file, (_, doc)) in files.iter().zip(docs) {
        std::fs::write(file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    }
    let out = Command::new(python()).arg("-c").arg(CHECK).args(&files).output().expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the validator script failed (is openapi-spec-validator installed?):\n{stderr}");
    let reports: Vec<Report> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            Report {
                spec: v["spec"].as_str().map(String::from),
                examples: v["examples"].as_array().unwrap().iter().map(|e| e.to_string()).collect(),
                checked: v["checked"].as_u64().unwrap(),
            }
        })
        .collect();
    assert_eq!(reports.len(), docs.len(), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
    reports
}

#[test]
fn documents_pass_the_validator_and_broken_ones_do_not() {
    let url = "https://ai.example.com/citizen";
    let car = shipped("car-price.onnx");
    let iris = shipped("iris-species.onnx");
    let models = vec![("car-price".to_string(), car.clone()), ("iris-species".to_string(), iris.clone())];
    let mut docs = vec![("server.openapi", server_openapi(url, &models))];
    for (name, m) in &models {
        docs.push(("model.openapi", model_openapi(name, Some(1), m, url)));
        docs.push(("model.swagger", model_swagger(name, Some(1), m, url)));
    }
    let docs: Vec<(String, Value)> = docs.into_iter().enumerate().map(|(i, (n, d))| (format!("{i}-{n}"), d)).collect();

    // Broken on purpose: no `info`, and examples their schemas refuse.
    let mut broken: Vec<(String, Value)> = Vec::new();
    for (name, doc) in &docs[..3] {
        let mut doc = doc.clone();
        doc.as_object_mut().unwrap().remove("info");
        broken.push((format!("{name}-no-info"), doc));
    }
    let mut doc = model_openapi("iris-species", None, &iris, url);
    doc["components"]["schemas"]["Input"]["examples"][0]["Sepal.Length"] = json!("wide");
    broken.push(("iris-bad-example".into(), doc));
    let mut doc = model_swagger("car-price", None, &car, url);
    doc["definitions"]["Input"]["example"]["Type"] = json!("Spaceship");
    broken.push(("car-bad-example".into(), doc));

    let all: Vec<(&str, Value)> = docs.iter().chain(&broken).map(|(n, d)| (n.as_str(), d.clone())).collect();
    let reports = validate(&all);
    for ((name, _), r) in docs.iter().zip(&reports) {
        assert!(r.spec.is_none(), "{name} is invalid: {}", r.spec.as_deref().unwrap_or_default());
        assert!(r.examples.is_empty(), "{name} has examples its schemas refuse:\n{}", r.examples.join("\n"));
        assert!(r.checked >= 8, "{name}: only {} examples checked", r.checked);
    }
    let broken_reports = &reports[docs.len()..];
    for ((name, _), r) in broken.iter().zip(broken_reports).take(3) {
        assert!(r.spec.as_deref().is_some_and(|e| e.contains("info")), "{name} was accepted: {:?}", r.spec);
    }
    for ((name, _), r) in broken.iter().zip(broken_reports).skip(3) {
        assert!(r.spec.is_none(), "{name}: {:?}", r.spec);
        assert_eq!(r.examples.len(), 1, "{name}: the bad example was not caught: {:?}", r.examples);
    }
}
