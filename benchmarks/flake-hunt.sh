#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Flake hunt: runs the broker's whole test suite N times in a row, then the test classes that use time, threads or
# sockets M more times, and counts, per class and per test, how often each failed. A test that failed once in any
# run is a flake to fix (the cause, never a retry): its name, the run and the first lines of its failure are listed.
#
#   benchmarks/flake-hunt.sh                         # 10 suite runs, then 50 runs of the timing classes
#   benchmarks/flake-hunt.sh --suite-runs 2 --class-runs 5
#   benchmarks/flake-hunt.sh --suite-runs 0 --class-runs 50 --classes GroupReadTest,GroupCommitTest
#
# Needs what `./mvnw verify` needs (PostgreSQL on 127.0.0.1:5432 or SEGURA_TEST_DATABASE_URL). Compiles once through
# the reactor (nothing is installed into ~/.m2), then runs the test phase per run (recompiling nothing). Output:
# target/flake-hunt/summary.txt and one folder of surefire reports per run; exit 1 when any test failed in any run.
set -euo pipefail
cd "$(dirname "$0")/.."

suite_runs=10
class_runs=50
classes=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --suite-runs) suite_runs="$2"; shift 2 ;;
    --class-runs) class_runs="$2"; shift 2 ;;
    --classes) classes="$2"; shift 2 ;;
    -h|--help) sed -n '3,16p' "$0"; exit 0 ;;
    *) echo "flake-hunt: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

out=target/flake-hunt
rm -rf "$out"
mkdir -p "$out"
reports=broker/target/surefire-reports

if [[ -z "$classes" ]]; then
  # Classes whose tests wait on time, threads or sockets (HTTP, the database proxy, issuers, executors, clocks).
  classes=$(grep -rlE 'Thread|Executor|CompletableFuture|CountDownLatch|Clock|Duration\.of|Socket|WebTestClient|TcpProxy|IssuerSimulator|BrokerHttpTest|toFuture\(' \
      broker/src/test/java --include='*Test.java' --include='*Tests.java' \
      | xargs -n1 basename | sed 's/\.java$//' | sort | paste -sd, -)
fi
echo "flake-hunt: $suite_runs suite run(s), then $class_runs run(s) of: $classes" | tee "$out/plan.txt"

echo "flake-hunt: building once"
./mvnw -B -q test-compile -pl broker -am >"$out/build.log" 2>&1

run() { # $1 = label, rest = extra maven args
  local label="$1"; shift
  rm -rf "$reports"
  local status=0
  # The test phase, not surefire:test alone: only a lifecycle build resolves the sibling modules (testkit,
  # shared-client) from this tree's target/ instead of looking for their jars in ~/.m2 (a stale install there would
  # be tested instead, and a clean ~/.m2 has none). Compilation is a no-op after the first build; the fuzz execution
  # is left out (it fuzzes for time, it does not repeat tests).
  ./mvnw -B -o -pl broker -am test -Dsegura.fuzz.skip=true -DtrimStackTrace=true \
      -Dsurefire.failIfNoSpecifiedTests=false "$@" >"$out/$label.log" 2>&1 || status=$?
  mkdir -p "$out/$label"
  cp "$reports"/TEST-*.xml "$out/$label/" 2>/dev/null || true
  echo "flake-hunt: $label exit $status"
  echo "$label $status" >>"$out/exits.txt"
}

for i in $(seq 1 "$suite_runs"); do
  # the *IT classes start the packaged jar, which this script does not build: they belong to `./mvnw verify`
  run "suite-$i" -Dtest='io/segura/broker/**/*,!**/*IT' 
done
for i in $(seq 1 "$class_runs"); do
  run "classes-$i" -Dtest="$classes"
done

python3 - "$out" <<'PY' | tee "$out/summary.txt"
import glob, os, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
runs, failed, where = {}, {}, {}
for run_dir in sorted(d for d in glob.glob(os.path.join(out, '*')) if os.path.isdir(d)):
    run = os.path.basename(run_dir)
    for f in glob.glob(os.path.join(run_dir, 'TEST-*.xml')):
        suite = ET.parse(f).getroot()
        cls = suite.get('name').rsplit('.', 1)[-1]
        runs[cls] = runs.get(cls, 0) + 1
        for case in suite.iter('testcase'):
            bad = case.find('failure') if case.find('failure') is not None else case.find('error')
            if bad is not None:
                key = cls + '.' + case.get('name')
                failed[key] = failed.get(key, 0) + 1
                first = (bad.get('message') or bad.text or '').strip().splitlines()
                where.setdefault(key, []).append(run + ': ' + (first[0][:200] if first else ''))
# A run that failed with no failed test (a build or resolution error, a crashed fork) proves nothing: count it.
broken = []
with open(os.path.join(out, 'exits.txt')) as f:
    for line in f:
        run, status = line.split()
        if status != '0' and not any(w.startswith(run + ': ') for ws in where.values() for w in ws):
            broken.append(run)
print('class runs (a class counted once per run it ran in):')
for cls in sorted(runs):
    print(f'  {cls}: {runs[cls]}')
print()
if broken:
    print('runs that failed without a failed test (see their .log): ' + ', '.join(broken))
if not failed and not broken:
    print('no test failed in any run')
elif not failed:
    sys.exit(1)
else:
    print('FAILED tests (name: failed runs):')
    for key in sorted(failed):
        print(f'  {key}: {failed[key]}')
        for w in where[key][:5]:
            print(f'      {w}')
    sys.exit(1)
PY
