//! The studio's server side as a maker's browser calls it, against a real
//! `citizen serve` on 127.0.0.1: a dataset's rows and schema for a target,
//! training without a name (progress, evaluation), publishing under a
//! chosen name and description, cancelling, scored tables.

mod common;

use common::{Server, json_of, repo, scratch, upload, wait_train};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn cars() -> Vec<u8> {
    std::fs::read(repo().join("data/cars93.csv")).unwrap()
}

async fn get(c: &Client, s: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    json_of(c.get(s.at(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn post(c: &Client, s: &Server, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    json_of(c.post(s.at(path)).bearer_auth(token).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn a_maker_looks_at_a_dataset_trains_publishes_and_scores_it() {
    let dir = scratch("studio");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let (maker, reader) = (s.token("maker", None), s.token("reader", None));
    let c = Client::new();

    let (st, who) = get(&c, &s, &maker, "/whoami").await;
    assert_eq!((st, who["role"].clone()), (StatusCode::OK, json!("maker")), "{who}");
    assert_eq!(get(&c, &s, &reader, "/whoami").await.1["role"], "reader");
    assert_eq!(c.get(s.at("/whoami")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let (st, r) = upload(&c, &s, &maker, "cars", "?filename=cars93.csv", "text/csv", cars()).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");

    // The first rows, and a histogram of every numeric column over all rows.
    let (st, rows) = get(&c, &s, &reader, "/datasets/cars/rows?limit=5").await;
    assert_eq!(st, StatusCode::OK, "{rows}");
    assert_eq!((rows["rows"].as_array().unwrap().len(), rows["total"].clone()), (5, json!(93)));
    let columns: Vec<&str> = rows["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(columns.contains(&"Price") && !columns.iter().any(|c| c.starts_with('_')), "{columns:?}");
    let price = columns.iter().position(|c| *c == "Price").unwrap();
    assert_eq!(rows["rows"][0][price], json!(15.9));
    let h = &rows["histograms"]["Price"];
    assert_eq!(h["counts"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>(), 93);
    assert_eq!(h["edges"].as_array().unwrap().len(), 21);
    assert_eq!((h["edges"][0].clone(), h["edges"][20].clone()), (json!(7.4), json!(61.9)));
    assert!(rows["histograms"].get("Manufacturer").is_none());
    assert_eq!(get(&c, &s, &reader, "/datasets/cars/rows?limit=5000").await.0, StatusCode::BAD_REQUEST);

    // The schema citizen train infers for a target.
    let (st, schema) = get(&c, &s, &maker, "/datasets/cars/schema?target=Price").await;
    assert_eq!(st, StatusCode::OK, "{schema}");
    assert_eq!(
        (schema["task"].clone(), schema["rows"].clone(), schema["dropped"].clone()),
        (json!("regression"), json!(93), json!(0))
    );
    let col = |name: &str| schema["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().unwrap();
    assert_eq!(col("Price")["role"], "target");
    assert_eq!(col("Make")["role"]["excluded"], "identifier: unique per row");
    assert_eq!(col("Type")["kind"]["type"], "categorical");
    assert_eq!(col("Horsepower")["kind"]["type"], "numeric");
    assert!(schema["columns"].as_array().unwrap().iter().all(|c| !c["name"].as_str().unwrap().starts_with('_')));
    let warnings = schema["warnings"].to_string();
    assert!(warnings.contains("Min.Price") && warnings.contains("Max.Price"), "{warnings}");
    // Excluding the leaks and reading a number as categories.
    let (_, schema) =
        get(&c, &s, &maker, "/datasets/cars/schema?target=Price&exclude=Min.Price,Max.Price&categorical=Cylinders")
            .await;
    let col = |name: &str| schema["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().unwrap();
    assert_eq!(col("Min.Price")["role"]["excluded"], "excluded by you");
    assert_eq!(col("Cylinders")["kind"]["type"], "categorical", "{}", col("Cylinders"));
    assert!(!schema["warnings"].to_string().contains("Min.Price"), "{}", schema["warnings"]);
    // A target that is not there, a reader.
    let (st, e) = get(&c, &s, &maker, "/datasets/cars/schema?target=Prise").await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_target")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("Prise"), "{e}");
    assert_eq!(get(&c, &s, &reader, "/datasets/cars/schema?target=Price").await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(&c, &s, &maker, "/datasets/nope/schema?target=Price").await.0, StatusCode::NOT_FOUND);

    // Training without a name: the model waits, with its evaluation.
    let job = json!({"dataset": "cars", "target": "Price", "time_budget_secs": 5,
                     "exclude": ["Min.Price", "Max.Price"], "categorical": ["Cylinders"]});
    let (st, j) = post(&c, &s, &maker, "/train", job).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{j}");
    let id = j["id"].as_str().unwrap().to_string();
    assert_eq!(
        post(&c, &s, &maker, &format!("/train/{id}/publish"), json!({"name": "early"})).await.0,
        StatusCode::CONFLICT
    );
    let done = wait_train(&c, &s, &maker, &id).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!((done["name"].clone(), done["version"].clone()), (Value::Null, Value::Null), "nothing published yet");
    let p = &done["progress"];
    assert!(p["tried"].as_u64().unwrap() >= 1 && p["total"].as_u64().unwrap() >= p["tried"].as_u64().unwrap(), "{p}");
    assert_eq!((p["metric"].clone(), p["best"]["family"].is_string()), (json!("rmse"), true), "{p}");
    let e = &done["evaluation"];
    assert_eq!(
        (e["task"].clone(), e["rows"].clone(), e["metric"].clone()),
        (json!("regression"), json!(93), json!("rmse"))
    );
    assert_eq!(e["points"].as_array().unwrap().len(), 93);
    let (mae, rmse) = (e["mae"].as_f64().unwrap(), e["rmse"].as_f64().unwrap());
    assert!(mae > 0.5 && mae <= rmse && rmse < 10.0, "{e}");
    // The winner's cross-validated RMSE is what the held-out points give.
    let winner = e["leaderboard"].as_array().unwrap().iter().filter(|r| r["winner"] == true).collect::<Vec<_>>();
    assert_eq!(winner.len(), 1, "{}", e["leaderboard"]);
    assert_eq!(winner[0]["score"], p["best"]["score"]);
    assert!(e["summary"].as_str().unwrap().starts_with("Typical error: ±"), "{}", e["summary"]);
    let shares: Vec<f64> = e["importance"].as_array().unwrap().iter().map(|i| i["share"].as_f64().unwrap()).collect();
    assert!(shares.windows(2).all(|w| w[0] >= w[1]) && (shares.iter().sum::<f64>() - 1.0).abs() < 0.01, "{shares:?}");
    let (st, list) = get(&c, &s, &maker, "/train").await;
    assert_eq!((st, list["jobs"][0]["id"].clone()), (StatusCode::OK, json!(id)), "{list}");
    assert!(list["jobs"][0].get("evaluation").is_none_or(Value::is_null));
    assert_eq!(get(&c, &s, &s.token("maker", None), "/train").await.1["jobs"], json!([]), "another maker's jobs");

    // Publishing under a chosen name and description.
    let body = json!({"name": "car-price", "description": "Price of a car, in thousand USD"});
    let (st, v) = post(&c, &s, &maker, &format!("/train/{id}/publish"), body).await;
    assert_eq!(
        (st, v["name"].clone(), v["version"].clone()),
        (StatusCode::CREATED, json!("car-price"), json!(1)),
        "{v}"
    );
    let (_, m) = get(&c, &s, &reader, "/models/car-price/versions/1").await;
    assert_eq!(m["manifest"]["description"], "Price of a car, in thousand USD", "{m}");
    assert_eq!(m["manifest"]["name"], "car-price");
    let golden = m["manifest"]["golden"][0].clone();
    let (st, out) = post(&c, &s, &reader, "/models/car-price/predict", golden["input"].clone()).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let (want, got) = (golden["output"]["Price"].as_f64().unwrap(), out["predictions"][0]["Price"].as_f64().unwrap());
    assert!((want - got).abs() <= 1e-4 * want.abs().max(1.0), "{want} vs {got}: {out}");
    let (_, job) = get(&c, &s, &maker, &format!("/train/{id}")).await;
    assert_eq!(job["published"], json!([{"name": "car-price", "version": 1}]));
    let bad = post(&c, &s, &maker, &format!("/train/{id}/publish"), json!({"name": "../x"})).await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST, "{}", bad.1);
    assert_eq!(
        post(&c, &s, &reader, &format!("/train/{id}/publish"), json!({"name": "x"})).await.0,
        StatusCode::FORBIDDEN
    );

    // Scoring the dataset with it, then its scored table.
    let (st, r) = post(&c, &s, &maker, "/datasets/cars/score", json!({"model": "car-price"})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (_, scored) = get(&c, &s, &reader, "/datasets/cars/scored").await;
    assert_eq!(scored["scored"], json!([{"model": "car-price", "version": 1, "outputs": r["outputs"]}]), "{scored}");
    let (st, t) = get(&c, &s, &reader, "/datasets/cars/scored/car-price/rows?limit=3").await;
    assert_eq!((st, t["total"].clone(), t["rows"].as_array().unwrap().len()), (StatusCode::OK, json!(93), 3), "{t}");
    let output = t["outputs"][0].as_str().unwrap().to_string();
    assert!(t["columns"].as_array().unwrap().contains(&json!(output)), "{t}");
    assert_eq!(
        t["histograms"][&output]["counts"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>(),
        93
    );
    assert_eq!(get(&c, &s, &reader, "/datasets/cars/scored/other/rows").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_training_run_can_be_cancelled_and_keeps_nothing() {
    let dir = scratch("studio-cancel");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let maker = s.token("maker", None);
    let c = Client::new();
    let big = common::many_cars(20);
    assert_eq!(upload(&c, &s, &maker, "cars", "", "text/csv", big.into_bytes()).await.0, StatusCode::CREATED);
    let job =
        json!({"dataset": "cars", "target": "Price", "time_budget_secs": 120, "exclude": ["Min.Price", "Max.Price"]});
    let (_, j) = post(&c, &s, &maker, "/train", job).await;
    let id = j["id"].as_str().unwrap().to_string();
    // Wait until it runs, then cancel.
    for _ in 0..100 {
        if get(&c, &s, &maker, &format!("/train/{id}")).await.1["state"] == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = c.delete(s.at(&format!("/train/{id}"))).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let t = std::time::Instant::now();
    let done = wait_train(&c, &s, &maker, &id).await;
    assert_eq!((done["state"].clone(), done["error"].clone()), (json!("cancelled"), Value::Null), "{done}");
    assert!(t.elapsed().as_secs() < 30, "cancelling took {:?}", t.elapsed());
    assert_eq!(done["evaluation"], Value::Null);
    assert_eq!(
        c.delete(s.at(&format!("/train/{id}"))).bearer_auth(&maker).send().await.unwrap().status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(&c, &s, &maker, &format!("/train/{id}/publish"), json!({"name": "x"})).await.0,
        StatusCode::CONFLICT
    );
    let (_, models) = get(&c, &s, &maker, "/models").await;
    assert_eq!(models["models"], json!([]), "{models}");
    assert!(!dir.join("store/train").join(format!("{id}.onnx")).exists());
    assert!(!dir.join("store/train").join(format!("{id}.cancel")).exists(), "the marker is cleared");
}

#[tokio::test]
async fn a_classifier_is_evaluated_with_a_confusion_matrix_and_roc_curves() {
    let dir = scratch("studio-iris");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let maker = s.token("maker", None);
    let c = Client::new();
    let iris = std::fs::read(repo().join("data/iris.csv")).unwrap();
    assert_eq!(upload(&c, &s, &maker, "iris", "", "text/csv", iris).await.0, StatusCode::CREATED);
    let (_, j) =
        post(&c, &s, &maker, "/train", json!({"dataset": "iris", "target": "Species", "time_budget_secs": 5})).await;
    let done = wait_train(&c, &s, &maker, j["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let e = &done["evaluation"];
    assert_eq!((e["task"].clone(), e["rows"].clone()), (json!("classification"), json!(150)));
    assert_eq!(e["classes"], json!(["setosa", "versicolor", "virginica"]));
    let confusion: Vec<Vec<u64>> = serde_json::from_value(e["confusion"].clone()).unwrap();
    assert_eq!(confusion.iter().map(|r| r.iter().sum::<u64>()).collect::<Vec<_>>(), vec![50, 50, 50]);
    let right: u64 = (0..3).map(|i| confusion[i][i]).sum();
    assert_eq!(e["accuracy"].as_f64().unwrap(), right as f64 / 150.0);
    assert!(right >= 135, "{confusion:?}");
    let roc = e["roc"].as_array().unwrap();
    assert_eq!(roc.len(), 3);
    assert_eq!(roc[0]["auc"].as_f64().unwrap(), 1.0, "setosa is separable: {}", roc[0]);
    for r in roc {
        let pts: Vec<(f64, f64)> = serde_json::from_value(r["points"].clone()).unwrap();
        assert_eq!((pts[0], *pts.last().unwrap()), ((0.0, 0.0), (1.0, 1.0)));
        assert!(pts.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1), "a ROC curve never goes back");
    }
    assert!(e["summary"].as_str().unwrap().starts_with("Right "), "{}", e["summary"]);
    assert!(e.get("points").is_none());
}

#[tokio::test]
async fn bad_choices_get_clear_answers_and_two_makers_publish_one_name_safely() {
    let dir = scratch("studio-bad");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let (a, b) = (s.token("maker", None), s.token("maker", None));
    let c = Client::new();
    let table = b"size,colour,kind\n1,red,x\n2,blue,x\n3,red,x\n4,blue,x\n".to_vec();
    assert_eq!(upload(&c, &s, &a, "one-kind", "", "text/csv", table).await.0, StatusCode::CREATED);
    let (st, e) = get(&c, &s, &a, "/datasets/one-kind/schema?target=kind").await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_target")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("kind"), "{e}");
    // The same choice as a training job fails with the same words, and publishes nothing.
    let (_, j) =
        post(&c, &s, &a, "/train", json!({"dataset": "one-kind", "target": "kind", "time_budget_secs": 2})).await;
    let done = wait_train(&c, &s, &a, j["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["error"].as_str().unwrap(), e["error"]["message"].as_str().unwrap(), "{done}");
    let (st, e) =
        post(&c, &s, &a, "/train", json!({"dataset": "one-kind", "target": "kind", "time_budget_secs": 0})).await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_budget")), "{e}");

    // Two makers train the same name at once: two versions, both whole.
    assert_eq!(upload(&c, &s, &a, "cars", "", "text/csv", cars()).await.0, StatusCode::CREATED);
    let job = json!({"dataset": "cars", "target": "Price", "time_budget_secs": 2, "exclude": ["Min.Price", "Max.Price"], "name": "same"});
    let ((_, ja), (_, jb)) = tokio::join!(post(&c, &s, &a, "/train", job.clone()), post(&c, &s, &b, "/train", job));
    let (da, db) = tokio::join!(
        wait_train(&c, &s, &a, ja["id"].as_str().unwrap()),
        wait_train(&c, &s, &b, jb["id"].as_str().unwrap())
    );
    let mut versions = vec![da["version"].as_u64().unwrap(), db["version"].as_u64().unwrap()];
    versions.sort();
    assert_eq!(versions, vec![1, 2], "{da} {db}");
    for v in [1, 2] {
        let (st, m) = get(&c, &s, &a, &format!("/models/same/versions/{v}")).await;
        assert_eq!((st, m["manifest"]["name"].clone()), (StatusCode::OK, json!("same")), "{m}");
    }
}
