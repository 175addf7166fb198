#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds a JRE base image without any registry, for machines that cannot pull eclipse-temurin:25-jre:
# jlink a JRE from a JDK on the host (Temurin 25 by default: the images carry a JDK 25 AOT cache, which only a Java 25
# JVM reads; JRE_JDK=/path/to/jdk picks another, e.g. a JDK 17 for a base without AOT), copy the shared libraries it needs from the host into a merged-usr rootfs with a
# nonroot user (65532) and /bin/sh (dash: the images' helper scripts need a POSIX shell), `podman import` it and
# `podman save --format docker-archive` it to a tar that Jib accepts as tar://… (Jib refuses OCI archives).
#
#   containers/build-jre-base.sh [OUTPUT_TAR]      default: target/jre-base/jre-base.tar below the repository
#   SEGURA_BASE_IMAGE=tar://$PWD/target/jre-base/jre-base.tar ./mvnw -B verify -Pcontainers
#
# Idempotent: an existing OUTPUT_TAR of the same JDK release (OUTPUT_TAR.jdk) is kept unless FORCE=1.
# CONTAINER_ENGINE=docker works as well as podman.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/jre-base/jre-base.tar}"
engine="${CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}"
java_home="${JRE_JDK:-$(ls -d /usr/lib/jvm/temurin-25-* 2>/dev/null | sort | tail -n 1)}"
[[ -n "$java_home" && -x "$java_home/bin/jlink" ]] || {
  echo "jre-base: no JDK 25 with jlink in /usr/lib/jvm/temurin-25-*; install Temurin 25 or set JRE_JDK=/path/to/jdk" >&2
  exit 2
}
release="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$java_home/release")"
feature="${release%%.*}"
image="localhost/segura-jre-base:$feature"
if [[ -s "$out" && "$(cat "$out.jdk" 2>/dev/null)" == "$release" && "${FORCE:-0}" != 1 ]]; then
  echo "jre-base: $out (Java $release) exists (FORCE=1 rebuilds)"
  exit 0
fi
[[ -n "$engine" ]] || { echo "jre-base: needs podman or docker" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{opt,etc,tmp,home/nonroot,usr/lib/x86_64-linux-gnu,usr/lib64,usr/bin}
chmod 1777 "$rootfs/tmp"
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"
ln -s usr/bin "$rootfs/bin"

# The modules of the CLI and the broker (jdeps --print-module-deps on their jars), plus what TLS, DNS and management
# need at run time. jdeps misses service providers such as jdk.random (the default RandomGenerator; part of java.base
# since JDK 23); java.desktop is there only for java.beans (Spring), headless. Modules this JDK lacks are left out.
wanted="java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,\
java.sql,java.instrument,java.xml,java.scripting,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.unsupported,jdk.naming.dns,\
jdk.zipfs,jdk.management,jdk.localedata,jdk.random,jdk.charsets,java.desktop"
available="$("$java_home/bin/java" --list-modules | sed 's/@.*//')"
modules="$(tr ',' '\n' <<<"$wanted" | grep -Fxf <(echo "$available") | paste -sd, -)"
compress=2
if (( feature >= 21 )); then compress=zip-6; fi   # --compress=2 is deprecated from JDK 21
# A JDK without jmods/ (Temurin 25) links from its own run-time image (JEP 493).
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress="$compress" \
  --generate-cds-archive --output "$rootfs/opt/java" > /dev/null

# Shared libraries: what ldd names for the JRE's binaries and libraries, and the resolver's NSS modules.
libs="$work/libs"
{
  for f in "$rootfs/opt/java/bin/java" "$rootfs/opt/java"/lib/*.so "$rootfs/opt/java/lib/server/libjvm.so" /bin/dash; do
    ldd "$f" 2>/dev/null | awk '/=>/ {print $3} /^\s*\/lib/ {print $1}'
  done
  for n in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2 libdl.so.2 libpthread.so.0 librt.so.1; do
    for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do [[ -e "$d/$n" ]] && echo "$d/$n"; done
  done
} | grep '^/' | sort -u > "$libs"
while read -r lib; do
  cp -L "$lib" "$rootfs/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
done < "$libs"
cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/usr/lib64/ld-linux-x86-64.so.2"
cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
cp -L /bin/dash "$rootfs/usr/bin/sh"
cp -L /bin/true "$rootfs/usr/bin/true"   # `segura-cli exec -- true`: the image build's training run and the start-up benchmark

cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
echo "hosts: files dns" > "$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs/etc/hosts"
chown -R 65532:65532 "$rootfs/home/nonroot"

tar --numeric-owner -C "$rootfs" -cf "$work/rootfs.tar" .
"$engine" import --change 'ENV JAVA_HOME=/opt/java' \
  --change 'ENV PATH=/opt/java/bin:/usr/bin:/bin' \
  --change 'USER 65532' "$work/rootfs.tar" "$image" > /dev/null
mkdir -p "$(dirname "$out")"
rm -f "$out"
"$engine" save --format docker-archive -o "$out" "$image" 2>/dev/null || "$engine" save -o "$out" "$image"
echo "$release" > "$out.jdk"
echo "jre-base: Java $release, $out ($(du -h "$out" | cut -f1)); use SEGURA_BASE_IMAGE=tar://$out"
