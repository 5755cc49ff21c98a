use super::*;
use manifest::Table;

const SERVER: &str = "https://ai.example.com:8443/api";

fn shipped(file: &str) -> Manifest {
    let path = format!("{}/../models/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    runtime_wasm::ModelFile::parse(&bytes).unwrap().manifest().unwrap().clone()
}

fn golden_inputs(m: &Manifest) -> Vec<Value> {
    m.golden.iter().map(|g| Value::Object(g.input.clone())).collect()
}

fn golden_outputs(m: &Manifest) -> Vec<Value> {
    m.golden.iter().map(|g| Value::Object(g.output.clone())).collect()
}

/// The model's input matrix for these rows: equal matrices mean the rows say the same thing.
fn encoded(m: &Manifest, rows: &Value) -> Vec<f32> {
    m.encode(&Table::from_json(&rows.to_string()).unwrap()).unwrap()
}

/// Every `$ref` in the document points at something.
fn refs_resolve(doc: &Value) {
    fn walk(node: &Value, doc: &Value) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let pointer = r.strip_prefix('#').unwrap();
                    assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
                }
                map.values().for_each(|v| walk(v, doc));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc)),
            _ => {}
        }
    }
    walk(doc, doc);
}

/// Operation ids: unique, and identifiers.
fn operation_ids(doc: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for ops in doc["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap().to_string();
            let mut chars = id.chars();
            assert!(chars.next().unwrap().is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert!(!ids.contains(&id), "operationId {id} twice");
            ids.push(id);
        }
    }
    ids
}

#[test]
fn car_price_input_schema_types_fields_and_requires_those_without_default() {
    let m = shipped("car-price.onnx");
    let doc = model_openapi("car-price", Some(3), &m, SERVER);
    let input = &doc["components"]["schemas"]["Input"];
    let required = ["Type", "AirBags", "DriveTrain", "Cylinders", "Man.trans.avail", "Origin"];
    assert_eq!(input["required"], json!(required));
    let props = &input["properties"];
    assert_eq!(props.as_object().unwrap().len(), m.signature.inputs.len());
    assert_eq!(props["Type"]["type"], "string");
    assert_eq!(props["Type"]["enum"], json!(["Compact", "Large", "Midsize", "Small", "Sporty", "Van"]));
    assert_eq!(props["Cylinders"]["enum"], json!(["3", "4", "5", "6", "8", "rotary"]));
    assert!(props["Cylinders"]["description"].as_str().unwrap().contains("JSON numbers"));
    assert_eq!(props["Man.trans.avail"]["type"], "boolean");
    // The range seen in training is a hint, not a bound; a field with a default may be null.
    let hp = &props["Horsepower"];
    assert_eq!((&hp["type"], &hp["default"]), (&json!(["number", "null"]), &json!(140.0)));
    assert!(hp.get("minimum").is_none() && hp.get("maximum").is_none());
    assert!(hp["description"].as_str().unwrap().contains("55 to 300"), "{hp}");
    assert_eq!(doc["components"]["schemas"]["Output"]["properties"]["Price"], json!({ "type": "number" }));
    assert_eq!(doc["info"]["version"], "3");
    let cv = format!("cv_rmse {}", m.metrics["cv_rmse"]);
    assert!(doc["info"]["description"].as_str().unwrap().contains(&cv), "{cv}");
    assert_eq!(doc["components"]["parameters"]["Version"]["example"], "3");
}

