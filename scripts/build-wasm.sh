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

# wasm-opt (binaryen 132 from npm; never Debian's older one) takes minutes:
# its result is cached by the hash of its input.
if [ "${WASM_OPT:-1}" = 1 ]; then
  if ! wasm-opt --version 2>/dev/null | grep -q "version 132"; then
    echo "wasm-opt 132 is not on PATH (npm ci installs it; source scripts/env.sh)" >&2; exit 1
  fi
  for d in web node; do
    f="$WASM_OUT/$d/runtime_wasm_bg.wasm"
    key=$(sha256sum "$f" | cut -c1-16)
    cached="$WASM_OUT/cache/$d-$key.wasm"
    if [ ! -f "$cached" ]; then
      mkdir -p "$WASM_OUT/cache"
      wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-reference-types --enable-multivalue --enable-sign-ext --enable-mutable-globals \
        -o "$cached.tmp" "$f"
      mv "$cached.tmp" "$cached"
    fi
    cp "$cached" "$f"
  done
fi
echo "wasm modules in $WASM_OUT:"
for f in web/runtime_wasm_bg.wasm wasi/runtime_wasm.wasm; do
  printf '  %-28s %8d bytes, %8d gzipped\n' "$f" "$(stat -c %s "$WASM_OUT/$f")" "$(gzip -9 -c "$WASM_OUT/$f" | wc -c)"
done
