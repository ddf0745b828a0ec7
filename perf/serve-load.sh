#!/usr/bin/env bash
# Load benchmark of `edgewise serve` on the synthetic 0.5B Q4_0 shape (2 threads, 128-token prompts,
# 64 new tokens, 1 vs 8 concurrent clients, then TTFT of a repeated 256-token prefix), and of
# llama-server on the same file when LLAMA_SERVER points at its binary (built outside this repository).
#   perf/serve-load.sh                                  # edgewise only
#   LLAMA_SERVER=/path/to/llama-server perf/serve-load.sh
# Environment: THREADS (2), CLIENTS (1,8), REQUESTS per client (3), PORT (18181), MODEL (default: the synthetic file),
# SKIP_EDGEWISE=1 to measure llama-server only, SERVE_ARGS for more `edgewise serve` options (say "--prefill-chunk 1024").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
THREADS=${THREADS:-2}; CLIENTS=${CLIENTS:-1,8}; REQUESTS=${REQUESTS:-3}; PORT=${PORT:-18181}
CACHE=${EDGEWISE_CACHE:-$HOME/.cache/edgewise}
[ -f perf/target/benchmarks.jar ] && [ -f cli/target/edgewise.jar ] || ./mvnw -q -B -DskipTests package
if [ -z "${MODEL:-}" ]; then
  MODEL=$(ls "$CACHE"/synthetic-qwen2.5-0.5b-q4_0-seed1-*.gguf 2>/dev/null | tail -1 || true)
  if [ -z "$MODEL" ]; then   # bench writes the synthetic file on first use
    bin/edgewise bench --synthetic qwen2.5-0.5b --type q4_0 -p 8 -n 4 -r 1 > /dev/null
    MODEL=$(ls "$CACHE"/synthetic-qwen2.5-0.5b-q4_0-seed1-*.gguf | tail -1)
  fi
fi
# ServeLoad is compiled for Java 25: the JDK of JAVA_HOME (or EDGEWISE_JAVA), as for the build
java_bin=${EDGEWISE_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
"${java_bin:-java}" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])' \
  || { echo "serve-load: set JAVA_HOME (or EDGEWISE_JAVA) to a JDK 25" >&2; exit 2; }
load() { "$java_bin" -cp perf/target/benchmarks.jar dev.edgewise.perf.ServeLoad --url "http://127.0.0.1:$PORT" "$@"; }
wait_healthy() {
  for _ in $(seq 1 600); do
    kill -0 "$1" 2> /dev/null || { echo "serve-load: the server exited (is port $PORT taken?)" >&2; return 1; }
    curl -sf "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && kill -0 "$1" 2> /dev/null && return 0
    sleep 0.2
  done
  echo "serve-load: the server did not become healthy" >&2; return 1
}
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null || true' EXIT
run_against() {  # name pid
  wait_healthy "$2"
  echo "== $1: $(basename "$MODEL"), $THREADS threads, 128-token prompts, 64 new tokens"
  load --clients "$CLIENTS" --requests "$REQUESTS" --prompt 128 --generate 64
  load --prefix 256 --requests 3
  kill "$2"; wait "$2" 2> /dev/null || true
}

if [ -z "${SKIP_EDGEWISE:-}" ]; then
  bin/edgewise serve --model "$MODEL" --threads "$THREADS" --port "$PORT" --ctx-size 2048 ${SERVE_ARGS:-} 2> /tmp/serve-load-edgewise.log &
  server_pid=$!
  run_against "edgewise serve" $!
fi
if [ -n "${LLAMA_SERVER:-}" ]; then
  "$LLAMA_SERVER" -m "$MODEL" -t "$THREADS" -tb "$THREADS" --port "$PORT" -c 16384 -np 8 --cont-batching \
      > /tmp/serve-load-llama.log 2>&1 &
  server_pid=$!
  run_against "llama-server" $!
fi
