#!/usr/bin/env bash
# Builds the runtime's two WebAssembly modules from one source:
#   $WASM_OUT/web/     wasm-bindgen module for browsers (ES module)
#   $WASM_OUT/node/    the same module for node (CommonJS)
#   $WASM_OUT/wasi/runtime_wasm.wasm   the wasm32-wasip1 module for wasmtime
# The browser module is built with the `wasm-release` profile (LTO, one
# codegen unit, SIMD) and, when wasm-opt is on PATH, optimized for size.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/citizen-target}"
export CARGO_TARGET_DIR
WASM_OUT=${WASM_OUT:-$CARGO_TARGET_DIR/wasm-pkg}
mkdir -p "$WASM_OUT/web" "$WASM_OUT/node" "$WASM_OUT/wasi"

cargo build -p runtime-wasm --target wasm32-wasip1 --release
cp "$CARGO_TARGET_DIR/wasm32-wasip1/release/runtime_wasm.wasm" "$WASM_OUT/wasi/runtime_wasm.wasm"

cargo build -p runtime-wasm --target wasm32-unknown-unknown --profile wasm-release
raw="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/runtime_wasm.wasm"
wasm-bindgen --target web --out-dir "$WASM_OUT/web" "$raw"
wasm-bindgen --target nodejs --out-dir "$WASM_OUT/node" "$raw"

# wasm-opt takes minutes: its result is cached by the hash of its input.
bash scripts/wasm-opt-cached.sh web "$WASM_OUT/web/runtime_wasm_bg.wasm" node "$WASM_OUT/node/runtime_wasm_bg.wasm"
echo "wasm modules in $WASM_OUT:"
for f in web/runtime_wasm_bg.wasm wasi/runtime_wasm.wasm; do
  printf '  %-28s %8d bytes, %8d gzipped\n' "$f" "$(stat -c %s "$WASM_OUT/$f")" "$(gzip -9 -c "$WASM_OUT/$f" | wc -c)"
done
