#!/usr/bin/env bash
# The edge bench: rows/s of a large CSV batch and single-row latency through
# the edge (the WASI module under wasmtime in process, and citizen-edge
# serve over HTTP) against native ONNX Runtime (the reference) and our
# native runtime, on the same model and rows, in one run; then the edge's
# start-up time to its first prediction, cold (module compiled) and warm
# (.cwasm cache). Run it on a quiet machine.
#   bash scripts/edge-bench.sh [--model M.onnx] [--data D.csv] [--rows 100000] [--singles 2000] [--reps 3]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/build-wasm.sh >/dev/null
cargo build -q --release -p host -p tests --bins
"$CARGO_TARGET_DIR/release/citizen-edge-bench" "$@"
