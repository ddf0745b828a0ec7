#!/usr/bin/env bash
# Coverage-guided fuzzing of every fuzz target, one after the other, each for SECONDS.
#   fuzz/fuzz.sh SECONDS [Class#method(types)[@SECONDS] ...]   (default: every @FuzzTest of the module)
#   FUZZ_RUNS=1000000 fuzz/fuzz.sh 7200 ...    a target also stops after FUZZ_RUNS executions
# A target's own @SECONDS overrides SECONDS for it (a campaign gives slow targets more time). Per target it
# prints one line: executions, seconds, exec/s, coverage (libFuzzer's cov and ft), corpus size, finding.
# SECONDS and FUZZ_RUNS reach libFuzzer as -max_total_time and -runs (Jazzer's JUnit integration passes the
# configuration parameters jazzer.internal.arg.N to libFuzzer, after the @FuzzTest's own maxDuration, so
# they win); each input may run for FUZZ_TIMEOUT seconds (default 20, above every renderer's time bound).
# Jazzer 0.24 (the newest on Maven Central) reads class files up to Java 23, so the targets and the code
# under test are compiled to Java 23 bytecode (the sources need nothing newer) in a copy of the tree under
# $FUZZ_WORK (default /tmp/edgewise-fuzz); the build in the checkout is left alone. Each target runs in its
# own JVM through JUnit's console launcher (Jazzer fuzzes one test per JVM). Corpora grow in
# $FUZZ_WORK/.cifuzz-corpus/<Class>/<method> (kept from run to run); a finding is written to
# $FUZZ_WORK/crash-<sha1> (the target's line names it) and the run fails: fix it, then add the input to
# fuzz/src/test/resources/dev/edgewise/fuzz/<Class>Inputs/<method>/ in the repository, where every build replays it.
# Exit status: 0 no finding, 1 a finding, 3 the harness could not be built or started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:?usage: fuzz/fuzz.sh SECONDS [Class#method(types)[@SECONDS] ...]}"; shift
runs="${FUZZ_RUNS:-0}"
timeout="${FUZZ_TIMEOUT:-20}"
work="${FUZZ_WORK:-/tmp/edgewise-fuzz}"
fixtures="${EDGEWISE_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"   # the copy is elsewhere: name the fixtures' place
java_home="$(bin/find-jdk)"
mkdir -p "$work"
tar --exclude=./.git --exclude='*/target' --exclude='./fuzz/.cifuzz-corpus' -cf - . | tar -xf - -C "$work"
cd "$work"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/src/test/java/dev/edgewise/fuzz/*FuzzTest.java; do
    c=$(basename "$f" .java)
    # Class#method(parameter types), as JUnit selects a method: "void decode(@NotNull int[] ids)" -> "decode(int[])"
    while read -r sig; do targets+=("$c#$sig"); done < <(grep -A1 '@FuzzTest' "$f" | grep -oE 'void [a-zA-Z]+\([^)]*\)' \
      | sed -E 's/^void //; s/ ?@[A-Za-z]+ ?//g; s/ [a-zA-Z]+(,|\))/\1/g; s/FuzzedDataProvider/com.code_intelligence.jazzer.api.FuzzedDataProvider/')
  done
fi
# one build and one classpath for every target (the launcher is fetched like any dependency: a fresh
# machine has none of them cached); a harness that cannot start exits 3, never 1, which means a finding
./mvnw -q -B -Dmaven.compiler.source=23 -Dmaven.compiler.target=23 -DskipTests -pl fuzz -am test-compile \
  dependency:build-classpath -Dmdep.outputFile=classpath.txt -Dmdep.includeScope=test \
  || { echo "fuzz: FAILED to build the fuzz targets (above)" >&2; exit 3; }
./mvnw -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 -DoutputDirectory="$work/launcher" -pl fuzz \
  || { echo "fuzz: FAILED to fetch JUnit's console launcher (above)" >&2; exit 3; }
cp="fuzz/target/test-classes:$(cat fuzz/classpath.txt):$(ls "$work"/launcher/*.jar)"
status=0
for spec in "${targets[@]}"; do
  t="${spec%@*}"; secs="$seconds"; [ "$t" != "$spec" ] && secs="${spec##*@}"
  start=$(date +%s)
  log="fuzz-$t.log"
  args=(--config jazzer.internal.arg.0=fuzz --config "jazzer.internal.arg.1=-max_total_time=$secs"
        --config "jazzer.internal.arg.2=-timeout=$timeout")
  [ "$runs" -gt 0 ] && args+=(--config "jazzer.internal.arg.3=-runs=$runs")
  finding=none
  if ! JAZZER_FUZZ=1 "$java_home/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx1g \
      -XX:+UseParallelGC -XX:+EnableDynamicAgentLoading -Dedgewise.fixtures="$fixtures" \
      -cp "$cp" org.junit.platform.console.ConsoleLauncher --disable-banner --details=summary "${args[@]}" \
      --select-method="dev.edgewise.fuzz.$t" > "$log" 2>&1; then
    echo "fuzz: FINDING in $t (log: $work/$log)"; grep -a -E "FuzzTestFinding|Caused by" "$log" | head -3; status=1
    finding=$(grep -a -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //'); finding="${finding:-yes (see log)}"
  fi
  elapsed=$(( $(date +%s) - start ))
  last=$(grep -a -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -a -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || true)
  execs="${execs:-$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#')}"
  fuzzed=$(grep -a -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+' || true)
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+' || true)
  corp=$(echo "$last" | grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' | sed 's/corp: //' || true)
  rate=$(( ${execs:-0} / ${fuzzed:-1} )); [ "${fuzzed:-0}" -eq 0 ] && rate="${execs:-0}"
  echo "fuzz: $t: executions ${execs:-?}, seconds ${fuzzed:-?} (${elapsed} s with start-up), exec/s $rate, cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?}, finding $finding"
done
exit $status
