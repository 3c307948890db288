#!/usr/bin/env bash
# National-scale benchmark: seeds PostgreSQL, starts the server (built with the `production` profile), drives a portal mix with
# wrk at fixed concurrency, and runs each request's SQL directly with pgbench (the floor).
#
#   bench/run.sh                    # 1,000,000 transfers, 16 connections, 20 s per scenario
#   TRANSFERS=10000 DURATION=10s bench/run.sh
#   BENCH_MIX=0 bench/run.sh         # without the portal mix against PostGraphile
#
# After the five scenarios, the portal mix (bench/mix/): question shapes generated from the schema
# with a fixed seed, each run against this server, against PostGraphile v4 (bench/peer/, pinned, with
# the connection-filter plugin and one worker per core) on the same database, and as its SQL floor.
#
# Results go to bench/out/ (a table in results.md, raw tool output beside it).
set -euo pipefail
cd "$(dirname "$0")/.."

TRANSFERS="${TRANSFERS:-1000000}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
DB="bench_${TRANSFERS}"
# Server and database share this machine: TLS over loopback protects nothing and costs both sides
# CPU, so the server and the floor (pgbench) both connect without it. Across hosts, keep TLS.
DBURL="$PG/$DB${BENCH_PG_OPTIONS-?sslmode=disable}"
PORT="${BENCH_PORT:-18480}"
# The planner settings the server gives its own connections (`db::connect`): the floor runs the
# server's statements under the same settings.
SERVER_SESSION="-c enable_memoize=off"
SECRET="bench-secret-0123456789abcdef"
OUT=bench/out
mkdir -p "$OUT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-contrib >/dev/null; }
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

# BENCH_BIN runs another build (a smoke test of this script with a debug build, say).
BIN="${BENCH_BIN:-target/production/pairing}"
[ -n "${BENCH_BIN:-}" ] || cargo build --profile production --bin pairing

