#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# CLI start-up benchmark (issue 4): wall time of the full `segura-cli exec -- true` flow against a local dev broker
# (dev-issuer token, RFC 8693 exchange, one lease, child process, revoke), beside `java -version` in the same
# hyperfine run so machine load shows in the baseline too.
#
#   ./mvnw -q -B -pl broker,cli -am package -DskipTests
#   benchmarks/cli/startup.sh                  # starts its own dev broker on a free port, stops it afterwards
#   SEGURA_URL=http://127.0.0.1:8080 benchmarks/cli/startup.sh   # against a dev broker already running
#
# Needs hyperfine (apt-get install -y hyperfine). Uses Temurin 25 for the AOT-cache variant when JAVA25 (default
# /usr/lib/jvm/temurin-25-jdk-amd64/bin/java) exists. Results: benchmarks/cli/results/ (markdown + JSON).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI_JAR="$ROOT/cli/target/segura-cli.jar"
BROKER_JAR="$ROOT/broker/target/segura-broker.jar"
JAVA=${JAVA:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
RUNS=${RUNS:-20}
OUT="$ROOT/benchmarks/cli/results"
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 2; }
[ -f "$CLI_JAR" ] || { echo "$CLI_JAR is missing: ./mvnw -q -B -pl cli -am package -DskipTests" >&2; exit 2; }

WORK=$(mktemp -d)
BROKER_PID=
cleanup() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${SEGURA_URL:-}" ]; then
  [ -f "$BROKER_JAR" ] || { echo "$BROKER_JAR is missing: ./mvnw -q -B -pl broker -am package -DskipTests" >&2; exit 2; }
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$WORK" && SERVER_PORT=$PORT exec "$JAVA" -jar "$BROKER_JAR" --dev >"$WORK/broker.log" 2>&1) &
  BROKER_PID=$!
  export SEGURA_URL="http://127.0.0.1:$PORT"
  for _ in $(seq 1 240); do
    curl -fs "$SEGURA_URL/actuator/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fs "$SEGURA_URL/actuator/health" >/dev/null || { tail -30 "$WORK/broker.log" >&2; exit 1; }
  ADMIN=$(cat "$WORK/.segura-dev/admin-token")
else
  ADMIN=${SEGURA_ADMIN_TOKEN:?set SEGURA_ADMIN_TOKEN from .segura-dev/admin-token of the dev broker}
fi

curl -fs -X PUT "$SEGURA_URL/api/v2/admin/secrets/dev/bench/password" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"value": "bench-secret-value-0123456789"}' >/dev/null
export SEGURA_SECRETS='dev/bench/password > DB_PASSWORD'
unset SEGURA_ADMIN_TOKEN

FAST="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
CMDS=("$JAVA -version" "$ROOT/benchmarks/cli/curl-flow.sh" "$JAVA -jar $CLI_JAR exec -- true" "$JAVA $FAST -jar $CLI_JAR exec -- true")
if [ -x "$JAVA25" ]; then
  AOT="$WORK/segura-cli.aot"
  # One training run records the classes the full flow loads and links; later runs map them from the cache.
  "$JAVA25" -XX:AOTCacheOutput="$AOT" $FAST -jar "$CLI_JAR" exec -- true >/dev/null 2>&1
  CMDS+=("$JAVA25 -version" "$JAVA25 $FAST -jar $CLI_JAR exec -- true"
         "$JAVA25 -XX:AOTCache=$AOT $FAST -jar $CLI_JAR exec -- true")
fi

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/startup.json" --export-markdown "$OUT/startup.md" \
  "${CMDS[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/startup.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'median {r["median"]*1000:7.0f} ms  mean {r["mean"]*1000:7.0f} ms  {r["command"]}')
PY
