//! `citizen serve` as its callers see it: a real server process on
//! 127.0.0.1, a real store (a local folder, and Azurite for Azure Blob),
//! real HTTP.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Server, citizen, json_of, many_cars, publish, repo, scratch};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn model(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("models").join(name)).unwrap()
}

fn manifest_of(file: &str) -> Value {
    let o = citizen().args(["inspect", "--json", &format!("models/{file}")]).output().unwrap();
    serde_json::from_slice(&o.stdout).unwrap()
}

async fn predict(c: &Client, s: &Server, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    json_of(c.post(s.at(path)).bearer_auth(token).json(body).send().await.unwrap()).await
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-5 + 1e-5 * y.abs(),
        _ => match (a, b) {
            (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| close(v, &y[k])),
            _ => a == b,
        },
    }
}

/// The registry and prediction journey, the same on every store.
async fn registry_journey(s: &Server) {
    let c = Client::new();
    let maker = s.token("maker", None);

    // Publish two models; versions count from 1 per name.
    let (st, v1) = json_of(publish(&c, s, &maker, "car-price", model("car-price.onnx")).await).await;
    assert_eq!(st, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["version"], 1);
    let (st, v2) = json_of(publish(&c, s, &maker, "car-price", model("car-price-gbr.onnx")).await).await;
    assert_eq!((st, v2["version"].clone()), (StatusCode::CREATED, json!(2)));
    let (st, _) = json_of(publish(&c, s, &maker, "iris", model("iris-species.onnx")).await).await;
    assert_eq!(st, StatusCode::CREATED);

    // Golden cases through the API: latest, by number, by alias.
    for (path, file) in [
        ("/models/car-price/predict", "car-price-gbr.onnx"),
        ("/models/car-price/versions/1/predict", "car-price.onnx"),
        ("/models/iris/predict", "iris-species.onnx"),
    ] {
        let m = manifest_of(file);
        let inputs: Vec<Value> = m["golden"].as_array().unwrap().iter().map(|g| g["input"].clone()).collect();
        let (st, out) = predict(&c, s, &maker, path, &Value::Array(inputs)).await;
        assert_eq!(st, StatusCode::OK, "{out}");
        for (g, got) in m["golden"].as_array().unwrap().iter().zip(out["predictions"].as_array().unwrap()) {
            for (k, want) in g["output"].as_object().unwrap() {
                assert!(close(&got[k], want), "{path}: {k} = {} but golden {want}", got[k]);
            }
        }
        // One object is one row.
        let (st, one) = predict(&c, s, &maker, path, &m["golden"][0]["input"]).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(one["predictions"].as_array().unwrap().len(), 1);
    }

    // Aliases: set, use, move, refuse bad ones, delete.
    let alias = |v: u64| json!({ "version": v });
    let r = c.put(s.at("/models/car-price/aliases/prod")).bearer_auth(&maker).json(&alias(1)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let m1 = manifest_of("car-price.onnx");
    let (_, out) = predict(&c, s, &maker, "/models/car-price/versions/prod/predict", &m1["golden"][0]["input"]).await;
    assert_eq!(out["version"], 1);
    let r = c.put(s.at("/models/car-price/aliases/prod")).bearer_auth(&maker).json(&alias(2)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, out) = predict(&c, s, &maker, "/models/car-price/versions/prod/predict", &m1["golden"][0]["input"]).await;
    assert_eq!(out["version"], 2, "the alias moved on this server at once");
    for (bad, code) in [("latest", StatusCode::BAD_REQUEST), ("7", StatusCode::BAD_REQUEST)] {
        let r = c
            .put(s.at(&format!("/models/car-price/aliases/{bad}")))
            .bearer_auth(&maker)
            .json(&alias(1))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), code, "alias {bad}");
    }
    let r = c.put(s.at("/models/car-price/aliases/qa")).bearer_auth(&maker).json(&alias(9)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "an alias to a missing version");

    // Listing shows versions and aliases.
    let (st, list) = json_of(c.get(s.at("/models")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    let names: Vec<&str> = list["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["car-price", "iris"]);
    assert_eq!(list["models"][0]["versions"], json!([1, 2]));
    assert_eq!(list["models"][0]["aliases"], json!({ "prod": 2 }));
    assert_eq!(list["models"][1]["task"], "classification");
    // One model is what the list says of it.
    let (st, one) = json_of(c.get(s.at("/models/iris")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(one, list["models"][1]);

    // Download with ETag; a matching If-None-Match is a 304.
    let r = c.get(s.at("/models/car-price/versions/1/model.onnx")).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(r.bytes().await.unwrap().as_ref(), model("car-price.onnx").as_slice());
    let r = c
        .get(s.at("/models/car-price/versions/1/model.onnx"))
        .bearer_auth(&maker)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);

    // Manifest of a version.
    let (st, v) = json_of(c.get(s.at("/models/iris/versions/latest")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["manifest"]["task"], "classification");
    assert_eq!(v["info"]["size"], model("iris-species.onnx").len());

    // Delete version 2: prod goes with it, latest falls back, and the number is never reused.
    let r = c.delete(s.at("/models/car-price/versions/2")).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (st, _) = predict(&c, s, &maker, "/models/car-price/versions/2/predict", &m1["golden"][0]["input"]).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = predict(&c, s, &maker, "/models/car-price/versions/prod/predict", &m1["golden"][0]["input"]).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, out) = predict(&c, s, &maker, "/models/car-price/predict", &m1["golden"][0]["input"]).await;
    assert_eq!(out["version"], 1);
    let (_, v3) = json_of(publish(&c, s, &maker, "car-price", model("car-price-gbr.onnx")).await).await;
    assert_eq!(v3["version"], 3, "a deleted version's number is not given again");

    // Concurrent publishes of one name: every one gets its own number.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (c, url, maker) = (c.clone(), s.at("/models/race/versions"), maker.clone());
            tokio::spawn(async move {
                let r = c
                    .post(url)
                    .bearer_auth(maker)
                    .header("content-type", "application/octet-stream")
                    .body(model("iris-species.onnx"))
                    .send()
                    .await
                    .unwrap();
                json_of(r).await
            })
        })
        .collect();
    let mut versions = Vec::new();
    for t in tasks {
        let (st, v) = t.await.unwrap();
        assert_eq!(st, StatusCode::CREATED, "{v}");
        versions.push(v["version"].as_u64().unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=8).collect::<Vec<_>>());
    for v in 1..=8 {
        let r = c.get(s.at(&format!("/models/race/versions/{v}/model.onnx"))).bearer_auth(&maker).send().await.unwrap();
        assert_eq!(r.bytes().await.unwrap().as_ref(), model("iris-species.onnx").as_slice(), "version {v} intact");
    }
}

#[tokio::test]
async fn registry_and_prediction_on_a_local_folder() {
    let dir = scratch("local");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    registry_journey(&s).await;
    // Nothing lives in the server: a new one on the same store sees it all.
    let store = s.store.clone();
    drop(s);
    let s = Server::start(&store, &[], &[]);
    let reader = s.token("reader", Some("iris"));
    let (st, list) = json_of(Client::new().get(s.at("/models")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["models"].as_array().unwrap().len(), 1, "a reader of iris sees only iris: {list}");
}

#[tokio::test]
async fn csv_and_json_lines_predictions_equal_the_command_line() {
    let dir = scratch("csv");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &["--max-body-mib", "1"]);
    let c = Client::new();
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "car-price", model("car-price-gbr.onnx")).await.status(), StatusCode::CREATED);
    let cli = citizen().args(["predict", "--model", "models/car-price-gbr.onnx", "data/cars93.csv"]).output().unwrap();
    assert!(cli.status.success());
    let csv = std::fs::read(repo().join("data/cars93.csv")).unwrap();
    let r = c
        .post(s.at("/models/car-price/predict"))
        .bearer_auth(&maker)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv");
    assert_eq!(r.text().await.unwrap(), String::from_utf8(cli.stdout).unwrap(), "same bytes as citizen predict");

    let jsonl = "{\"Type\":\"Small\",\"AirBags\":\"None\",\"DriveTrain\":\"Front\",\"Cylinders\":\"4\",\"Man.trans.avail\":\"Yes\",\"Origin\":\"USA\"}\n";
    let lines = jsonl.repeat(3);
    let r = c
        .post(s.at("/models/car-price/predict"))
        .bearer_auth(&maker)
        .header("content-type", "application/x-ndjson")
        .body(lines)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 3);
    let row: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(row["Price"].is_number() && row["Type"] == "Small", "{row}");

    // A medium batch, above the JSON body limit, streams through the batch engine.
    let big = many_cars(200);
    assert!(big.len() > 2 << 20);
    let r = c
        .post(s.at("/models/car-price/predict"))
        .bearer_auth(&maker)
        .header("content-type", "text/csv")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().lines().count(), 93 * 200 + 1);
    // A bad row is a 422 naming it, like JSON.
    let text = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let bad = text.replacen("\"Midsize\"", "\"Spaceship\"", 1);
    let r = c
        .post(s.at("/models/car-price/predict"))
        .bearer_auth(&maker)
        .header("content-type", "text/csv")
        .body(bad)
        .send()
        .await
        .unwrap();
    let (st, err) = json_of(r).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((err["error"]["row"].clone(), err["error"]["field"].clone()), (json!(2), json!("Type")), "{err}");
    // Every row bad: the rows still, not a message about files.
    let sync = |body: &'static str| {
        c.post(s.at("/models/car-price/predict")).bearer_auth(&maker).header("content-type", "text/csv").body(body)
    };
    let all_bad = "Type,AirBags,DriveTrain,Cylinders,Man.trans.avail,Origin\nSpaceship,None,Front,4,Yes,USA\n";
    let (st, err) = json_of(sync(all_bad).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((err["error"]["row"].clone(), err["error"]["field"].clone()), (json!(1), json!("Type")), "{err}");
    // Columns missing: the message names the request, never the server's scratch files.
    let (st, err) = json_of(sync("Horsepower\n140\n").send().await.unwrap()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("the request body: the file has no column `Type`"), "{err}");
    // The code a JSON body of no model field gets: a problem of the input, not of rows.
    assert_eq!(err["error"]["code"], "invalid_input", "{err}");
    assert!(err["error"].get("row").is_none(), "{err}");
}

