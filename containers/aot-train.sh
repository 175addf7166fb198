#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes an image's JDK 25 AOT cache with the image's own JVM and jars at the image's paths (an AOT cache is only
# valid for the JVM and the class path, with the jars' sizes and times, that wrote it): loads the training image Jib
# built, runs one training workload in a container with -XX:AOTCacheOutput into a scratch directory, and copies the
# cache to OUTPUT, which the image's final Jib build adds as a layer (containers/README.md "Fast start").
#
#   containers/aot-train.sh cli    IMAGE_TAR IMAGE OUTPUT BROKER_JAR   # `segura-cli exec -- true` against a dev broker
#   containers/aot-train.sh broker IMAGE_TAR IMAGE OUTPUT TRAINING_YAML # the broker's training run (in-memory H2)
#
# The CLI's workload needs a dev broker: BROKER_JAR runs on the host's java on an ephemeral loopback port, and the
# container shares the host's network. SEGURA_CONTAINER_ENGINE, else podman, else docker.
set -euo pipefail

kind="$1" image_tar="$2" image="$3" output="$4" input="$5"
engine="${SEGURA_CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}"
[[ -n "$engine" ]] || { echo "aot-train: needs podman or docker (or SEGURA_CONTAINER_ENGINE)" >&2; exit 2; }
[[ -s "$image_tar" ]] || { echo "aot-train: no image tar $image_tar (jib:buildTar writes it)" >&2; exit 2; }

work="$(mktemp -d)"
broker_pid=
cleanup() {
  if [[ -n "$broker_pid" ]]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# The image runs as uid 65532: a world-writable scratch directory (no :U, which would chown a host folder).
mkdir -m 1777 "$work/aot"
"$engine" load -q -i "$image_tar" > /dev/null

case "$kind" in
  cli)
    [[ -s "$input" ]] || { echo "aot-train: no broker jar $input (build the broker module first)" >&2; exit 2; }
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    mkdir "$work/broker"
    (cd "$work/broker" && SERVER_PORT="$port" SERVER_ADDRESS=127.0.0.1 exec java -XX:TieredStopAtLevel=1 \
       -jar "$input" --dev > "$work/broker/log" 2>&1) &
    broker_pid=$!
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 600); do
      curl -fs "$url/actuator/health" > /dev/null 2>&1 && break
      kill -0 "$broker_pid" 2>/dev/null || break
      sleep 0.2
    done
    curl -fs "$url/actuator/health" > /dev/null || { echo "aot-train: the dev broker did not start" >&2; tail -30 "$work/broker/log" >&2; exit 1; }
    curl -fs -X PUT "$url/api/v2/admin/secrets/dev/training/password" \
      -H "Authorization: Bearer $(cat "$work/broker/.segura-dev/admin-token")" -H 'Content-Type: application/json' \
      -d '{"value": "training-only-value-0123456789"}' > /dev/null
    # The flags of the image's entrypoint (C1 only, serial GC): a cache is used only with compatible flags.
    "$engine" run --rm --network host -v "$work/aot:/aot" -e SEGURA_URL="$url" -e USER=training \
      -e SEGURA_SECRETS='dev/training/password > DB_PASSWORD' --entrypoint java "$image" \
      -XX:AOTCacheOutput=/aot/cache.aot -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -cp @/app/jib-classpath-file io.segura.cli.SeguraCli exec -- true > "$work/training.log" 2>&1 \
      || { echo "aot-train: the CLI's training run failed" >&2; cat "$work/training.log" >&2; exit 1; }
    ;;
  broker)
    [[ -s "$input" ]] || { echo "aot-train: no training config $input" >&2; exit 2; }
    cp "$input" "$work/aot/training.yaml"
    chmod 644 "$work/aot/training.yaml"
    # The training run (README "Fast start-up") on a throw-away in-memory H2 database, no network but loopback.
    "$engine" run --rm --network none -v "$work/aot:/aot" --entrypoint java "$image" \
      -XX:AOTCacheOutput=/aot/cache.aot -XX:MaxRAMPercentage=75 \
      -Dsegura.training-run=true -Dsegura.config=/aot/training.yaml \
      '-Dsegura.database-url=r2dbc:h2:mem:///aot-training?options=DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH' \
      -Dsegura.master-key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
      -cp @/app/jib-classpath-file io.segura.broker.SeguraBrokerApplication > "$work/training.log" 2>&1 \
      || { echo "aot-train: the broker's training run failed" >&2; tail -40 "$work/training.log" >&2; exit 1; }
    ;;
  *) echo "aot-train: first argument is cli or broker, not '$kind'" >&2; exit 2 ;;
esac

[[ -s "$work/aot/cache.aot" ]] || { echo "aot-train: the training run wrote no AOT cache" >&2; cat "$work/training.log" >&2; exit 1; }
mkdir -p "$(dirname "$output")"
cp "$work/aot/cache.aot" "$output"
chmod 644 "$output"
echo "aot-train: $kind AOT cache $output ($(du -h "$output" | cut -f1))"
