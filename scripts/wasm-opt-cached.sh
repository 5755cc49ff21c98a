#!/usr/bin/env bash
# Optimizes wasm-bindgen modules in place with wasm-opt -O3 (binaryen 132
# from npm; never Debian's older one), which takes minutes: each result is
# cached in $CARGO_TARGET_DIR/wasm-pkg/cache by the hash of its input alone,
# so two identical inputs (the web and node modules) are optimized once.
#   bash scripts/wasm-opt-cached.sh FILE.wasm [FILE.wasm ...]
# Does nothing when WASM_OPT=0.
set -euo pipefail
[ "${WASM_OPT:-1}" = 1 ] || exit 0
if ! wasm-opt --version 2>/dev/null | grep -q "version 132"; then
  echo "wasm-opt 132 is not on PATH (npm ci installs it; source scripts/env.sh)" >&2; exit 1
fi
cache="${CARGO_TARGET_DIR:-$HOME/.cache/citizen-target}/wasm-pkg/cache"
mkdir -p "$cache"
for f in "$@"; do
  cached="$cache/$(sha256sum "$f" | cut -c1-16).wasm"
  if [ ! -f "$cached" ]; then
    wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-reference-types --enable-multivalue --enable-sign-ext --enable-mutable-globals \
      -o "$cached.tmp.$$" "$f"
    mv "$cached.tmp.$$" "$cached"
  fi
  cp "$cached" "$f"
done
