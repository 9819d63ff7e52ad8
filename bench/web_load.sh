#!/usr/bin/env bash
# Load benchmark of the web application (issue #5): 200 concurrent users against `ansinh serve` on a
# registry already imported (see BENCHMARKS.md: a province of a million households on PostgreSQL).
# Measures household search and the household page apart, then mixed, with wrk (Debian's `wrk`).
#
#   bench/web_load.sh postgres://ansinh:…@localhost:5432/ansinh_load [DURATION=60s] [CONNECTIONS=200]
#
# Environment: ANSINH_BIN (default target/release/ansinh), UNIT (the province code the load-test
# account reads, default 01), PORT (default 8099).
set -euo pipefail
DB=${1:?database URL or SQLite file}
DUR=${2:-60s}
CONN=${3:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${ANSINH_BIN:-${CARGO_TARGET_DIR:-$HERE/../target}/release/ansinh}
PORT=${PORT:-8099}
UNIT=${UNIT:-01}
PW=load-bench-password-2026
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# A province officer (reads the whole subtree); kept if it exists already.
echo "$PW" | "$BIN" users add loadtest --role supervisor --unit "$UNIT" --name "Load test" \
  --password-stdin --database "$DB" >/dev/null 2>&1 || true

"$BIN" serve --database "$DB" --bind "127.0.0.1:$PORT" --insecure-cookies >/tmp/ansinh-load-serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/login" >/dev/null 2>&1 && break
  sleep 1
done

JAR=$(mktemp)
CSRF=$(curl -fsS -c "$JAR" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fsS -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "username=loadtest" \
  --data-urlencode "password=$PW" --data-urlencode "csrf=$CSRF" "http://127.0.0.1:$PORT/login"
SESSION="ansinh_session=$(awk '$6 == "ansinh_session" { print $7 }' "$JAR")"
rm -f "$JAR"
[ "$SESSION" != "ansinh_session=" ] || { echo "login failed" >&2; exit 1; }
# Household ids run from 1; MAX_ID bounds the random pages (a missing id would be a 404, counted).
MAX_ID=${MAX_ID:-1000000}
for mode in search page mix; do
  SESSION="$SESSION" MAX_ID="$MAX_ID" MODE=$mode wrk -t2 -c"$CONN" -d"$DUR" --timeout 10s --latency \
    -s "$HERE/web_load.lua" "http://127.0.0.1:$PORT" | tail -1
done
