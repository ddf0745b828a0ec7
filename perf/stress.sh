#!/usr/bin/env bash
# Runs the 16-thread concurrency stress test (engine ConcurrencyStressTest) N times in a row and stops
# at the first failure: perf/stress.sh [N=20] [SECONDS=12]. Not part of CI's repetitions (CI runs it once).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-20}"; seconds="${2:-12}"
for i in $(seq 1 "$runs"); do
  if ! ./mvnw -q -B -o -pl engine -am verify -Dtest=ConcurrencyStressTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dstress.seconds="$seconds" > "stress-$i.log" 2>&1; then
    echo "stress: run $i of $runs FAILED (stress-$i.log)"; exit 1
  fi
  echo "stress: run $i of $runs passed: $(grep -o 'stress: [0-9]* requests.*' "stress-$i.log" | head -1)"
  rm -f "stress-$i.log"
done
echo "stress: $runs runs in a row passed"
