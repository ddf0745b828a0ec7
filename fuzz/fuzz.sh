#!/usr/bin/env bash
# Coverage-guided fuzzing of every fuzz target, one after the other, each for SECONDS.
#   fuzz/fuzz.sh SECONDS [Class#method(types) ...]     (default: every @FuzzTest of the module)
# Jazzer 0.24 (the newest on Maven Central) reads class files up to Java 23, so the targets and the code
# under test are compiled to Java 23 bytecode (the sources need nothing newer) in a copy of the tree under
# $FUZZ_WORK (default /tmp/edgewise-fuzz); the build in the checkout is left alone. Each target runs in its
# own JVM through JUnit's console launcher (Jazzer fuzzes one test per JVM). Corpora grow in
# $FUZZ_WORK/fuzz/.cifuzz-corpus; a finding is written under the copy's
# fuzz/src/test/resources/dev/edgewise/fuzz/<Class>Inputs/<method>/ and the run fails: fix it, then add
# the input to the same place in the repository, where every build replays it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:?usage: fuzz/fuzz.sh SECONDS [Class#method(types) ...]}"; shift
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
# one build and one classpath for every target
./mvnw -q -B -Dmaven.compiler.source=23 -Dmaven.compiler.target=23 -DskipTests -pl fuzz -am test-compile \
  dependency:build-classpath -Dmdep.outputFile=classpath.txt -Dmdep.includeScope=test
./mvnw -q -B -o dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 -DoutputDirectory="$work/launcher" -pl fuzz
cp="fuzz/target/test-classes:$(cat fuzz/classpath.txt):$(ls "$work"/launcher/*.jar)"
status=0
for t in "${targets[@]}"; do
  start=$(date +%s)
  log="fuzz-$t.log"
  if ! JAZZER_FUZZ=1 "$java_home/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx1g \
      -XX:+UseParallelGC -XX:+EnableDynamicAgentLoading -Djazzer.max_duration="${seconds}s" -Dedgewise.fixtures="$fixtures" \
      -cp "$cp" org.junit.platform.console.ConsoleLauncher --disable-banner --details=summary --select-method="dev.edgewise.fuzz.$t" \
      > "$log" 2>&1; then
    echo "fuzz: FINDING in $t (log: $work/$log)"; grep -a -E "FuzzTestFinding|Caused by" "$log" | head -3; status=1
  fi
  stats=$(grep -a -oE '^#[0-9]+.*(DONE|pulse).*' "$log" | tail -1 || true)
  echo "fuzz: $t, $(( $(date +%s) - start )) s: ${stats:-no libFuzzer statistics (see $work/$log)}"
done
exit $status
