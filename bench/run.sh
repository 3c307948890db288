#!/usr/bin/env bash
# National-scale benchmark: seeds PostgreSQL, starts the server (built with the `production` profile), drives a portal mix with
# wrk at fixed concurrency, and runs each request's SQL directly with pgbench (the floor).
#
#   bench/run.sh                    # 1,000,000 transfers, 16 connections, 20 s per scenario
#   TRANSFERS=10000 DURATION=10s bench/run.sh
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

cargo build --profile production --bin pairing
BIN=target/production/pairing

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

HELPER_TOKEN=$("$BIN" token --role HELPER --org "$(cat "$OUT/helper-org")" --ttl 2h --jwt-secret "$SECRET")
VIEWER_TOKEN=$("$BIN" token --role VIEWER --ttl 2h --jwt-secret "$SECRET")

wait_ready() { for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && return; sleep 0.1; done; }

# The floor: run each request once with SQL tracing on, keep the statements it ran.
RUST_LOG="info,pairing::sql=trace" "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DBURL" \
  --jwt-secret "$SECRET" --log-format json > "$OUT/capture.log" 2>&1 &
CAPTURE=$!
wait_ready
python3 bench/capture_floor.py "http://127.0.0.1:$PORT" "$OUT/capture.log" "$OUT" "$VIEWER_TOKEN"
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
PEAK_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER/status")
{
  echo "transfers: $TRANSFERS; seed: ${SEED_SECONDS}s; connections: $CONNECTIONS; duration: $DURATION per scenario"
  echo "server peak memory (VmHWM): $((PEAK_KB / 1024)) MiB"
  echo
  cat "$OUT/table.md"
  echo
  echo "ratio = floor throughput / API throughput (the same SQL run directly with pgbench at the same concurrency)."
} | tee "$OUT/results.md"
