//! Drift of a model's inputs, as a maker and a server see it: a model
//! trained by `citizen train` carries its training data's profile; the same
//! kind of rows are stable, rows with more horsepower have drifted, on the
//! command line, over the recent prediction requests and over a dataset.

mod common;

use common::{Server, citizen, json_of, more_horsepower, repo, scratch};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn rows_of(csv: &str) -> Vec<Value> {
    let mut lines = csv.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(|h| h.trim_matches('"').to_string()).collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let row: serde_json::Map<String, Value> = header
                .iter()
                .zip(l.split(','))
                .filter(|(h, _)| !h.is_empty())
                .map(|(h, v)| {
                    let v = v.trim_matches('"');
                    (h.clone(), if v == "NA" { Value::Null } else { json!(v) })
                })
                .collect();
            Value::Object(row)
        })
        .collect()
}

#[tokio::test]
async fn a_trained_model_tells_drift_on_the_command_line_in_requests_and_in_a_dataset() {
    let dir = scratch("drift");
    let model = dir.join("cars.onnx");
    let o = citizen()
        .args(["train", "data/cars93.csv", "--target", "Price", "--exclude", "Min.Price,Max.Price"])
        .args(["--time-budget", "5s", "--name", "cars", "-o"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cars = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let (header, body) = cars.split_once('\n').unwrap();
    let same = format!("{header}\n{}", body.repeat(3));
    let moved = more_horsepower(&same);
    let (same_file, moved_file) = (dir.join("same.csv"), dir.join("moved.csv"));
    std::fs::write(&same_file, &same).unwrap();
    std::fs::write(&moved_file, &moved).unwrap();

    // The command line: the training rows again are stable; more horsepower drifts.
    let drift = |file: &std::path::Path| {
        let o = citizen().args(["drift", "--json", "--model"]).arg(&model).arg(file).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let r = drift(&same_file);
    assert_eq!((r["rows"].clone(), r["drifted"].clone()), (json!(279), json!(false)), "{r}");
    assert!(r["fields"].as_array().unwrap().iter().all(|f| f["level"] == "stable"), "{r}");
    let r = drift(&moved_file);
    assert_eq!(r["drifted"], true, "{r}");
    assert_eq!(
        (r["fields"][0]["name"].clone(), r["fields"][0]["level"].clone()),
        (json!("Horsepower"), json!("drifted"))
    );
    assert!(r["fields"].as_array().unwrap()[1..].iter().all(|f| f["level"] == "stable"), "only Horsepower moved: {r}");
    let o = citizen().args(["drift", "--model"]).arg(&model).arg(&moved_file).output().unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("DRIFT") && text.contains("Horsepower") && text.contains("drifted"), "{text}");
    // A model without a training profile says so.
    let o = citizen().args(["drift", "--model", "models/car-price.onnx"]).arg(&same_file).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("train it again"), "{}", String::from_utf8_lossy(&o.stderr));

    // The server: recent prediction requests.
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let maker = s.token("maker", None);
    let reader = s.token("reader", Some("cars"));
    let r = c
        .post(s.at("/models/cars/versions"))
        .bearer_auth(&maker)
        .header("content-type", "application/octet-stream")
        .body(std::fs::read(&model).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (st, r) = json_of(c.get(s.at("/models/cars/drift")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!((st, r["rows"].clone(), r["drifted"].clone()), (StatusCode::OK, json!(0), json!(false)), "{r}");
    assert!(r["note"].is_string(), "too few rows is said: {r}");
    let moved_rows = rows_of(&more_horsepower(&cars));
    for _ in 0..24 {
        let r = c.post(s.at("/models/cars/predict")).bearer_auth(&reader).json(&moved_rows).send().await.unwrap();
        let (st, p) = json_of(r).await;
        assert_eq!(st, StatusCode::OK, "{p}");
    }
    let (st, r) = json_of(c.get(s.at("/models/cars/drift")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!((r["source"].clone(), r["drifted"].clone()), (json!("recent prediction requests"), json!(true)), "{r}");
    assert!(r["rows"].as_u64().unwrap() >= 186, "one request in 8 is kept: {r}");
    assert_eq!(r["fields"][0]["name"], "Horsepower");
    let metrics = c.get(s.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("citizen_model_drifted{model=\"cars\"} 1"), "{metrics}");
    assert!(metrics.contains("citizen_model_input_drift_psi{model=\"cars\",field=\"Horsepower\"}"), "{metrics}");

    // A dataset's rows: the newly ingested data against the training data.
    let r = c
        .post(s.at("/datasets/cars-now/files?key=Make"))
        .bearer_auth(&maker)
        .header("content-type", "text/csv")
        .body(cars.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (st, r) =
        json_of(c.get(s.at("/models/cars/drift?dataset=cars-now")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(
        (r["source"].clone(), r["rows"].clone(), r["drifted"].clone()),
        (json!("dataset cars-now"), json!(93), json!(false))
    );
    let metrics = c.get(s.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("citizen_model_drifted{model=\"cars\"} 0"), "{metrics}");

    // Errors: no such dataset; a model without a profile; no token; another model's reader.
    let (st, _) =
        json_of(c.get(s.at("/models/cars/drift?dataset=nope")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let r = c
        .post(s.at("/models/old/versions"))
        .bearer_auth(&maker)
        .header("content-type", "application/octet-stream")
        .body(std::fs::read(repo().join("models/car-price.onnx")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (st, e) = json_of(c.get(s.at("/models/old/drift")).bearer_auth(&maker).send().await.unwrap()).await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::CONFLICT, json!("no_training_profile")), "{e}");
    assert_eq!(c.get(s.at("/models/cars/drift")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let other = s.token("reader", Some("old"));
    assert_eq!(
        c.get(s.at("/models/cars/drift")).bearer_auth(&other).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}
