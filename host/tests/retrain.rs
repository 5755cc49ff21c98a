//! Retraining as a maker runs it against a real `citizen serve`: a policy,
//! a challenger that beats a bad champion and is promoted (the alias
//! moves), one that does not beat a good champion by the margin (the alias
//! stays), a run on a schedule, a rollback, every decision logged.

mod common;

use common::{Server, json_of, more_horsepower, repo, scratch, upload, wait_train};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// cars93 with the prices of the cars shifted by one row: a model trained
/// on it learns nothing true.
fn shuffled_prices(csv: &str) -> String {
    let lines: Vec<&str> = csv.lines().filter(|l| !l.is_empty()).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let price = header.iter().position(|h| h.trim_matches('"') == "Price").unwrap();
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    let mut out = format!("{}\n", lines[0]);
    for (i, r) in rows.iter().enumerate() {
        let mut r = r.clone();
        r[price] = rows[(i + 1) % rows.len()][price];
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}

async fn get(c: &Client, s: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    json_of(c.get(s.at(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn send(c: &Client, s: &Server, token: &str, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    json_of(c.request(m, s.at(path)).bearer_auth(token).json(&body).send().await.unwrap()).await
}

async fn prod(c: &Client, s: &Server, token: &str) -> Value {
    get(c, s, token, "/models/price").await.1["aliases"]["prod"].clone()
}

#[tokio::test]
async fn a_challenger_replaces_the_champion_only_when_it_wins_by_the_margin() {
    let dir = scratch("retrain");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &["--policy-check", "0.5"]);
    let (maker, reader) = (s.token("maker", None), s.token("reader", None));
    let c = Client::new();
    let csv = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    assert_eq!(upload(&c, &s, &maker, "cars", "", "text/csv", csv.clone().into_bytes()).await.0, StatusCode::CREATED);
    let bad = shuffled_prices(&csv).into_bytes();
    assert_eq!(upload(&c, &s, &maker, "shuffled", "", "text/csv", bad).await.0, StatusCode::CREATED);

    // The champion: version 1, trained on the shuffled prices, as prod.
    let exclude = json!(["Min.Price", "Max.Price"]);
    let job = json!({"dataset": "shuffled", "target": "Price", "time_budget_secs": 3, "exclude": exclude,
                     "name": "price", "alias": "prod"});
    let (_, j) = send(&c, &s, &maker, "POST", "/train", job).await;
    assert_eq!(wait_train(&c, &s, &maker, j["id"].as_str().unwrap()).await["version"], 1);
    assert_eq!(prod(&c, &s, &maker).await, 1);

    let (st, e) = send(&c, &s, &maker, "POST", "/models/price/retrain", json!({})).await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::CONFLICT, json!("conflict")), "no policy yet: {e}");
    let policy =
        json!({"dataset": "cars", "target": "Price", "exclude": exclude, "time_budget_secs": 3, "margin": 0.05});
    let (st, p) = send(&c, &s, &maker, "PUT", "/models/price/policy", policy.clone()).await;
    assert_eq!(
        (st, p["alias"].clone(), p["holdout_share"].clone()),
        (StatusCode::OK, json!("prod"), json!(0.2)),
        "{p}"
    );
    assert_eq!(get(&c, &s, &maker, "/models/price/policy").await.1, p);
    assert_eq!(send(&c, &s, &reader, "PUT", "/models/price/policy", policy.clone()).await.0, StatusCode::FORBIDDEN);
    let mut wrong = policy.clone();
    wrong["margin"] = json!(1.5);
    let (st, e) = send(&c, &s, &maker, "PUT", "/models/price/policy", wrong).await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_policy")), "{e}");
    let mut unknown = policy.clone();
    unknown["dataset"] = json!("nope");
    assert_eq!(send(&c, &s, &maker, "PUT", "/models/price/policy", unknown).await.0, StatusCode::NOT_FOUND);

    // A challenger trained on the true prices wins: promoted to prod as version 2.
    let (st, r) = send(&c, &s, &maker, "POST", "/models/price/retrain", json!({})).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{r}");
    let job = wait_train(&c, &s, &maker, r["job"].as_str().unwrap()).await;
    assert_eq!((job["state"].clone(), job["version"].clone()), (json!("succeeded"), json!(2)), "{job}");
    let (_, d) = get(&c, &s, &maker, "/models/price/decisions").await;
    let won = &d["decisions"][0];
    assert_eq!(
        (won["trigger"].clone(), won["promoted"].clone(), won["version"].clone()),
        (json!("manual"), json!(true), json!(2)),
        "{won}"
    );
    assert_eq!(
        (won["champion"]["version"].clone(), won["metric"].clone(), won["rows"].clone()),
        (json!(1), json!("rmse"), json!(17))
    );
    // Two of the 19 held-out cars have 5 cylinders, which the challenger never saw.
    let reason = won["reason"].as_str().unwrap();
    assert!(reason.contains("the challenger could not predict 2 of the 19 held-out rows"), "{reason}");
    assert!(reason.contains("the champion was trained on other data"), "{reason}");
    let (old, new) = (won["champion"]["score"].as_f64().unwrap(), won["challenger"]["score"].as_f64().unwrap());
    assert!(new < old * 0.95, "{won}");
    assert!(won["reason"].as_str().unwrap().contains("promoted"), "{won}");
    assert_eq!(prod(&c, &s, &maker).await, 2);
    let (_, m) = get(&c, &s, &maker, "/models/price/versions/2").await;
    assert_eq!(m["manifest"]["name"], "price");

    // Against that champion, a challenger must be 90% better: it is not.
    // It runs on the schedule (every second, checked every half second).
    let mut strict = policy.clone();
    strict["margin"] = json!(0.9);
    strict["every_secs"] = json!(1);
    assert_eq!(send(&c, &s, &maker, "PUT", "/models/price/policy", strict.clone()).await.0, StatusCode::OK);
    let mut lost = Value::Null;
    for _ in 0..240 {
        let (_, d) = get(&c, &s, &maker, "/models/price/decisions").await;
        if let Some(x) = d["decisions"].as_array().unwrap().iter().find(|x| x["trigger"] == "schedule") {
            lost = x.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    strict["every_secs"] = Value::Null;
    assert_eq!(send(&c, &s, &maker, "PUT", "/models/price/policy", strict).await.0, StatusCode::OK);
    assert_eq!((lost["promoted"].clone(), lost["version"].clone()), (json!(false), json!(2)), "{lost}");
    assert_eq!(
        (lost["champion"]["version"].clone(), lost["challenger"]["version"].clone()),
        (json!(2), Value::Null),
        "{lost}"
    );
    assert!(lost["reason"].as_str().unwrap().contains("kept the champion"), "{lost}");
    // Version 2 learned from the first 74 rows of cars: the 19 after them are new to both.
    assert!(!lost["reason"].as_str().unwrap().contains("the champion learned from"), "{lost}");
    assert_eq!(prod(&c, &s, &maker).await, 2);
    // The loser was not published (a schedule run may be under way; let it end).
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(get(&c, &s, &maker, "/models/price").await.1["versions"], json!([1, 2]));

    // Rolling back to version 1 with one call, logged.
    let (st, rb) = send(&c, &s, &maker, "POST", "/models/price/rollback", json!({"version": 1})).await;
    assert_eq!(
        (st, rb["trigger"].clone(), rb["version"].clone()),
        (StatusCode::OK, json!("rollback"), json!(1)),
        "{rb}"
    );
    assert_eq!(rb["reason"], "prod moved from version 2 to version 1");
    assert_eq!(prod(&c, &s, &maker).await, 1);
    let (_, d) = get(&c, &s, &maker, "/models/price/decisions").await;
    assert_eq!(d["decisions"][0]["id"], rb["id"]);
    assert_eq!(
        send(&c, &s, &maker, "POST", "/models/price/rollback", json!({"version": 9})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&c, &s, &reader, "POST", "/models/price/rollback", json!({"version": 2})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&c, &s, &reader, "/models/price/decisions").await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&c, &s, &maker, "POST", "/models/nope/retrain", json!({})).await.0, StatusCode::NOT_FOUND);
}

/// cars93 three times over, each copy's row numbers made distinct (so the
/// dataset keeps 279 rows), every car with 60% more horsepower.
fn more_horsepower_279(csv: &str) -> String {
    let (header, body) = csv.split_once('\n').unwrap();
    let mut out = format!("{header}\n");
    for k in 1..=3 {
        for line in body.lines().filter(|l| !l.is_empty()) {
            let (index, rest) = line.split_once(',').unwrap();
            out.push_str(&format!("{k}{},{rest}\n", index.trim_matches('"')));
        }
    }
    more_horsepower(&out)
}

#[tokio::test]
async fn drifted_inputs_start_one_challenger_per_change_of_the_data() {
    let dir = scratch("retrain-drift");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &["--policy-check", "0.5"]);
    let maker = s.token("maker", None);
    let c = Client::new();
    let csv = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    assert_eq!(upload(&c, &s, &maker, "cars", "", "text/csv", csv.clone().into_bytes()).await.0, StatusCode::CREATED);
    let exclude = json!(["Min.Price", "Max.Price"]);
    let job = json!({"dataset": "cars", "target": "Price", "time_budget_secs": 3, "exclude": exclude,
                     "name": "price", "alias": "prod"});
    let (_, j) = send(&c, &s, &maker, "POST", "/train", job).await;
    assert_eq!(wait_train(&c, &s, &maker, j["id"].as_str().unwrap()).await["version"], 1);

    // New data with more horsepower: drifted against version 1's training data.
    let moved = more_horsepower_279(&csv).into_bytes();
    assert_eq!(upload(&c, &s, &maker, "cars-now", "", "text/csv", moved).await.0, StatusCode::CREATED);
    let (_, d) = get(&c, &s, &maker, "/models/price/drift?dataset=cars-now").await;
    assert_eq!((d["rows"].clone(), d["drifted"].clone()), (json!(279), json!(true)), "{d}");
    let policy =
        json!({"dataset": "cars-now", "target": "Price", "exclude": exclude, "time_budget_secs": 3, "on_drift": true});
    assert_eq!(send(&c, &s, &maker, "PUT", "/models/price/policy", policy).await.0, StatusCode::OK);
    let mut first = Value::Null;
    for _ in 0..240 {
        let (_, d) = get(&c, &s, &maker, "/models/price/decisions").await;
        if let Some(x) = d["decisions"].as_array().unwrap().first() {
            first = x.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!((first["trigger"].clone(), first["rows"].clone()), (json!("drift"), json!(56)), "{first}");
    // The data has not changed since: no second challenger, whatever the drift.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (_, d) = get(&c, &s, &maker, "/models/price/decisions").await;
    assert_eq!(d["decisions"].as_array().unwrap().len(), 1, "{d}");
    let metrics = c.get(s.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("citizen_model_drifted{model=\"price\"} 1"), "the scheduler's check is shown: {metrics}");
    let promoted = first["promoted"].as_bool().unwrap();
    let line =
        format!("citizen_retrain_decisions_total{{model=\"price\",trigger=\"drift\",promoted=\"{promoted}\"}} 1");
    assert!(metrics.contains(&line), "{line} in {metrics}");
}
