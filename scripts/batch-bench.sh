#!/usr/bin/env bash
# The batch bench: rows/s of host::batch::run_batch (CSV in, CSV out, ONNX
# Runtime) on an N-row file, against raw ONNX Runtime on the same prepared
# tensors and a pandas + onnxruntime pipeline, in one run; peak memory of a
# batch run at three file sizes.
#   bash scripts/batch-bench.sh [--rows 1000000] [--chunk 2048] [--model M.onnx --data D.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ ! -x "$CITIZEN_CACHE/venv/bin/python" ] || ! "$CITIZEN_CACHE/venv/bin/python" -c "import onnxruntime, numpy, pandas" 2>/dev/null; then
  echo "setting up the Python venv for the bench at $CITIZEN_CACHE/venv" >&2
  python3 -m venv "$CITIZEN_CACHE/venv"
  "$CITIZEN_CACHE/venv/bin/pip" install -q -r scripts/requirements-bench.txt
fi
cargo run -q --release -p tests --bin citizen-batch-bench -- "$@"