# Seed once per size: a database that already holds this size is reused.
if [ "$(psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ] ||
   [ "$(psql "$PG/$DB" -tAc "SELECT count(*) FROM fund_transfers" 2>/dev/null || echo 0)" != "$TRANSFERS" ]; then
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  start=$(date +%s.%N)
  "$BIN" seed --scale "$TRANSFERS" --database-url "$PG/$DB"
  SEED_SECONDS=$(echo "$(date +%s.%N) - $start" | bc)
  echo "$SEED_SECONDS" > "$OUT/seed-seconds-$TRANSFERS"
fi
SEED_SECONDS=$(cat "$OUT/seed-seconds-$TRANSFERS" 2>/dev/null || echo "?")
# Vacuum now (not counted in the seed time), so that autovacuum does not run during the timed runs.
psql "$PG/$DB" -qc "VACUUM (ANALYZE)"

python3 bench/scenarios.py "$PG/$DB" "$OUT" "$TRANSFERS"
MIX="${BENCH_MIX:-1}"
MIX_DURATION="${MIX_DURATION:-10s}"
PEER_PORT="${BENCH_PEER_PORT:-18490}"
if [ "$MIX" != 0 ]; then
  rm -rf "$OUT/mix"
  python3 bench/mix/generate.py "$PG/$DB" "$OUT/mix"
fi

HELPER_TOKEN=$("$BIN" token --role HELPER --org "$(cat "$OUT/helper-org")" --ttl 2h --jwt-secret "$SECRET")
VIEWER_TOKEN=$("$BIN" token --role VIEWER --ttl 2h --jwt-secret "$SECRET")

wait_ready() { for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && return; sleep 0.1; done; }

# The floor: run each request once with SQL tracing on, keep the statements it ran.
RUST_LOG="info,pairing::sql=trace" "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DBURL" \
  --jwt-secret "$SECRET" --log-format json > "$OUT/capture.log" 2>&1 &
CAPTURE=$!
wait_ready
python3 bench/capture_floor.py "http://127.0.0.1:$PORT" "$OUT/capture.log" "$OUT" "$VIEWER_TOKEN"
[ "$MIX" != 0 ] && python3 bench/capture_floor.py "http://127.0.0.1:$PORT" "$OUT/capture.log" "$OUT/mix" "$VIEWER_TOKEN" body-ours-
kill "$CAPTURE"; wait "$CAPTURE" 2>/dev/null || true

"$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DBURL" --jwt-secret "$SECRET" \
  --log-format json > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
wait_ready

metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

printf '| scenario | req/s | p50 ms | p99 ms | errors | SQL/req | floor tx/s | ratio |\n|---|---|---|---|---|---|---|---|\n' > "$OUT/table.md"
for body in "$OUT"/body-*.json; do
  name=$(basename "$body" .json); name=${name#body-}
  token="$VIEWER_TOKEN"; [ "$name" = "f-record-transfer" ] && token="$HELPER_TOKEN"
  # One warm-up request, then the timed run.
  BENCH_BODY="$body" BENCH_TOKEN="$token" BENCH_RUN="warm$RANDOM" wrk -t1 -c1 -d1s -s bench/graphql.lua "http://127.0.0.1:$PORT" > /dev/null
  before=$(metric pairing_sql_statements_total)
  BENCH_BODY="$body" BENCH_TOKEN="$token" BENCH_RUN="run$RANDOM$RANDOM" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/graphql.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-$name.txt"
  after=$(metric pairing_sql_statements_total)
  line=$(grep '^BENCH requests=' "$OUT/wrk-$name.txt")
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  errors=$(sed -E 's/.*errors=([0-9]+) .*/\1/' <<<"$line")
  rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")
  per_req=$(echo "scale=1; ($after - $before) / $requests" | bc)
  floor="-"; ratio="-"
  if [ -f "$OUT/floor-$name.sql" ]; then
    PGOPTIONS="$SERVER_SESSION" pgbench -n -M prepared -f "$OUT/floor-$name.sql" -c "$CONNECTIONS" -j "$THREADS" -T "${DURATION%s}" "$DBURL" > "$OUT/pgbench-$name.txt" 2>&1 || true
    floor=$(awk '/^tps = / { printf "%.1f", $3 }' "$OUT/pgbench-$name.txt")
    [ -n "$floor" ] && ratio=$(echo "scale=2; $floor / $rps" | bc)
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$errors" "$per_req" "$floor" "$ratio" >> "$OUT/table.md"
done
# The portal mix: each shape on this server, on PostGraphile, and as its SQL floor.
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
warm() { # URL-BASE BODY TOKEN: one second of warm-up
  BENCH_BODY="$2" BENCH_TOKEN="$3" BENCH_RUN="warm$RANDOM" wrk -t1 -c1 -d1s -s bench/graphql.lua "$1" > /dev/null
}
drive() { # URL-BASE BODY TOKEN OUT-FILE: the timed run; prints wrk's summary line
  BENCH_BODY="$2" BENCH_TOKEN="$3" BENCH_RUN="run$RANDOM" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$MIX_DURATION" --latency -s bench/graphql.lua "$1" > "$4"
  grep '^BENCH requests=' "$4"
}
if [ "$MIX" != 0 ]; then
  (cd bench/peer && npm ci --silent --no-audit --no-fund)
  # PostGraphile names a self-reference's two directions alike and refuses to start; the smart
  # comment names the backward one (it changes nothing for this server).
  psql "$PG/$DB" -qc "COMMENT ON CONSTRAINT announcements_supersedes_id_fkey ON announcements IS E'@foreignSingleFieldName supersededBy'"
  bench/peer/node_modules/.bin/postgraphile -c "$DBURL" --schema public \
    --append-plugins postgraphile-plugin-connection-filter --cluster-workers "$(nproc)" \
    --port "$PEER_PORT" --host 127.0.0.1 --disable-query-log --disable-graphiql > "$OUT/peer.log" 2>&1 &
  PEER=$!
  trap 'kill $SERVER $PEER 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do
    curl -sf -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' \
      "http://127.0.0.1:$PEER_PORT/graphql" >/dev/null && break
    sleep 0.2
  done
  # Both servers must answer every shape alike before either is timed.
  python3 bench/mix/check.py "http://127.0.0.1:$PORT/graphql" "http://127.0.0.1:$PEER_PORT/graphql" \
    "$OUT/mix" "$VIEWER_TOKEN" | tee "$OUT/mix-check.txt"
  printf '| shape | req/s | p99 ms | SQL/req | PostGraphile req/s | PostGraphile p99 ms | ours / PostGraphile | floor tx/s | floor / ours |\n|---|---|---|---|---|---|---|---|---|\n' > "$OUT/mix-table.md"
  for shape in "$OUT"/mix/mix-*.json; do
    name=$(basename "$shape" .json)
    warm "http://127.0.0.1:$PORT" "$OUT/mix/body-ours-$name.json" "$VIEWER_TOKEN"
    before=$(metric pairing_sql_statements_total)
    ours=$(drive "http://127.0.0.1:$PORT" "$OUT/mix/body-ours-$name.json" "$VIEWER_TOKEN" "$OUT/mix/wrk-ours-$name.txt")
    after=$(metric pairing_sql_statements_total)
    rps=$(field rps "$ours"); p99=$(field p99_ms "$ours"); requests=$(field requests "$ours")
    [ "$(field errors "$ours")" = 0 ] || { echo "$name: errors on this server"; grep sample_error "$OUT/mix/wrk-ours-$name.txt"; exit 1; }
    per_req=$(echo "scale=1; ($after - $before) / $requests" | bc)
    peer_rps="-"; peer_p99="-"; vs="-"
    if [ -f "$OUT/mix/body-peer-$name.json" ]; then
      warm "http://127.0.0.1:$PEER_PORT" "$OUT/mix/body-peer-$name.json" ""
      peer=$(drive "http://127.0.0.1:$PEER_PORT" "$OUT/mix/body-peer-$name.json" "" "$OUT/mix/wrk-peer-$name.txt")
      peer_rps=$(field rps "$peer"); peer_p99=$(field p99_ms "$peer")
      [ "$(field errors "$peer")" = 0 ] || { echo "$name: errors on PostGraphile"; exit 1; }
      vs=$(echo "scale=2; $rps / $peer_rps" | bc)
    fi
    PGOPTIONS="$SERVER_SESSION" pgbench -n -M prepared -f "$OUT/mix/floor-$name.sql" -c "$CONNECTIONS" -j "$THREADS" \
      -T "${MIX_DURATION%s}" "$DBURL" > "$OUT/mix/pgbench-$name.txt" 2>&1 || true
    floor=$(awk '/^tps = / { printf "%.1f", $3 }' "$OUT/mix/pgbench-$name.txt")
    ratio="-"; [ -n "$floor" ] && ratio=$(echo "scale=2; $floor / $rps" | bc)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p99" "$per_req" "$peer_rps" "$peer_p99" "$vs" "$floor" "$ratio" | tee -a "$OUT/mix-table.md"
  done
fi

PEAK_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER/status")
{
  echo "transfers: $TRANSFERS; seed: ${SEED_SECONDS}s; connections: $CONNECTIONS; duration: $DURATION per scenario"
  echo "server peak memory (VmHWM): $((PEAK_KB / 1024)) MiB"
  echo
  cat "$OUT/table.md"
  echo
  echo "ratio = floor throughput / API throughput (the same SQL run directly with pgbench at the same concurrency)."
  if [ "$MIX" != 0 ]; then
    echo
    echo "Portal mix ($MIX_DURATION per shape and server; shapes and their PostGraphile equivalents in $OUT/mix/):"
    echo
    cat "$OUT/mix-table.md"
  fi
} | tee "$OUT/results.md"
