#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Scale-out benchmark (issue 16, docs/SCALING.md): the load driver against 1 and then 2 broker replicas behind a real
# HAProxy (the README's configuration), one after the other in the same run, on one database each time. Both share
# this machine's cores with the driver, HAProxy and PostgreSQL, so what it shows is the cost per operation and how
# much throughput a second replica adds *on the same cores* — not what a second machine would add.
#
#   ./mvnw -q -B -pl benchmarks -am package -DskipTests      # the broker jar and the driver (never `install`)
#   benchmarks/scale-out.sh                                  # SECONDS_MEASURED=30 WARMUP=60 SCENARIO=flow CLIENTS=32 WARMUP_TOKENS=30000
#
# Run it on a quiet machine: `uptime` is printed before and after each variant, and figures taken at a load average
# above the core count are a share of a busy scheduler, not a capacity. Needs haproxy (apt-get install haproxy) and
# PostgreSQL on 127.0.0.1:5432 (or SEGURA_TEST_DATABASE_URL). Output: benchmarks/target/scale-out-<date>.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUN_SECONDS=${SECONDS_MEASURED:-30}
WARMUP=${WARMUP:-60}
SCENARIO=${SCENARIO:-flow}
CLIENTS=${CLIENTS:-32}
# RS256 minting costs the driver 1–3 ms a token on these cores: enough for the warm-up, not the driver's 150,000
WARMUP_TOKENS=${WARMUP_TOKENS:-30000}
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT="benchmarks/target/scale-out-$(date -u +%Y%m%dT%H%M%SZ).txt"

{
  echo "scale-out run $(date -u +%FT%TZ), build $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores"
  for n in 1 2; do
    echo
    echo "######## $n replica(s) behind HAProxy ########"
    echo "machine before: $(uptime)"
    java -Xmx1g -cp "$CP" io.segura.benchmarks.LoadDriver --scenario "$SCENARIO" --replicas "$n" \
        --seconds "$RUN_SECONDS" --warmup "$WARMUP" --clients "$CLIENTS" \
        --warmup-tokens "$WARMUP_TOKENS" \
        --work-dir "benchmarks/target/scale-out-r$n"
    echo "machine after: $(uptime)"
  done
} 2>&1 | tee "$OUT"
echo "written: $OUT"
