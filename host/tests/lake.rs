//! The lake as its callers see it: a real `citizen serve` on 127.0.0.1 over
//! a local store; datasets, event streams (with kill -9), scoring refreshes.

mod common;

use std::collections::HashSet;

use common::{Server, citizen, json_of, repo, scratch, upload, wait_train};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn dataset(c: &Client, s: &Server, token: &str, name: &str) -> (StatusCode, Value) {
    json_of(c.get(s.at(&format!("/datasets/{name}"))).bearer_auth(token).send().await.unwrap()).await
}

fn csv(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("data").join(name)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn datasets_ingest_csv_and_parquet_and_refuse_bad_input() {
    let dir = scratch("lake-files");
    let store = dir.join("store");
    let s = Server::start(store.to_str().unwrap(), &[], &[]);
    let (maker, reader) = (s.token("maker", None), s.token("reader", None));
    let c = Client::new();
    for (file, rows) in [("cars93.csv", 93), ("iris.csv", 150), ("diamonds.csv", 53940)] {
        let name = file.trim_end_matches(".csv");
        let (st, rec) = upload(&c, &s, &maker, name, "?filename=x.csv", "text/csv", csv(file)).await;
        assert_eq!(st, StatusCode::CREATED, "{rec}");
        assert_eq!(rec["rows"], rows);
        assert_eq!(rec["seq"], 1);
        assert_eq!(rec["sha256"].as_str().unwrap().len(), 64);
        assert!(rec["who"].as_str().unwrap().len() > 4);
        // The curated table as Parquet, ingested into another dataset as Parquet.
        let r = c.get(s.at(&format!("/datasets/{name}/table"))).bearer_auth(&reader).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let pq = r.bytes().await.unwrap().to_vec();
        assert_eq!(&pq[..4], b"PAR1");
        let (st, rec) = upload(&c, &s, &maker, &format!("{name}-pq"), "", "application/vnd.apache.parquet", pq).await;
        assert_eq!(st, StatusCode::CREATED, "{rec}");
        assert_eq!(rec["rows"], rows);
        assert_eq!(rec["format"], "parquet");
        let (st, d) = dataset(&c, &s, &reader, &format!("{name}-pq")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(d["file_rows"], rows);
    }
    let (_, d) = dataset(&c, &s, &reader, "cars93").await;
    let price = d["schema"].as_array().unwrap().iter().find(|c| c["name"] == "Price").unwrap();
    assert_eq!(price["type"], "number");
    let (_, list) = json_of(c.get(s.at("/datasets")).bearer_auth(&reader).send().await.unwrap()).await;
    assert_eq!(list["datasets"].as_array().unwrap().len(), 6);

    // The command line, through the server.
    let o = citizen()
        .args(["ingest", "data/iris.csv", "--dataset", "iris-cli", "--server", &s.url, "--token", &maker])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rec: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((rec["rows"].clone(), rec["source"].clone()), (json!(150), json!("iris.csv")));
    let o = citizen()
        .args(["ingest", "data/cars93.csv", "--dataset", "iris-cli", "--server", &s.url, "--token", &maker])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("schema differs"), "{}", String::from_utf8_lossy(&o.stderr));

    // JSON array and JSON Lines.
    let (st, rec) =
        upload(&c, &s, &maker, "people", "", "application/json", br#"[{"a":1,"b":"x"},{"a":2,"b":"y"}]"#.to_vec())
            .await;
    assert_eq!((st, rec["rows"].clone()), (StatusCode::CREATED, json!(2)));
    let (st, rec) =
        upload(&c, &s, &maker, "people", "", "application/x-ndjson", b"{\"a\":3,\"b\":\"z\"}\n".to_vec()).await;
    assert_eq!((st, rec["seq"].clone()), (StatusCode::CREATED, json!(2)));

    // A schema change: refused with the differences, nothing written; accepted when allowed.
    let (st, e) = upload(&c, &s, &maker, "people", "", "text/csv", b"a,c\nnot-a-number,1\n".to_vec()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "schema_changed");
    let diffs = e["error"]["differences"].as_array().unwrap();
    assert!(diffs.iter().any(|d| d["column"] == "a" && d["change"] == "type"), "{e}");
    assert!(diffs.iter().any(|d| d["column"] == "c" && d["change"] == "added"), "{e}");
    assert!(diffs.iter().any(|d| d["column"] == "b" && d["change"] == "removed"), "{e}");
    let (_, d) = dataset(&c, &s, &maker, "people").await;
    assert_eq!(d["ingests"].as_array().unwrap().len(), 2);
    let (st, rec) =
        upload(&c, &s, &maker, "people", "?allow_schema_change=true", "text/csv", b"a,c\nnot-a-number,1\n".to_vec())
            .await;
    assert_eq!(st, StatusCode::CREATED, "{rec}");
    assert_eq!(rec["schema_changes"].as_array().unwrap().len(), 3);

    // Not a table: a clear error, and nothing in the store.
    let raw_count =
        |n: &str| std::fs::read_dir(store.join("datasets").join(n).join("raw")).map(|d| d.count()).unwrap_or(0);
    for (ct, body) in [
        ("text/csv", &b"only,a,header\n"[..]),
        ("application/json", b"{not json"),
        ("application/vnd.apache.parquet", b"PAR1 nope"),
    ] {
        let (st, e) = upload(&c, &s, &maker, "junk", "", ct, body.to_vec()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{ct}: {e}");
        assert_eq!(e["error"]["code"], "invalid_table");
        assert!(e["error"]["message"].as_str().unwrap().contains("upload."), "{e}");
    }
    assert_eq!(raw_count("junk"), 0);
    assert!(!store.join("datasets/junk").exists());
    let (st, _) = upload(&c, &s, &maker, "junk", "", "image/png", vec![1, 2]).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Unknown dataset, roles.
    let (st, e) = dataset(&c, &s, &reader, "nope").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{e}");
    let r = c.get(s.at("/datasets/nope/events?after=0")).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!store.join("_wal/nope").exists(), "looking at a dataset must not start a stream");
    let (st, e) = upload(&c, &s, &reader, "people", "", "text/csv", b"a,b\n1,x\n".to_vec()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    let r =
        c.post(s.at("/datasets/people/files")).header("content-type", "text/csv").body("a\n1\n").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.post(s.at("/datasets/people/events")).bearer_auth(&reader).json(&json!({"a": 1})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (st, e) = upload(&c, &s, &maker, "bad..name", "", "text/csv", b"a\n1\n".to_vec()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
}

async fn append(c: &Client, base: &str, token: &str, body: String) -> Result<(u64, u64), String> {
    let r = c
        .post(format!("{base}/datasets/clicks/events"))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let (st, v) = (r.status(), r.json::<Value>().await.map_err(|e| e.to_string())?);
    if st != StatusCode::CREATED {
        return Err(format!("{st}: {v}"));
    }
    Ok((v["first_seq"].as_u64().unwrap(), v["last_seq"].as_u64().unwrap()))
}

async fn read_all(c: &Client, s: &Server, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (st, v) = json_of(
            c.get(s.at(&format!("/datasets/clicks/events?after={after}&limit=20000")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let events = v["events"].as_array().unwrap().clone();
        if events.is_empty() {
            return out;
        }
        after = v["next_after"].as_u64().unwrap();
        out.extend(events);
    }
}

/// Every event once, numbered 1..=n in order, each client's events in its own order.
fn check_stream(events: &[Value], expect: usize) {
    assert_eq!(events.len(), expect);
    let mut seen = HashSet::new();
    let mut last_of_client = std::collections::HashMap::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"].as_u64().unwrap(), i as u64 + 1, "gap or duplicate at {i}");
        let (cl, n) = (e["event"]["client"].as_u64().unwrap(), e["event"]["n"].as_u64().unwrap());
        assert!(seen.insert((cl, n)), "event {cl}/{n} twice");
        let prev = last_of_client.insert(cl, n);
        assert!(prev.is_none_or(|p| p < n), "client {cl} out of order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stream_100k_events_from_concurrent_clients() {
    let dir = scratch("lake-events");
    let s = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let maker = s.token("maker", None);
    let c = Client::new();
    let (clients, per_client, per_request) = (8u64, 12_500u64, 250u64);
    let t = std::time::Instant::now();
    let mut tasks = Vec::new();
    for cl in 0..clients {
        let (c, url, token) = (c.clone(), s.url.clone(), maker.clone());
        tasks.push(tokio::spawn(async move {
            for start in (0..per_client).step_by(per_request as usize) {
                let body: String = (start..start + per_request)
                    .map(|n| format!("{{\"client\":{cl},\"n\":{n},\"amount\":{}}}\n", n % 97))
                    .collect();
                let (a, b) = append(&c, &url, &token, body).await.unwrap();
                assert_eq!(b - a + 1, per_request);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    eprintln!("100,000 events acknowledged in {:?}", t.elapsed());
    let events = read_all(&c, &s, &maker).await;
    check_stream(&events, (clients * per_client) as usize);
    // One object and a JSON array are events too; a non-object is refused, naming it.
    let r = c
        .post(s.at("/datasets/clicks/events"))
        .bearer_auth(&maker)
        .json(&json!({"client": 99, "n": 0}))
        .send()
        .await
        .unwrap();
    let (st, v) = json_of(r).await;
    assert_eq!((st, v["first_seq"].clone()), (StatusCode::CREATED, json!(100_001)));
    let r = c
        .post(s.at("/datasets/clicks/events"))
        .bearer_auth(&maker)
        .json(&json!([{"client": 99, "n": 1}, 5]))
        .send()
        .await
        .unwrap();
    let (st, v) = json_of(r).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("item 2"), "{v}");
    // So is an event with no fields: no table could hold it.
    let r = c.post(s.at("/datasets/clicks/events")).bearer_auth(&maker).json(&json!([{}])).send().await.unwrap();
    let (st, v) = json_of(r).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("item 1: the event has no fields"), "{v}");
    // The events reach the store as segments and the curated table.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (_, d) = dataset(&c, &s, &maker, "clicks").await;
    assert_eq!(d["events"], 100_001);
    let r = c.get(s.at("/datasets/clicks/table")).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(r.headers()["x-citizen-rows"], "100001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_nothing_acknowledged() {
    let dir = scratch("lake-kill");
    let store = dir.join("store");
    let mut s = Server::start(store.to_str().unwrap(), &[], &[]);
    let maker = s.token("maker", None);
    let c = Client::new();
    // Appenders run until the server dies; each remembers what was acknowledged.
    let mut tasks = Vec::new();
    for cl in 0..4u64 {
        let (c, url, token) = (c.clone(), s.url.clone(), maker.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for n in (0..).step_by(10) {
                let body: String = (n..n + 10).map(|n| format!("{{\"client\":{cl},\"n\":{n}}}\n")).collect();
                match append(&c, &url, &token, body).await {
                    Ok(r) => acked.push(r),
                    Err(_) => break,
                }
            }
            acked
        }));
    }
    // A big file ingest in flight too.
    let (c2, url2, tok2) = (c.clone(), s.url.clone(), maker.clone());
    let ingest = tokio::spawn(async move {
        c2.post(format!("{url2}/datasets/big/files"))
            .bearer_auth(tok2)
            .header("content-type", "text/csv")
            .body(csv("diamonds.csv"))
            .send()
            .await
            .map(|r| r.status())
    });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    unsafe_kill9(&mut s);
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    let ingest_status = ingest.await.unwrap();
    let n_acked: u64 = acked.iter().map(|(a, b)| b - a + 1).sum();
    assert!(n_acked > 0, "nothing was acknowledged before the kill");
    let s = Server::start(store.to_str().unwrap(), &[], &[]);
    let events = read_all(&c, &s, &maker).await;
    // Every acknowledged number is there, numbering has no gaps, nothing twice.
    let max_acked = acked.iter().map(|r| r.1).max().unwrap();
    assert!(events.len() as u64 >= max_acked, "{} events after restart, {max_acked} acknowledged", events.len());
    let total = events.len();
    check_stream(&events, total);
    // Appending goes on after the last number.
    let (a, _) = append(&c, &s.url, &maker, "{\"client\":9,\"n\":0}\n".into()).await.unwrap();
    assert_eq!(a, total as u64 + 1);
    // The ingest is there whole (if it was acknowledged) or not at all.
    let (st, d) = dataset(&c, &s, &maker, "big").await;
    match ingest_status {
        Ok(StatusCode::CREATED) => assert_eq!(d["file_rows"], 53940),
        _ if st == StatusCode::OK => assert!(d["file_rows"] == 53940 || d["ingests"].as_array().unwrap().is_empty()),
        _ => assert_eq!(st, StatusCode::NOT_FOUND),
    }
}

fn unsafe_kill9(s: &mut Server) {
    let pid = s.child.id().to_string();
    let st = std::process::Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(st.success());
    let _ = s.child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn score_a_dataset_and_refresh_only_changed_rows() {
    let dir = scratch("lake-score");
    let store = dir.join("store");
    let s = Server::start(store.to_str().unwrap(), &[], &[]);
    let maker = s.token("maker", None);
    let reader = s.token("reader", Some("car-price"));
    let other = s.token("reader", Some("iris-species"));
    let c = Client::new();
    let o = citizen()
        .args(["publish", "models/car-price.onnx", "--name", "car-price", "--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (st, e) = upload(&c, &s, &maker, "cars", "?key=Make", "text/csv", csv("cars93.csv")).await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    let score = |token: String, body: Value| {
        let c = c.clone();
        let url = s.at("/datasets/cars/score");
        async move { json_of(c.post(url).bearer_auth(token).json(&body).send().await.unwrap()).await }
    };
    let (st, r) = score(reader.clone(), json!({"model": "car-price"})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!((r["new"].clone(), r["rescored"].clone(), r["full"].clone()), (json!(93), json!(93), json!(true)));
    assert_eq!(r["outputs"], json!(["predicted_Price"]));
    let (st, _) = score(other.clone(), json!({"model": "car-price"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = score(reader.clone(), json!({"model": "car-price", "version": "9"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Nothing changed: nothing re-scored.
    let (_, r) = score(reader.clone(), json!({"model": "car-price"})).await;
    assert_eq!((r["unchanged"].clone(), r["rescored"].clone()), (json!(93), json!(0)));
    // Change 10 rows (same keys), add 1: exactly those re-scored.
    let text = String::from_utf8(csv("cars93.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let hp = header.iter().position(|h| *h == "\"Horsepower\"").unwrap();
    for line in lines.iter_mut().skip(1).take(10) {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        cells[hp] = (cells[hp].parse::<u32>().unwrap() + 25).to_string();
        *line = cells.join(",");
    }
    let changed = lines[..11].join("\n") + "\n";
    let (st, e) = upload(&c, &s, &maker, "cars", "", "text/csv", changed.into_bytes()).await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    let (_, r) = score(reader.clone(), json!({"model": "car-price"})).await;
    assert_eq!(
        (r["changed"].clone(), r["unchanged"].clone(), r["new"].clone(), r["rescored"].clone(), r["rows"].clone()),
        (json!(10), json!(83), json!(0), json!(10), json!(93)),
        "{r}"
    );
    // A new version of the model re-scores everything.
    let r = c
        .post(s.at("/models/car-price/versions"))
        .bearer_auth(&maker)
        .header("content-type", "application/octet-stream")
        .body(std::fs::read(repo().join("models/car-price.onnx")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, r) = score(reader.clone(), json!({"model": "car-price"})).await;
    assert_eq!(
        (r["version"].clone(), r["rescored"].clone(), r["full"].clone()),
        (json!(2), json!(93), json!(true)),
        "{r}"
    );
    // The scored table: every row, the output as a column.
    let scored = store.join("datasets/cars/scored/car-price/table.parquet");
    assert_eq!(&std::fs::read(&scored).unwrap()[..4], b"PAR1");
    // The same through the CLI on the store.
    let o = citizen()
        .args(["score", "--dataset", "cars", "--model", "car-price@2", "--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((r["rescored"].clone(), r["unchanged"].clone()), (json!(0), json!(93)));

    // Train on the dataset in the background; the winner is published.
    let job = json!({"dataset": "cars", "target": "Price", "name": "cars-price", "alias": "prod",
                     "time_budget_secs": 3, "exclude": ["Min.Price", "Max.Price"]});
    let r = c.post(s.at("/train")).bearer_auth(&reader).json(&job).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (st, j) = json_of(c.post(s.at("/train")).bearer_auth(&maker).json(&job).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{j}");
    let last = wait_train(&c, &s, &maker, j["id"].as_str().unwrap()).await;
    assert_eq!((last["state"].clone(), last["version"].clone()), (json!("succeeded"), json!(1)), "{last}");
    assert!(!last["lines"].as_array().unwrap().is_empty());
    let (st, r) = score(maker.clone(), json!({"model": "cars-price", "version": "prod"})).await;
    assert_eq!((st, r["rescored"].clone()), (StatusCode::OK, json!(93)), "{r}");
}

/// A webhook receiver on 127.0.0.1: answers 200 and hands over (headers, body).
async fn receiver(listener: tokio::net::TcpListener, tx: tokio::sync::mpsc::UnboundedSender<(String, Vec<u8>)>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        let body = buf[end + 4..end + 4 + len].to_vec();
                        let _ =
                            sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                        let _ = tx.send((head, body));
                        return;
                    }
                }
            }
        });
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_are_signed_retried_and_survive_a_restart() {
    // RFC 4231, test case 2: the HMAC the deliveries are signed with.
    assert_eq!(
        hex(&host::lake::hooks::hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let dir = scratch("lake-hooks");
    let store = dir.join("store");
    let args = ["--hook-retry-ms", "300"];
    let mut s = Server::start(store.to_str().unwrap(), &[], &args);
    let (maker, reader) = (s.token("maker", None), s.token("reader", None));
    let c = Client::new();
    // The receiver's port, closed for now: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let register = |base: String, token: String, body: Value| {
        let (c, u) = (c.clone(), format!("{base}/hooks"));
        async move { json_of(c.post(u).bearer_auth(token).json(&body).send().await.unwrap()).await }
    };
    let (st, e) =
        register(s.url.clone(), reader.clone(), json!({"url": url, "on": "ingested", "dataset": "cars"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    let (st, e) =
        register(s.url.clone(), maker.clone(), json!({"url": "ftp://x", "on": "ingested", "dataset": "cars"})).await;
    assert_eq!((st, e["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_hook")));
    let (st, e) = register(s.url.clone(), maker.clone(), json!({"url": url, "on": "prediction", "model": "car-price", "condition": {"output": "Price", "op": "~", "value": 1}})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    let (st, hook) =
        register(s.url.clone(), maker.clone(), json!({"url": url, "on": "ingested", "dataset": "cars"})).await;
    assert_eq!(st, StatusCode::CREATED, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_string();
    let id = hook["id"].as_str().unwrap().to_string();
    let (_, shown) = json_of(c.get(s.at(&format!("/hooks/{id}"))).bearer_auth(&maker).send().await.unwrap()).await;
    assert!(shown.get("secret").is_none(), "the secret is shown only once: {shown}");

    let (st, _) = upload(&c, &s, &maker, "cars", "", "text/csv", csv("cars93.csv")).await;
    assert_eq!(st, StatusCode::CREATED);
    // Attempts fail while the receiver is down; each is logged.
    let deliveries = |s_url: String| {
        let (c, m, id) = (c.clone(), maker.clone(), id.clone());
        async move { json_of(c.get(format!("{s_url}/hooks/{id}/deliveries")).bearer_auth(m).send().await.unwrap()).await.1 }
    };
    let mut failed_attempts = 0;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let d = deliveries(s.url.clone()).await;
        failed_attempts = d["deliveries"][0]["attempts"].as_array().map(|a| a.len()).unwrap_or(0);
        if failed_attempts >= 2 {
            break;
        }
    }
    assert!(failed_attempts >= 2, "no failed attempts logged");
    // The server dies with the delivery pending; a new one carries on once the receiver is up.
    unsafe_kill9(&mut s);
    let s = Server::start(store.to_str().unwrap(), &[], &args);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(receiver(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap(), tx));
    let (head, body) = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv()).await.unwrap().unwrap();
    let sig = head.lines().find_map(|l| l.strip_prefix("x-citizen-signature:")).unwrap().trim().to_string();
    assert_eq!(sig, format!("sha256={}", hex(&host::lake::hooks::hmac_sha256(secret.as_bytes(), &body))));
    assert_ne!(sig, format!("sha256={}", hex(&host::lake::hooks::hmac_sha256(b"wrong", &body))));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((v["on"].clone(), v["data"]["rows"].clone()), (json!("ingested"), json!(93)));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let d = deliveries(s.url.clone()).await;
    let first = &d["deliveries"][0];
    assert_eq!(first["state"], "delivered", "{d}");
    let attempts = first["attempts"].as_array().unwrap();
    assert!(
        attempts.len() >= 3 && attempts[0]["error"].is_string() && attempts.last().unwrap()["status"] == 200,
        "{d}"
    );

    // A prediction hook with a condition on an output.
    let r = c
        .post(s.at("/models/car-price/versions"))
        .bearer_auth(&maker)
        .header("content-type", "application/octet-stream")
        .body(std::fs::read(repo().join("models/car-price.onnx")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (st, hook) = register(
        s.url.clone(),
        maker.clone(),
        json!({"url": url, "on": "prediction", "model": "car-price", "condition": {"output": "Price", "op": ">", "value": 30}}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{hook}");
    let rows = {
        let t = String::from_utf8(csv("cars93.csv")).unwrap();
        let o = citizen()
            .args(["predict", "--model", "models/car-price.onnx", "--to", "jsonl", "data/cars93.csv"])
            .output()
            .unwrap();
        let _ = t;
        let all: Vec<Value> =
            String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        all
    };
    let cheap = rows.iter().find(|r| r["predicted_Price"].as_f64().unwrap() < 20.0).unwrap().clone();
    let dear = rows.iter().find(|r| r["predicted_Price"].as_f64().unwrap() > 35.0).unwrap().clone();
    let strip = |mut r: Value| {
        let o = r.as_object_mut().unwrap();
        o.remove("predicted_Price");
        o.remove("Price");
        r
    };
    let (st, p) = json_of(
        c.post(s.at("/models/car-price/predict"))
            .bearer_auth(&maker)
            .json(&json!([strip(cheap), strip(dear)]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let (_, body) = tokio::time::timeout(std::time::Duration::from_secs(15), rx.recv()).await.unwrap().unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["on"], "prediction");
    let hits = v["data"]["predictions"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{v}");
    assert!(hits[0]["Price"].as_f64().unwrap() > 30.0);

    // Events are new data too: once their segment is in the store, the
    // dataset's `ingested` hook hears of them, with their sequence numbers.
    let events =
        [json!({"Make": "Ada", "Price": 1}), json!({"Make": "Bea", "Price": 2}), json!({"Make": "Cy", "Price": 3})];
    let r = c.post(s.at("/datasets/cars/events")).bearer_auth(&maker).json(&events).send().await.unwrap();
    let (st, ack) = json_of(r).await;
    assert_eq!(st, StatusCode::CREATED, "{ack}");
    let (_, body) = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv()).await.unwrap().unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["on"], "ingested", "{v}");
    let want = json!({"first_seq": ack["first_seq"], "last_seq": ack["last_seq"], "count": 3});
    assert_eq!(v["data"]["events"], want, "{v}");
}
