#!/usr/bin/env bash
# The lake's speed, in one run on this machine: events/s acknowledged by
# `citizen serve` (durability on: every acknowledgement after an fdatasync)
# from several concurrent clients on loopback; ingest MB/s of a CSV into a
# dataset (raw file + record + curated Parquet table) against pyarrow's CSV
# → Parquet as the reference; rows/s of a full scoring pass and of an
# incremental refresh with 1% of the rows changed.
#   bash scripts/lake-bench.sh [ROWS]     (default 500000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh >/dev/null
ROWS=${1:-500000}
C="$CARGO_TARGET_DIR/release/citizen"
[ -x "$C" ] || cargo build -q --release -p host --bin citizen
venv="$CITIZEN_CACHE/venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyarrow" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r scripts/requirements-bench.txt
fi
PY="$venv/bin/python"
W=$(mktemp -d /tmp/citizen-lake-bench.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$W"' EXIT
S="$W/store"

# A table of ROWS distinct cars: cars93 repeated, with an id column as the key.
"$PY" - "$ROWS" "$W" <<'PYEOF'
import csv, sys
rows, w = int(sys.argv[1]), sys.argv[2]
src = list(csv.reader(open("data/cars93.csv")))
head, body = src[0], src[1:]
hp = head.index("Horsepower")
with open(f"{w}/cars.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["id"] + head[1:])
    for i in range(rows):
        out.writerow([i] + body[i % len(body)][1:])
# 1% of the rows changed (same ids, more horsepower).
with open(f"{w}/changed.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["id"] + head[1:])
    for i in range(0, rows, 100):
        r = body[i % len(body)][1:]
        r[hp - 1] = str(int(r[hp - 1]) + 10)
        out.writerow([i] + r)
PYEOF
MB=$(python3 -c "import os; print(os.path.getsize('$W/cars.csv')/1e6)")
echo "table: $ROWS rows, $MB MB of CSV"

t() { python3 -c 'import time; print(time.time())'; }
a=$(t); "$C" ingest "$W/cars.csv" --dataset cars --key id --store "$S" >/dev/null 2>"$W/ingest.log"; b=$(t)
python3 -c "print(f'ingest CSV -> dataset (raw + record + curated Parquet): {($b-$a):.2f} s, {$MB/($b-$a):.1f} MB/s')"
"$PY" - "$W/cars.csv" "$W/ref.parquet" "$MB" <<'PYEOF'
import sys, time, pyarrow, pyarrow.csv as pc, pyarrow.parquet as pq
t = time.time(); pq.write_table(pc.read_csv(sys.argv[1]), sys.argv[2], compression="snappy"); d = time.time() - t
print(f"reference: pyarrow {pyarrow.__version__} CSV -> Parquet: {d:.2f} s, {float(sys.argv[3])/d:.1f} MB/s")
PYEOF

"$C" publish models/car-price-gbr.onnx --name car-price --store "$S" >/dev/null
a=$(t); "$C" score --dataset cars --model car-price --store "$S" >"$W/full.json"; b=$(t)
python3 -c "print(f'full scoring pass: {$ROWS} rows in {($b-$a):.2f} s, {$ROWS/($b-$a):,.0f} rows/s')"
"$C" ingest "$W/changed.csv" --dataset cars --store "$S" >/dev/null 2>&1
a=$(t); "$C" score --dataset cars --model car-price --store "$S" >"$W/refresh.json"; b=$(t)
python3 -c "import json; r=json.load(open('$W/refresh.json')); print(f'incremental refresh (1% changed: {r[\"changed\"]} re-scored, {r[\"unchanged\"]} kept; the table was already curated by citizen ingest): {($b-$a):.2f} s, {$ROWS/($b-$a):,.0f} rows/s of table')"

# Events: wrk posting NDJSON batches; every answer comes after an fdatasync.
"$C" token create --role maker --store "$S" > "$W/token" 2>/dev/null
"$C" serve --store "$S" --addr 127.0.0.1:0 > "$W/serve.out" 2>/dev/null & SERVER=$!
for _ in $(seq 50); do grep -q http "$W/serve.out" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$W/serve.out")
for per in 1 10; do
  body=$(python3 -c "import json; print(json.dumps(''.join(json.dumps({'device': 7, 'temp': 21.5, 'n': i})+'\n' for i in range($per))))")
  cat > "$W/post.lua" <<LUA
wrk.method = "POST"
wrk.body = $body
wrk.headers["Content-Type"] = "application/x-ndjson"
wrk.headers["Authorization"] = "Bearer $(cat "$W/token")"
LUA
  out=$(wrk -t2 -c32 -d5s -s "$W/post.lua" "$URL/datasets/clicks/events")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  python3 -c "print(f'events acknowledged (32 connections, {$per} event(s) per request, fdatasync before each ack): {$rps*$per:,.0f} events/s ({$rps:,.0f} requests/s){\", non-2xx: $non2xx\" if \"$non2xx\" else \"\"}')"
done
