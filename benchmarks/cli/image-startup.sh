#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# CLI start-up inside the CLI image (issue 13 "Images with a fast start"): wall time of `segura-cli exec -- true`
# against a local dev broker, measured by hyperfine *inside* a container of the image (the host's hyperfine binary
# bind-mounted; it needs only libc, libm and libgcc_s), so the figure is the JVM's start and the
# flow, not podman's container set-up (libgcc_s, which the JRE itself does not need, is bind-mounted beside it). Beside it, in the same run: the image's JVM without the AOT cache, and
# `java -version`. Then, from the host, a whole `podman run --rm IMAGE exec -- true` for what a CI step pays.
#
#   containers/build-jre-base.sh
#   SEGURA_BASE_IMAGE=tar://$PWD/target/jre-base/jre-base.tar ./mvnw -B -Pcontainers -pl cli -am verify -DskipTests
#   benchmarks/cli/image-startup.sh          # starts a dev broker on a free port (host java), stops it afterwards
#
# Needs hyperfine (apt-get install -y hyperfine), podman (or SEGURA_CONTAINER_ENGINE) and cli/target/jib-image.tar.
# RUNS (default 20). Results: benchmarks/cli/results/image-startup*.{md,json}.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE_TAR="$ROOT/cli/target/jib-image.tar"
BROKER_JAR="$ROOT/broker/target/segura-broker.jar"
RUNS=${RUNS:-20}
OUT="$ROOT/benchmarks/cli/results"
ENGINE=${SEGURA_CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
mkdir -p "$OUT"
chmod 1777 "$OUT" 2>/dev/null || true

HYPERFINE=$(command -v hyperfine || true)
[ -n "$HYPERFINE" ] || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 2; }
[ -n "$ENGINE" ] || { echo "needs podman or docker (or SEGURA_CONTAINER_ENGINE)" >&2; exit 2; }
[ -s "$IMAGE_TAR" ] || { echo "$IMAGE_TAR is missing: build it with -Pcontainers (see the header)" >&2; exit 2; }
[ -s "$BROKER_JAR" ] || { echo "$BROKER_JAR is missing: ./mvnw -q -B -pl broker -am package -DskipTests" >&2; exit 2; }
IMAGE=$("$ENGINE" load -q -i "$IMAGE_TAR" | sed -n 's/^Loaded image[^:]*: *//p' | tail -n 1)

WORK=$(mktemp -d)
BROKER_PID=
cleanup() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$WORK" && SERVER_PORT=$PORT SERVER_ADDRESS=127.0.0.1 exec java -jar "$BROKER_JAR" --dev >"$WORK/broker.log" 2>&1) &
BROKER_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  curl -fs "$URL/actuator/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$URL/actuator/health" >/dev/null || { tail -30 "$WORK/broker.log" >&2; exit 1; }
curl -fs -X PUT "$URL/api/v2/admin/secrets/dev/bench/password" -H "Authorization: Bearer $(cat "$WORK/.segura-dev/admin-token")" \
  -H 'Content-Type: application/json' -d '{"value": "bench-secret-value-0123456789"}' >/dev/null

LIBGCC=$(ldd "$HYPERFINE" | awk '/libgcc_s/ {print $3}')
ENV=(-e "SEGURA_URL=$URL" -e USER=bench -e 'SEGURA_SECRETS=dev/bench/password > DB_PASSWORD')
PLAIN="java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp @/app/jib-classpath-file io.segura.cli.SeguraCli exec -- true"
echo "image: $IMAGE; load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
# Inside one container: the entrypoint's command line (AOT cache), the same JVM without it, and java -version.
"$ENGINE" run --rm --network host "${ENV[@]}" -v "$HYPERFINE:/usr/local/bin/hyperfine:ro" \
  -v "$LIBGCC:/usr/lib/x86_64-linux-gnu/libgcc_s.so.1:ro" -v "$OUT:/results" \
  --entrypoint /usr/local/bin/hyperfine "$IMAGE" -N --warmup 3 --runs "$RUNS" \
  --export-json /results/image-startup.json --export-markdown /results/image-startup.md \
  -n 'in image: segura-cli exec -- true (AOT cache, the entrypoint)' \
  'java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:AOTCache=/opt/segura/aot/segura-cli.aot -cp @/app/jib-classpath-file io.segura.cli.SeguraCli exec -- true' \
  -n 'in image: segura-cli exec -- true (no AOT cache)' "$PLAIN" \
  -n 'in image: java -version' 'java -version'
# From the host: what a CI step pays for a whole container (create, start, the flow, remove).
"$HYPERFINE" -N --warmup 2 --runs "$((RUNS / 2 > 5 ? RUNS / 2 : 5))" \
  --export-json "$OUT/image-startup-podman-run.json" \
  -n "$(basename "$ENGINE") run --rm IMAGE exec -- true" \
  "$ENGINE run --rm --network host -e SEGURA_URL=$URL -e USER=bench -e 'SEGURA_SECRETS=dev/bench/password > DB_PASSWORD' $IMAGE exec -- true"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/image-startup.json" "$OUT/image-startup-podman-run.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        print(f'median {r["median"]*1000:7.0f} ms  mean {r["mean"]*1000:7.0f} ms  {r["command"]}')
PY
