#!/usr/bin/env bash
# Builds the web app (web-app/, with trunk) into $CARGO_TARGET_DIR/web-dist:
# static files any web server can serve, and what `citizen serve --web-dir`
# serves at `/`. The runtime is compiled into the app's one WebAssembly
# module. wasm-opt (binaryen 132 from npm) runs here rather than in trunk so
# its result can be cached by the hash of its input (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
DIST=${WEB_DIST:-$CARGO_TARGET_DIR/web-dist}
(cd web-app && trunk build --release --dist "$DIST")
if [ "${WASM_OPT:-1}" = 1 ]; then
  if ! wasm-opt --version 2>/dev/null | grep -q "version 132"; then
    echo "wasm-opt 132 is not on PATH (npm ci installs it; source scripts/env.sh)" >&2; exit 1
  fi
  for f in "$DIST"/*_bg.wasm; do
    key=$(sha256sum "$f" | cut -c1-16)
    cached="$CARGO_TARGET_DIR/wasm-pkg/cache/app-$key.wasm"
    if [ ! -f "$cached" ]; then
      mkdir -p "$(dirname "$cached")"
      wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-reference-types --enable-multivalue --enable-sign-ext --enable-mutable-globals \
        -o "$cached.tmp" "$f"
      mv "$cached.tmp" "$cached"
    fi
    cp "$cached" "$f"
  done
fi
# Gzipped copies beside the files: citizen serve (ServeDir) sends them to
# browsers that accept gzip; other web servers can do the same.
for f in "$DIST"/*.wasm "$DIST"/*.js "$DIST"/*.css "$DIST"/*.html "$DIST"/*.svg "$DIST"/*.webmanifest; do
  [ -f "$f" ] && gzip -9 -k -f -n "$f"
done
echo "web app in $DIST:"
for f in "$DIST"/*_bg.wasm "$DIST"/*.js; do
  printf '  %-40s %9d bytes, %8d gzipped\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