#[test]
fn examples_are_the_golden_cases() {
    for (file, name) in [("car-price.onnx", "car-price"), ("iris-species.onnx", "iris-species")] {
        let m = shipped(file);
        let doc = model_openapi(name, Some(2), &m, SERVER);
        let predict = &doc["paths"][format!("/models/{name}/predict")]["post"];
        let body = &predict["requestBody"]["content"]["application/json"]["examples"];
        let (row, rows) = (&body["row"]["value"], &body["rows"]["value"]);
        assert_eq!(rows.as_array().unwrap().len(), m.golden.len());
        // The same rows, typed as the schema types them (car-price's "Yes" is `true`).
        let golden = json!(golden_inputs(&m));
        assert_eq!(encoded(&m, rows), encoded(&m, &golden));
        assert_eq!(encoded(&m, &json!([row])), encoded(&m, &json!([golden[0]])));
        let reply = &predict["responses"]["200"]["content"]["application/json"]["examples"]["golden"]["value"];
        assert_eq!(reply, &json!({ "model": name, "version": 2, "predictions": golden_outputs(&m) }));
        let swagger = model_swagger(name, Some(2), &m, SERVER);
        assert_eq!(&swagger["definitions"]["PredictRequest"]["example"], rows);
        let reply = &swagger["paths"][format!("/models/{name}/predict")]["post"]["responses"]["200"]["examples"];
        assert_eq!(reply["application/json"]["predictions"], json!(golden_outputs(&m)));
    }
    // Iris's golden inputs are numbers already: its examples are them, value for value.
    let m = shipped("iris-species.onnx");
    let doc = model_openapi("iris-species", None, &m, SERVER);
    let body = &doc["paths"]["/models/iris-species/predict"]["post"]["requestBody"]["content"];
    assert_eq!(body["application/json"]["examples"]["rows"]["value"], json!(golden_inputs(&m)));
    let csv = body["text/csv"]["examples"]["golden"]["value"].as_str().unwrap();
    assert!(csv.starts_with("Sepal.Length,Sepal.Width,Petal.Length,Petal.Width\n5.1,3.5,1.4,0.2\n"), "{csv}");
    let reply = &doc["paths"]["/models/iris-species/predict"]["post"]["responses"]["200"]["content"];
    let csv = reply["text/csv"]["examples"]["golden"]["value"].as_str().unwrap();
    let header = "Sepal.Length,Sepal.Width,Petal.Length,Petal.Width,label,probability_setosa,probability_versicolor,\
                  probability_virginica\n";
    assert!(csv.starts_with(header), "{csv}");
    let first: Value = serde_json::from_str(
        reply["application/x-ndjson"]["examples"]["golden"]["value"].as_str().unwrap().lines().next().unwrap(),
    )
    .unwrap();
    assert_eq!(first["label"], "setosa");
    assert_eq!(first["Petal.Width"], 0.2);
}

#[test]
fn classifier_outputs_are_a_label_enum_and_probabilities_by_class() {
    let m = shipped("iris-species.onnx");
    let classes = json!(["setosa", "versicolor", "virginica"]);
    for doc in [model_openapi("iris-species", None, &m, SERVER), model_swagger("iris-species", None, &m, SERVER)] {
        let schemas = doc.get("components").map_or(&doc["definitions"], |c| &c["schemas"]);
        let output = &schemas["Output"];
        assert_eq!(output["required"], json!(["label", "probability"]));
        assert_eq!(output["properties"]["label"]["enum"], classes);
        let probability = &output["properties"]["probability"];
        assert_eq!(probability["required"], classes);
        assert_eq!(probability["properties"]["virginica"], json!({ "type": "number" }));
        // No field of iris lacks a default: nothing is required.
        assert!(schemas["Input"].get("required").is_none());
    }
}

#[test]
fn open_inference_protocol_examples_use_the_flat_column_names() {
    let m = shipped("iris-species.onnx");
    let doc = model_openapi("iris-species", Some(4), &m, SERVER);
    let infer = &doc["paths"]["/v2/models/iris-species/infer"]["post"];
    let request = &infer["requestBody"]["content"]["application/json"]["examples"]["golden"]["value"];
    let inputs = request["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 4);
    assert_eq!(
        inputs[0],
        json!({ "name": "Sepal.Length", "shape": [6], "datatype": "FP64", "data": [5.1, 7, 6.3, 5.9, 6, 6.3] })
    );
    let response = &doc["components"]["schemas"]["InferResponse"]["examples"][0];
    assert_eq!(response["model_version"], "4");
    let names: Vec<&str> =
        response["outputs"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["label", "probability_setosa", "probability_versicolor", "probability_virginica"]);
    assert_eq!(response["outputs"][0]["data"][0], "setosa");
    assert_eq!(response["outputs"][1]["data"][0], m.golden[0].output["probability"]["setosa"]);
    let metadata = &doc["components"]["schemas"]["ModelMetadata"]["examples"][0];
    assert_eq!(metadata["outputs"][3], json!({ "name": "probability_virginica", "datatype": "FP32", "shape": [-1] }));
    let car = shipped("car-price.onnx");
    let doc = model_openapi("car-price", None, &car, SERVER);
    let inputs = &doc["components"]["schemas"]["InferRequest"]["examples"][0]["inputs"];
    let by_name = |n: &str| inputs.as_array().unwrap().iter().find(|t| t["name"] == n).unwrap().clone();
    assert_eq!(by_name("Man.trans.avail")["datatype"], "BOOL");
    assert_eq!(by_name("Man.trans.avail")["data"][0], true);
    assert_eq!(by_name("Type")["datatype"], "BYTES");
}

#[test]
fn swagger_stays_within_swagger_2() {
    let m = shipped("car-price.onnx");
    let doc = model_swagger("car-price", None, &m, SERVER);
    assert_eq!(
        (&doc["swagger"], &doc["host"], &doc["basePath"]),
        (&json!("2.0"), &json!("ai.example.com:8443"), &json!("/api"))
    );
    assert_eq!(doc["schemes"], json!(["https"]));
    assert_eq!(doc["securityDefinitions"]["bearer"]["type"], "apiKey");
    let text = doc.to_string();
    for absent in ["oneOf", "nullable", "\"null\"", "text/csv", "x-ndjson", "requestBody", "components"] {
        assert!(!text.contains(absent), "{absent} in the Swagger document");
    }
    let predict = &doc["paths"]["/models/car-price/predict"]["post"];
    assert_eq!(predict["parameters"][0]["in"], "body");
    assert_eq!(predict["parameters"][0]["schema"]["$ref"], "#/definitions/PredictRequest");
    assert_eq!(doc["definitions"]["PredictRequest"]["type"], "array");
    assert_eq!(doc["definitions"]["Input"]["properties"]["Type"]["x-ms-summary"], "Type");
    let download = &doc["paths"]["/models/car-price/versions/{version}/model.onnx"]["get"];
    assert_eq!(download["responses"]["200"]["schema"], json!({ "type": "string", "format": "binary" }));
    assert!(download["responses"]["200"]["headers"].get("ETag").is_some());
    let bare = model_swagger("car-price", None, &m, "/");
    assert!(bare.get("host").is_none() && bare.get("schemes").is_none());
    assert_eq!(bare["basePath"], "/");
    refs_resolve(&doc);
    assert_eq!(operation_ids(&doc).len(), 8);
}

#[test]
fn model_document_lists_every_model_route_with_its_errors() {
    let m = shipped("iris-species.onnx");
    let doc = model_openapi("iris-species", None, &m, SERVER);
    refs_resolve(&doc);
    let ids = operation_ids(&doc);
    let expected = [
        "predict",
        "predictVersion",
        "infer",
        "inferVersion",
        "getManifest",
        "downloadModel",
        "modelMetadata",
        "modelReady",
    ];
    assert_eq!(ids, expected);
    let responses = &doc["paths"]["/models/iris-species/predict"]["post"]["responses"];
    let statuses: Vec<&String> = responses.as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["200", "400", "401", "403", "404", "413", "415", "422", "500"]);
    assert_eq!(responses["422"]["$ref"], "#/components/responses/UnprocessableContent");
    let error = &doc["components"]["responses"]["UnprocessableContent"]["content"]["application/json"]["schema"];
    assert_eq!(error["$ref"], "#/components/schemas/Error");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let manifest = &doc["paths"]["/models/iris-species/versions/{version}"]["get"]["responses"]["200"];
    assert_eq!(manifest["content"]["application/json"]["schema"]["examples"][0]["name"], "iris-species");
}

