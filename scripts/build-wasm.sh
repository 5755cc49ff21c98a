#!/usr/bin/env bash
# Builds the runtime's two WebAssembly modules from one source:
#   $WASM_OUT/web/     wasm-bindgen module for browsers (ES module)
#   $WASM_OUT/node/    the same module for node (CommonJS)
#   $WASM_OUT/wasi/runtime_wasm.wasm   the wasm32-wasip1 module for wasmtime
# The browser module is built with the `wasm-release` profile (LTO, one
# codegen unit, SIMD) and, when wasm-opt is on PATH, optimized for size.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
WASM_OUT=${WASM_OUT:-$CITIZEN_WASM_PKG}
wasm_target=$CITIZEN_WASM_TARGET_DIR
mkdir -p "$WASM_OUT/web" "$WASM_OUT/node" "$WASM_OUT/wasi"

cargo build -p runtime-wasm --target wasm32-wasip1 --release --target-dir "$wasm_target"
cp "$wasm_target/wasm32-wasip1/release/runtime_wasm.wasm" "$WASM_OUT/wasi/runtime_wasm.wasm"

cargo build -p runtime-wasm --target wasm32-unknown-unknown --profile wasm-release --target-dir "$wasm_target"
raw="$wasm_target/wasm32-unknown-unknown/wasm-release/runtime_wasm.wasm"
wasm-bindgen --target web --out-dir "$WASM_OUT/web" "$raw"
wasm-bindgen --target nodejs --out-dir "$WASM_OUT/node" "$raw"

# wasm-opt takes minutes: its result is cached by the hash of its input.
bash scripts/wasm-opt-cached.sh "$WASM_OUT/web/runtime_wasm_bg.wasm" "$WASM_OUT/node/runtime_wasm_bg.wasm"
echo "wasm modules in $WASM_OUT:"
for f in web/runtime_wasm_bg.wasm wasi/runtime_wasm.wasm; do
  printf '  %-28s %8d bytes, %8d gzipped\n' "$f" "$(stat -c %s "$WASM_OUT/$f")" "$(gzip -9 -c "$WASM_OUT/$f" | wc -c)"
done