#[tokio::test]
async fn open_inference_protocol_v2() {
    let dir = scratch("oip");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "iris", model("iris-species.onnx")).await.status(), StatusCode::CREATED);
    for path in ["/v2/health/live", "/v2/health/ready"] {
        assert_eq!(c.get(s.at(path)).send().await.unwrap().status(), StatusCode::OK, "{path} needs no token");
    }
    let (st, meta) = json_of(c.get(s.at("/v2/models/iris")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(meta["platform"], "onnx");
    let (st, ready) = json_of(c.get(s.at("/v2/models/iris/ready")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!((st, ready["ready"].clone()), (StatusCode::OK, json!(true)));

    // Golden cases as OIP tensors: one per field, shape [rows].
    let m = manifest_of("iris-species.onnx");
    let golden = m["golden"].as_array().unwrap();
    let inputs: Vec<Value> = meta["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let name = i["name"].as_str().unwrap();
            let data: Vec<Value> = golden.iter().map(|g| g["input"][name].clone()).collect();
            json!({ "name": name, "datatype": i["datatype"], "shape": [data.len()], "data": data })
        })
        .collect();
    let req = json!({ "id": "r1", "inputs": &inputs });
    let (st, out) =
        json_of(c.post(s.at("/v2/models/iris/infer")).bearer_auth(&maker).json(&req).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!(out["id"], "r1");
    let (_, rest) = predict(
        &c,
        &s,
        &maker,
        "/models/iris/predict",
        &Value::Array(golden.iter().map(|g| g["input"].clone()).collect()),
    )
    .await;
    let label = m["signature"]["outputs"][0]["name"].as_str().unwrap();
    let tensor = out["outputs"].as_array().unwrap().iter().find(|o| o["name"] == label).unwrap();
    for (i, g) in golden.iter().enumerate() {
        assert_eq!(tensor["data"][i], g["output"][label], "OIP label of case {}", i + 1);
        assert_eq!(tensor["data"][i], rest["predictions"][i][label]);
    }
    // The API descriptions, per model and for the server, name this server.
    let (st, doc) = json_of(c.get(s.at("/models/iris/openapi.json")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!((st, doc["openapi"].clone()), (StatusCode::OK, json!("3.1.0")));
    assert_eq!(doc["servers"][0]["url"], s.url);
    let (_, doc) =
        json_of(c.get(s.at("/models/iris/versions/1/swagger.json")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(doc["swagger"], "2.0");
    assert_eq!(doc["host"], s.url.trim_start_matches("http://"));
    let (_, doc) = json_of(c.get(s.at("/openapi.json")).bearer_auth(&maker).send().await.unwrap()).await;
    assert!(doc["paths"].as_object().unwrap().keys().any(|p| p == "/models/iris/predict"), "{}", doc["paths"]);
    assert_eq!(c.get(s.at("/openapi.json")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // A ragged request is a clear 400.
    let bad = json!({ "inputs": [{ "name": "x", "shape": [3], "datatype": "FP32", "data": [1.0] }] });
    let (st, err) =
        json_of(c.post(s.at("/v2/models/iris/infer")).bearer_auth(&maker).json(&bad).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(err["error"]["message"].as_str().unwrap().contains("shape [3]"), "{err}");
    // So is a request of no tensors, or of one field twice.
    let twice = json!({ "inputs": [inputs[0], inputs[0]] });
    for (bad, needle) in [(json!({ "inputs": [] }), "no inputs"), (twice, "given twice")] {
        let (st, err) =
            json_of(c.post(s.at("/v2/models/iris/infer")).bearer_auth(&maker).json(&bad).send().await.unwrap()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
        assert!(err["error"]["message"].as_str().unwrap().contains(needle), "{err}");
    }
}

#[tokio::test]
async fn tokens_and_roles_give_401_and_403_where_due() {
    let dir = scratch("auth");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let admin = s.token("admin", None);
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "iris", model("iris-species.onnx")).await.status(), StatusCode::CREATED);
    assert_eq!(publish(&c, &s, &maker, "cars", model("car-price-gbr.onnx")).await.status(), StatusCode::CREATED);

    // Tokens made over HTTP by an admin; only an admin may.
    let (st, t) = json_of(
        c.post(s.at("/tokens"))
            .bearer_auth(&admin)
            .json(&json!({"role": "reader", "model": "iris"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    let reader = t["token"].as_str().unwrap().to_string();
    let (st, _) =
        json_of(c.post(s.at("/tokens")).bearer_auth(&maker).json(&json!({"role": "admin"})).send().await.unwrap())
            .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    let iris = manifest_of("iris-species.onnx")["golden"][0]["input"].clone();
    let get = |path: &str, token: Option<&str>| {
        let mut r = c.get(s.at(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get("/models", None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get("/models", Some("ctz_000000000000_nope")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get("/models", Some("garbage")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (st, list) = json_of(get("/models", Some(&reader)).await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["models"].as_array().unwrap().len(), 1);
    assert_eq!(predict(&c, &s, &reader, "/models/iris/predict", &iris).await.0, StatusCode::OK);
    assert_eq!(predict(&c, &s, &reader, "/models/cars/predict", &iris).await.0, StatusCode::FORBIDDEN);
    assert_eq!(get("/models/cars/versions/1/model.onnx", Some(&reader)).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(publish(&c, &s, &reader, "iris", model("iris-species.onnx")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        c.delete(s.at("/models/iris/versions/1")).bearer_auth(&reader).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(get("/tokens", Some(&maker)).await.unwrap().status(), StatusCode::FORBIDDEN);

    // Tokens are listed without their secrets, and stored only as hashes.
    let (_, tokens) = json_of(get("/tokens", Some(&admin)).await.unwrap()).await;
    assert_eq!(tokens["tokens"].as_array().unwrap().len(), 3);
    assert!(!tokens.to_string().contains(&reader));
    let stored: String =
        walk(&dir.join("store")).iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect();
    assert!(!stored.contains(&reader[4..]) && !stored.contains(&admin[4..]), "a token's secret is in the store");

    // Revoked: 401 at once on this server.
    let id = t["id"].as_str().unwrap();
    assert_eq!(
        c.delete(s.at(&format!("/tokens/{id}"))).bearer_auth(&admin).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(predict(&c, &s, &reader, "/models/iris/predict", &iris).await.0, StatusCode::UNAUTHORIZED);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn bad_input_gets_clear_json_errors_and_the_registry_stays_whole() {
    let dir = scratch("bad");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &["--max-body-mib", "1"]);
    // No pooled connections: the server closes one after refusing a body it did not read (413).
    let c = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "iris", model("iris-species.onnx")).await.status(), StatusCode::CREATED);
    let post = |path: &str, ct: &str, body: Vec<u8>| {
        c.post(s.at(path)).bearer_auth(&maker).header("content-type", ct).body(body).send()
    };
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        ("/models/iris/predict", "application/json", b"{\"sepal".to_vec(), StatusCode::BAD_REQUEST, "not valid"),
        ("/models/iris/predict", "application/json", b"42".to_vec(), StatusCode::BAD_REQUEST, "object"),
        ("/models/iris/predict", "application/json", b"{}".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "no fields"),
        (
            "/models/iris/predict",
            "application/json",
            b"[{\"a\": 1}]".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the rows have none of the model's fields: their columns are `a`",
        ),
        ("/models/iris/predict", "text/plain", b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "application/json"),
        ("/models/iris/predict", "application/json", vec![b' '; 2 << 20], StatusCode::PAYLOAD_TOO_LARGE, "limit"),
        ("/models/nope/predict", "application/json", b"{}".to_vec(), StatusCode::NOT_FOUND, "no model \"nope\""),
        ("/models/iris/versions/9/predict", "application/json", b"{}".to_vec(), StatusCode::NOT_FOUND, "no version 9"),
        (
            "/models/iris/versions/qa/predict",
            "application/json",
            b"{}".to_vec(),
            StatusCode::NOT_FOUND,
            "no alias \"qa\"",
        ),
        (
            "/models/ir%2F..%2Fx/predict",
            "application/json",
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid model name",
        ),
        ("/models/..secret/predict", "application/json", b"{}".to_vec(), StatusCode::BAD_REQUEST, "invalid model name"),
        (
            "/models/iris/versions",
            "application/octet-stream",
            b"not a model".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot load",
        ),
        (
            "/models/iris/versions",
            "application/json",
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "octet-stream",
        ),
    ];
    for (path, ct, body, status, needle) in cases {
        let (st, err) = json_of(post(path, ct, body).await.unwrap()).await;
        assert_eq!(st, status, "{path} {ct}: {err}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{path} {ct}: {msg:?} should mention {needle:?}");
    }
    // Wrong field types name the row and the field.
    let m = manifest_of("iris-species.onnx");
    let mut row = m["golden"][0]["input"].clone();
    let field = m["signature"]["inputs"][0]["name"].as_str().unwrap().to_string();
    row[&field] = json!("lots");
    let (st, err) = predict(&c, &s, &maker, "/models/iris/predict", &json!([m["golden"][1]["input"], row])).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!((err["error"]["row"].clone(), err["error"]["field"].clone()), (json!(2), json!(field)));
    // A plain model without a manifest cannot be published: no signature, no golden cases.
    let plain = std::fs::read(repo().join("tests/fixtures/linear_regression/model.onnx")).unwrap();
    let (st, err) = json_of(publish(&c, &s, &maker, "plain", plain).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"]["message"].as_str().unwrap().contains("no citizen manifest"), "{err}");
    // Nothing of the refused uploads was kept.
    let (_, list) = json_of(c.get(s.at("/models")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(list["models"].as_array().unwrap().len(), 1);
    assert_eq!(list["models"][0]["versions"], json!([1]));
    // Unknown routes are JSON 404s too.
    let (st, _) = json_of(c.get(s.at("/nothing/here")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_request_ids_and_cors() {
    let dir = scratch("ops");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &["--cors-origin", "https://app.example"]);
    let c = Client::new();
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "iris", model("iris-species.onnx")).await.status(), StatusCode::CREATED);
    let m = manifest_of("iris-species.onnx");
    let rows: Vec<Value> = m["golden"].as_array().unwrap().iter().map(|g| g["input"].clone()).collect();
    let r = c.post(s.at("/models/iris/predict")).bearer_auth(&maker).json(&rows).send().await.unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.status(), StatusCode::OK);
    let metrics = c.get(s.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(&format!("citizen_predicted_rows_total{{model=\"iris\"}} {}", rows.len())), "{metrics}");
    assert!(
        metrics
            .contains("citizen_http_requests_total{method=\"POST\",route=\"/models/{name}/predict\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("citizen_http_request_duration_seconds_bucket"));

    let pre = c
        .request(reqwest::Method::OPTIONS, s.at("/models/iris/predict"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.headers()["access-control-allow-origin"], "https://app.example");
    let other = c
        .request(reqwest::Method::OPTIONS, s.at("/models/iris/predict"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

/// Azurite, Microsoft's Azure Storage emulator (npm), on a free port, with a container made.
struct Azurite {
    child: Child,
    port: u16,
    _dir: PathBuf,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn azurite(container: &str) -> Azurite {
    let bin = repo().join("node_modules/.bin/azurite-blob");
    assert!(bin.exists(), "Azurite is not installed: run scripts/setup.sh (npm ci)");
    let dir = scratch("azurite");
    let port = free_port();
    let child = Command::new(bin)
        .args([
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            &port.to_string(),
            "--inMemoryPersistence",
            "--silent",
            "--skipApiVersionCheck",
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut az = Azurite { child, port, _dir: dir };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(az.child.try_wait().unwrap().is_none(), "Azurite exited at start");
        assert!(std::time::Instant::now() < deadline, "Azurite did not start on port {port}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The container, made with Microsoft's own client (object_store does not create containers).
    let cache =
        std::env::var("CITIZEN_CACHE").unwrap_or_else(|_| format!("{}/.cache/citizen", std::env::var("HOME").unwrap()));
    let python = Path::new(&cache).join("venv/bin/python");
    assert!(python.exists(), "no Python venv at {}: run scripts/setup.sh", python.display());
    let conn = format!(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    );
    let o = Command::new(python)
        .args(["-c", "import sys; from azure.storage.blob import BlobServiceClient as B; B.from_connection_string(sys.argv[1]).create_container(sys.argv[2])", &conn, container])
        .output()
        .unwrap();
    assert!(o.status.success(), "creating the Azurite container: {}", String::from_utf8_lossy(&o.stderr));
    az
}

#[tokio::test]
async fn registry_and_prediction_on_azure_blob_storage_via_azurite() {
    let az = azurite("citizen");
    let url = format!("http://127.0.0.1:{}", az.port);
    let env = [("AZURE_STORAGE_USE_EMULATOR", "true"), ("AZURITE_BLOB_STORAGE_URL", url.as_str())];
    let s = Server::start("az://citizen/registry", &env, &[]);
    registry_journey(&s).await;
    // The CLI publishes straight into the same container.
    let mut cmd = citizen();
    cmd.args([
        "publish",
        "models/iris-species.onnx",
        "--name",
        "iris",
        "--alias",
        "prod",
        "--store",
        "az://citizen/registry",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Published iris version 2 (alias prod)"));
    let maker = s.token("maker", None);
    let m = manifest_of("iris-species.onnx");
    let (st, out) =
        predict(&Client::new(), &s, &maker, "/models/iris/versions/prod/predict", &m["golden"][0]["input"]).await;
    assert_eq!((st, out["version"].clone()), (StatusCode::OK, json!(2)));
}

async fn wait_for_job(c: &Client, s: &Server, token: &str, id: &str, until: &[&str]) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (st, job) = json_of(c.get(s.at(&format!("/jobs/{id}"))).bearer_auth(token).send().await.unwrap()).await;
        assert_eq!(st, StatusCode::OK, "{job}");
        if until.contains(&job["state"].as_str().unwrap()) {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "job {id} stuck: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn submit(c: &Client, s: &Server, token: &str, path: &str, ct: &str, body: Vec<u8>) -> (StatusCode, Value) {
    json_of(c.post(s.at(path)).bearer_auth(token).header("content-type", ct).body(body).send().await.unwrap()).await
}

#[tokio::test]
async fn batch_jobs_predict_files_with_onnx_runtime() {
    let dir = scratch("jobs");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let maker = s.token("maker", None);
    let reader = s.token("reader", Some("car-price"));
    assert_eq!(publish(&c, &s, &maker, "car-price", model("car-price-gbr.onnx")).await.status(), StatusCode::CREATED);

    // A CSV upload: the result is what `citizen predict --engine ort` writes.
    let csv = std::fs::read(repo().join("data/cars93.csv")).unwrap();
    let (st, job) = submit(&c, &s, &reader, "/models/car-price/batch", "text/csv", csv).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let job = wait_for_job(&c, &s, &reader, &id, &["succeeded", "failed"]).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!((job["rows_done"].clone(), job["rows_failed"].clone()), (json!(93), json!(0)));
    assert_eq!(job["engine"], "onnxruntime");
    let result = c.get(s.at(&format!("/jobs/{id}/result"))).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(result.headers()["content-type"], "text/csv");
    let cli = citizen()
        .args(["predict", "--engine", "ort", "--model", "models/car-price-gbr.onnx", "data/cars93.csv"])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    // ONNX Runtime sums trees in an order that depends on its thread count,
    // so the prices agree within the model's tolerance, not to the last bit.
    let got = result.text().await.unwrap();
    let want = String::from_utf8(cli.stdout).unwrap();
    assert_eq!(got.lines().count(), want.lines().count());
    for (g, w) in got.lines().zip(want.lines()).skip(1) {
        let (g_rest, g_price) = g.rsplit_once(',').unwrap();
        let (w_rest, w_price) = w.rsplit_once(',').unwrap();
        assert_eq!(g_rest, w_rest);
        let (g, w): (f64, f64) = (g_price.parse().unwrap(), w_price.parse().unwrap());
        assert!((g - w).abs() <= 1e-5 * w.abs(), "{g} vs {w}");
    }

    // Broken rows: the good ones are predicted, the bad ones reported by row and field.
    let text = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replacen("\"Midsize\"", "\"Spaceship\"", 1);
    let (st, job) =
        submit(&c, &s, &maker, "/models/car-price/batch?output=jsonl", "text/csv", lines.join("\n").into_bytes()).await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let id2 = job["id"].as_str().unwrap().to_string();
    let job = wait_for_job(&c, &s, &maker, &id2, &["succeeded", "failed"]).await;
    assert_eq!((job["rows_done"].clone(), job["rows_failed"].clone()), (json!(92), json!(1)), "{job}");
    let out =
        c.get(s.at(&format!("/jobs/{id2}/result"))).bearer_auth(&maker).send().await.unwrap().text().await.unwrap();
    assert_eq!(out.lines().count(), 92);
    assert!(serde_json::from_str::<Value>(out.lines().next().unwrap()).unwrap()["predicted_Price"].is_number());
    let errors =
        c.get(s.at(&format!("/jobs/{id2}/errors"))).bearer_auth(&maker).send().await.unwrap().text().await.unwrap();
    assert!(errors.contains("2,Type,") && errors.contains("Spaceship"), "{errors}");

    // Who sees what: the reader sees its own job only; another reader of another model nothing.
    let (_, list) = json_of(c.get(s.at("/jobs")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get(s.at(&format!("/jobs/{id2}"))).bearer_auth(&reader).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let other = s.token("reader", Some("iris"));
    assert_eq!(
        c.get(s.at(&format!("/jobs/{id}"))).bearer_auth(&other).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(c.get(s.at("/jobs/0123")).bearer_auth(&maker).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Bad submissions.
    let (st, err) = submit(&c, &s, &maker, "/models/car-price/batch", "text/plain", b"x".to_vec()).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{err}");
    let (st, err) = submit(
        &c,
        &s,
        &maker,
        "/models/car-price/batch",
        "application/json",
        br#"{"path":"auth/tokens/x.csv"}"#.to_vec(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{err}");
    let (st, job) = submit(&c, &s, &maker, "/models/car-price/batch", "text/csv", b"a,b\n1,2\n".to_vec()).await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let job = wait_for_job(&c, &s, &maker, job["id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(job["state"], "failed");
    assert!(job["error"].as_str().unwrap().starts_with("the job's input: the file has no column `Type`"), "{job}");
    // Every row bad: the job fails and points to where its caller finds them.
    let all_bad = b"Type,AirBags,DriveTrain,Cylinders,Man.trans.avail,Origin\nSpaceship,None,Front,4,Yes,USA\n";
    let (_, job) = submit(&c, &s, &maker, "/models/car-price/batch", "text/csv", all_bad.to_vec()).await;
    let id3 = job["id"].as_str().unwrap().to_string();
    let job = wait_for_job(&c, &s, &maker, &id3, &["succeeded", "failed"]).await;
    let expected = format!("the job's input: no row could be predicted (1 bad row, listed in /jobs/{id3}/errors)");
    assert!(job["error"].as_str().unwrap().starts_with(&expected), "{job}");

    // Deleting a finished job removes it.
    assert_eq!(
        c.delete(s.at(&format!("/jobs/{id2}"))).bearer_auth(&maker).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.get(s.at(&format!("/jobs/{id2}"))).bearer_auth(&maker).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let metrics = c.get(s.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("citizen_batch_jobs_finished_total{state=\"succeeded\"} 2"), "{metrics}");
}

#[tokio::test]
async fn a_repeated_idempotency_key_gets_the_job_it_made() {
    let dir = scratch("idempotency");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "car-price", model("car-price-gbr.onnx")).await.status(), StatusCode::CREATED);
    assert_eq!(publish(&c, &s, &maker, "iris", model("iris-species.onnx")).await.status(), StatusCode::CREATED);
    let csv = std::fs::read(repo().join("data/cars93.csv")).unwrap();
    let send = |path: &str, key: &str| {
        c.post(s.at(path))
            .bearer_auth(&maker)
            .header("content-type", "text/csv")
            .header("idempotency-key", key)
            .body(csv.clone())
            .send()
    };
    let (st, first) = json_of(send("/models/car-price/batch", "edge-0f3a").await.unwrap()).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{first}");
    // The same submission again (a sender that crashed before it saw the answer): the same job.
    let (st, again) = json_of(send("/models/car-price/batch", "edge-0f3a").await.unwrap()).await;
    assert_eq!((st, again["id"].clone()), (StatusCode::OK, first["id"].clone()), "{again}");
    // The key for another model is a mistake, said as such.
    let (st, err) = json_of(send("/models/iris/batch", "edge-0f3a").await.unwrap()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{err}");
    let (st, err) = json_of(send("/models/car-price/batch", "no spaces").await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{err}");
    let id = first["id"].as_str().unwrap();
    assert_eq!(wait_for_job(&c, &s, &maker, id, &["succeeded", "failed"]).await["state"], "succeeded");
    let (_, list) = json_of(c.get(s.at("/jobs")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn a_batch_job_survives_its_server_being_killed() {
    let dir = scratch("kill");
    let store = dir.join("store").to_string_lossy().into_owned();
    let mut s = Server::start(&store, &[], &["--job-stale-secs", "2"]);
    let c = Client::new();
    let maker = s.token("maker", None);
    assert_eq!(publish(&c, &s, &maker, "car-price", model("car-price-gbr.onnx")).await.status(), StatusCode::CREATED);
    let rows = 93 * 2000;
    let (st, job) = submit(&c, &s, &maker, "/models/car-price/batch", "text/csv", many_cars(2000).into_bytes()).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    // kill -9, mid-job.
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let s = Server::start(&store, &[], &["--job-stale-secs", "2"]);
    let job = wait_for_job(&c, &s, &maker, &id, &["succeeded", "failed"]).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["rows_done"], rows);
    assert!(job["attempts"].as_u64().unwrap() >= 1);
    let out =
        c.get(s.at(&format!("/jobs/{id}/result"))).bearer_auth(&maker).send().await.unwrap().text().await.unwrap();
    assert_eq!(out.lines().count(), rows + 1, "every row once, under one header");

    // Cancelling a running job.
    let (_, job) = submit(&c, &s, &maker, "/models/car-price/batch", "text/csv", many_cars(4000).into_bytes()).await;
    let id = job["id"].as_str().unwrap().to_string();
    let r = c.delete(s.at(&format!("/jobs/{id}"))).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let job = wait_for_job(&c, &s, &maker, &id, &["cancelled", "succeeded", "failed"]).await;
    assert_eq!(job["state"], "cancelled", "{job}");
}

/// Logs sent to a file (or a collector) are plain text with each request's
/// id, or JSON objects under `CITIZEN_LOG_FORMAT=json`: no terminal colour
/// codes in either.
#[tokio::test]
async fn logs_to_a_file_are_plain_text_or_json() {
    let dir = scratch("logs");
    let c = Client::new();
    for format in ["text", "json"] {
        let store = dir.join(format).to_string_lossy().into_owned();
        let log = dir.join(format!("{format}.log"));
        let s = Server::start_logging_to(&store, &[("CITIZEN_LOG_FORMAT", format)], &log);
        let maker = s.token("maker", None);
        assert_eq!(publish(&c, &s, &maker, "iris", model("iris-species.onnx")).await.status(), StatusCode::CREATED);
        drop(s);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(!text.contains('\x1b'), "a colour code in the {format} log:\n{text}");
        let published = text.lines().find(|l| l.contains("published")).unwrap_or_else(|| panic!("{text}"));
        if format == "json" {
            let line: Value = serde_json::from_str(published).unwrap();
            assert_eq!(line["fields"]["message"], "published", "{line}");
            assert_eq!(line["span"]["method"], "POST", "{line}");
            assert!(line["span"]["id"].as_str().is_some_and(|id| !id.is_empty()), "{line}");
        } else {
            assert!(published.contains("request{id=") && published.contains("model=iris"), "{published}");
        }
    }
}
