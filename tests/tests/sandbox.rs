//! The WASI module under wasmtime is sandboxed: a call that runs out of its
//! fuel or memory stops with a clear error, and the host goes on serving.

use host::wasi_engine::Limits;
use tests::{Wasmtime, repo};

fn model() -> Vec<u8> {
    std::fs::read(repo().join("models/car-price.onnx")).unwrap()
}

#[test]
fn out_of_fuel_is_a_clear_error_and_the_host_goes_on() {
    let rt = Wasmtime::runtime().unwrap();
    let mut starved =
        rt.instantiate(Limits { fuel_per_call: 100_000, fuel_per_load: 100_000, ..Limits::default() }).unwrap();
    let e = starved.load(&model()).unwrap_err().to_string();
    assert!(e.contains("ran out of its compute budget (fuel)"), "{e}");
    let mut fine = rt.instantiate(Limits::default()).unwrap();
    let h = fine.load(&model()).unwrap();
    let golden: serde_json::Value = serde_json::from_str(&fine.check_golden(h).unwrap()).unwrap();
    assert_eq!(golden["mismatches"], serde_json::json!([]));
}

#[test]
fn out_of_memory_is_a_clear_error_and_the_host_goes_on() {
    let rt = Wasmtime::runtime().unwrap();
    let mut small = rt.instantiate(Limits { memory_bytes: 3 << 20, ..Limits::default() }).unwrap();
    let big = vec![b'x'; 8 << 20];
    let e = small.load(&big).unwrap_err().to_string();
    assert!(e.contains("memory"), "{e}");
    let mut fine = rt.instantiate(Limits::default()).unwrap();
    assert!(fine.load(&model()).is_ok());
}