#[test]
fn server_document_has_the_registry_and_each_models_own_routes() {
    let models = vec![
        ("car-price".to_string(), shipped("car-price.onnx")),
        ("iris-species".to_string(), shipped("iris-species.onnx")),
        ("iris_species".to_string(), shipped("iris-species.onnx")),
    ];
    let doc = server_openapi(SERVER, &models);
    refs_resolve(&doc);
    let ids = operation_ids(&doc);
    for id in ["predict", "listModels", "publishVersion", "submitBatch", "cancelJob", "createToken", "metrics"] {
        assert!(ids.iter().any(|i| i == id), "no {id} in {ids:?}");
    }
    for id in ["predictCarPrice", "predictVersionIrisSpecies", "inferIrisSpecies2", "inferVersionCarPrice"] {
        assert!(ids.iter().any(|i| i == id), "no {id} in {ids:?}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["CarPriceInput"]["properties"]["Type"]["enum"][0], "Compact");
    assert_eq!(schemas["IrisSpecies2Output"]["properties"]["label"]["enum"][2], "virginica");
    assert_eq!(schemas["Input"]["type"], "object");
    let paths = &doc["paths"];
    assert!(paths["/models/{name}/predict"]["post"].is_object());
    assert!(paths["/models/car-price/versions/{version}/predict"]["post"].is_object());
    assert!(paths["/models/car-price/openapi.json"].is_null(), "generic routes are not repeated per model");
    assert_eq!(paths["/v2/health/live"]["get"]["security"], json!([]));
    assert_eq!(paths["/metrics"]["get"]["security"], json!([]), "metrics are open to scrapers");
    let job = &schemas["Job"]["properties"]["state"]["enum"];
    assert_eq!(job, &json!(["queued", "running", "succeeded", "failed", "cancelled"]));
    let batch = paths["/models/{name}/batch"]["post"]["requestBody"]["content"].as_object().unwrap();
    let kinds: Vec<&String> = batch.keys().collect();
    assert_eq!(kinds, ["text/csv", "application/x-ndjson", "application/vnd.apache.parquet", "application/json"]);
}

#[test]
fn names_become_paths_and_identifiers() {
    assert_eq!(path_segment("car price/v2"), "car%20price%2Fv2");
    assert_eq!(pascal("car-price"), "CarPrice");
    assert_eq!(pascal("3d.model_x"), "3dModelX");
    assert_eq!(pascal("--"), "Model");
}
