#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The release workflow (.github/workflows/release.yml) on this machine, without publishing: lints the workflows,
# builds the jars and the images (with their AOT caches) from a local JRE base, runs the image tests, and writes into
# target/release/ what a release publishes — segura-cli.jar, segura-broker.jar, their .sha256 files and SHA256SUMS,
# the image tars Jib would push (same executions, buildTar instead of build), and the GitHub Action's pin written
# from the jar (action/dist/segura-cli.sha256, sha256sum format). RELEASING.md says when to run it.
#
#   containers/release-dry-run.sh             # image tests only (CliImageIT, BrokerImageIT): the machine is shared
#   TESTS=all containers/release-dry-run.sh   # every module's tests, as the workflow does (long)
#   TESTS=none containers/release-dry-run.sh  # artifacts only
#   TAG=v0.2.0 containers/release-dry-run.sh  # also check that the tag names the project version, as the workflow does
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$root/target/release"
version="$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' cli/pom.xml | tail -n 1)"
[[ -n "$version" ]] || { echo "release-dry-run: cannot read the project version from cli/pom.xml" >&2; exit 2; }
if [[ -n "${TAG:-}" && "$TAG" != "v$version" ]]; then
  echo "release-dry-run: tag $TAG but the project version is $version: set the version first (RELEASING.md)" >&2
  exit 2
fi

echo "== actionlint"
.github/lint/run.sh

if [[ -z "${SEGURA_BASE_IMAGE:-}" ]]; then
  echo "== JRE base (no registry here)"
  containers/build-jre-base.sh
  export SEGURA_BASE_IMAGE="tar://$root/target/jre-base/jre-base.tar"
fi

echo "== build, images, tests (${TESTS:-images})"
case "${TESTS:-images}" in
  all) tests=() ;;
  images) tests=(-Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='CliImageIT,BrokerImageIT'
                 -Dfailsafe.failIfNoSpecifiedTests=false) ;;
  none) tests=(-DskipTests) ;;
  *) echo "release-dry-run: TESTS is all, images or none, not '$TESTS'" >&2; exit 2 ;;
esac
modules=(-pl cli,broker -am)
[[ "${TESTS:-images}" == all ]] && modules=()
XDG_CACHE_HOME="$root/target/xdg-cache" XDG_CONFIG_HOME="$root/target/xdg-config" \
  nice -n 5 ./mvnw -B -q -Pcontainers "${modules[@]}" verify "${tests[@]}"

echo "== $out"
rm -rf "$out"
mkdir -p "$out/action/dist"
cp cli/target/segura-cli.jar broker/target/segura-broker.jar "$out/"
(
  cd "$out"
  sha256sum segura-cli.jar > segura-cli.jar.sha256
  sha256sum segura-broker.jar > segura-broker.jar.sha256
  cat segura-cli.jar.sha256 segura-broker.jar.sha256 > SHA256SUMS
)
cp cli/target/jib-image.tar "$out/segura-cli-$version.image.tar"
cp cli/target/jib-bitbucket-pipe-image.tar "$out/segura-bitbucket-pipe-$version.image.tar"
cp broker/target/jib-image.tar "$out/segura-broker-$version.image.tar"
# The pin the workflow writes into github-action/dist/ before publishing the action, from the released jar.
if [[ -f github-action/scripts/write-pin.js ]]; then
  node github-action/scripts/write-pin.js "$out/segura-cli.jar" "$out/action/dist/segura-cli.sha256" > /dev/null
else
  cp "$out/segura-cli.jar.sha256" "$out/action/dist/segura-cli.sha256"
fi
cmp -s <(cut -d' ' -f1 "$out/action/dist/segura-cli.sha256") <(cut -d' ' -f1 "$out/segura-cli.jar.sha256") \
  || { echo "release-dry-run: the action's pin does not match segura-cli.jar" >&2; exit 1; }
(cd "$out" && sha256sum -c --quiet SHA256SUMS)
echo "release $version (dry run):"
(cd "$out" && ls -l --time-style=+ segura-* SHA256SUMS action/dist/segura-cli.sha256 | awk '{print "  " $5 "\t" $NF}')
cat "$out/SHA256SUMS"
