#!/usr/bin/env bash
# The bench: rows/s and single-row latency of every engine on the same model
# and rows, in one run, as ratios against native ONNX Runtime.
#   bash scripts/bench.sh [--model M.onnx] [--rows 100000] [--singles 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/build-wasm.sh >/dev/null
cargo run -q --release -p tests --bin citizen-bench -- "$@"
