#!/usr/bin/env bash
# Server instructions per request under callgrind: a steady figure for comparing builds on a
# machine whose timings drift (it counts user-space instructions, not time, and not the kernel).
#
#   bench/instructions.sh                 # scenarios a b c d, 100 requests each
#   bench/instructions.sh "b d" 200 path/to/other/pairing
#
# Needs what bench/run.sh leaves behind: the seeded database and bench/out/body-*.json.
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIOS="${1:-a b c d}"
REQUESTS="${2:-100}"
BIN="${3:-target/production/pairing}"
TRANSFERS="${TRANSFERS:-1000000}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
DBURL="$PG/bench_${TRANSFERS}?sslmode=disable"
PORT="${BENCH_PORT:-18490}"
SECRET="bench-secret-0123456789abcdef"
OUT=bench/out

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
[ -x "$BIN" ] || cargo build --profile production --bin pairing
TOKEN=$("$BIN" token --role VIEWER --ttl 2h --jwt-secret "$SECRET")

# Sends N requests over 4 keep-alive connections; fails on any GraphQL error.
send() {
  python3 - "$1" "$TOKEN" "$PORT" "$2" <<'PY'
import http.client, json, sys, threading
body, token, port, n = open(sys.argv[1], "rb").read(), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
def run(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(k):
        c.request("POST", "/graphql", body, headers)
        answer = json.loads(c.getresponse().read())
        if "errors" in answer:
            sys.exit(f"GraphQL errors: {answer['errors']}")
threads = [threading.Thread(target=run, args=(n // 4 + (i < n % 4),)) for i in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
PY
}

for s in $SCENARIOS; do
  body=$(ls "$OUT"/body-"$s"-*.json)
  prof="$OUT/callgrind-$s.out"
  rm -f "$prof"*
  valgrind --tool=callgrind --callgrind-out-file="$prof" --dump-instr=no \
    "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DBURL" --jwt-secret "$SECRET" \
    --log-format json > "$OUT/callgrind-server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
  send "$body" 40                                   # warm-up: caches, prepared statements
  callgrind_control --zero "$server" >/dev/null 2>&1
  send "$body" "$REQUESTS"
  callgrind_control --dump=measured "$server" >/dev/null 2>&1
  kill "$server"; wait "$server" 2>/dev/null || true
  measured=$(grep -l '^desc: Trigger: .*measured' "$prof"* | head -n1)
  total=$(awk '/^(summary|totals):/ { print $2; exit }' "$measured")
  echo "$s: $((total / REQUESTS)) instructions per request (server, $REQUESTS requests; profile: $measured)"
done
