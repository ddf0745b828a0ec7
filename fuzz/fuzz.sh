#!/usr/bin/env bash
# Coverage-guided fuzzing of every fuzz target, one after the other, each for SECONDS.
#   fuzz/fuzz.sh SECONDS [Class#method ...]     (default: every @FuzzTest of the module)
# Jazzer 0.24's bytecode library reads class files up to Java 23, so the targets and the code under test
# are compiled to Java 23 bytecode (the sources need nothing newer) in a copy of the tree under
# $FUZZ_WORK (default /tmp/edgewise-fuzz): the build in the checkout is left alone. Corpora grow in
# $FUZZ_WORK/fuzz/.cifuzz-corpus; findings are written to $FUZZ_WORK/fuzz/ (crash-*), and the run fails.
# Add each fixed finding to fuzz/src/test/resources/dev/edgewise/fuzz/<Class>Inputs/<method>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:?usage: fuzz/fuzz.sh SECONDS [Class#method ...]}"; shift
work="${FUZZ_WORK:-/tmp/edgewise-fuzz}"
fixtures="${EDGEWISE_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"   # the copy is elsewhere: name the fixtures' place
mkdir -p "$work"
tar --exclude=./.git --exclude='*/target' --exclude='./fuzz/.cifuzz-corpus' -cf - . | tar -xf - -C "$work"
cd "$work"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/src/test/java/dev/edgewise/fuzz/*FuzzTest.java; do
    c=$(basename "$f" .java)
    for m in $(grep -A1 '@FuzzTest' "$f" | grep -oE 'void [a-zA-Z]+' | cut -d' ' -f2); do targets+=("$c#$m"); done
  done
fi
bytecode="-Dmaven.compiler.source=23 -Dmaven.compiler.target=23"
./mvnw -q -B $bytecode -DskipTests -pl fuzz -am test-compile
status=0
for t in "${targets[@]}"; do
  echo "fuzz: $t for ${seconds}s"
  start=$(date +%s)
  if ! JAZZER_FUZZ=1 ./mvnw -q -B -o $bytecode -pl fuzz -am -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.max_duration="${seconds}s" -Dedgewise.fixtures="$fixtures" verify > "fuzz-$t.log" 2>&1; then
    echo "fuzz: FINDING in $t (log: $work/fuzz-$t.log)"; grep -a -E "FuzzTestFinding|Caused by" "fuzz-$t.log" | head -3; status=1
  fi
  stats=$(grep -a -oE '^#[0-9]+.*(DONE|pulse).*' "fuzz-$t.log" | tail -1 || true)
  echo "fuzz: $t done in $(( $(date +%s) - start ))s: ${stats:-no libFuzzer stats}"
done
exit $status
