#!/usr/bin/env bash
# Load benchmark of `edgewise serve` on the synthetic 0.5B Q4_0 shape (2 threads, 128-token prompts,
# 64 new tokens, 1 vs 8 concurrent clients, then TTFT of a repeated 256-token prefix), and of
# llama-server on the same file when LLAMA_SERVER points at its binary (built outside this repository).
#   perf/serve-load.sh                                  # edgewise only
#   LLAMA_SERVER=/path/to/llama-server perf/serve-load.sh
# Environment: THREADS (2), CLIENTS (1,8), REQUESTS per client (3), PORT (18181), MODEL (default: the synthetic file).
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
load() { java -cp perf/target/benchmarks.jar dev.edgewise.perf.ServeLoad --url "http://127.0.0.1:$PORT" "$@"; }
wait_healthy() {
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && return 0
    kill -0 "$1" 2> /dev/null || { echo "serve-load: the server exited" >&2; return 1; }
    sleep 0.2
  done
  echo "serve-load: the server did not become healthy" >&2; return 1
}
run_against() {  # name pid
  wait_healthy "$2"
  echo "== $1: $(basename "$MODEL"), $THREADS threads, 128-token prompts, 64 new tokens"
  load --clients "$CLIENTS" --requests "$REQUESTS" --prompt 128 --generate 64
  load --prefix 256 --requests 3
  kill "$2"; wait "$2" 2> /dev/null || true
}

bin/edgewise serve --model "$MODEL" --threads "$THREADS" --port "$PORT" --ctx-size 2048 2> /tmp/serve-load-edgewise.log &
run_against "edgewise serve" $!
if [ -n "${LLAMA_SERVER:-}" ]; then
  "$LLAMA_SERVER" -m "$MODEL" -t "$THREADS" -tb "$THREADS" --port "$PORT" -c 16384 -np 8 --cont-batching \
      > /tmp/serve-load-llama.log 2>&1 &
  run_against "llama-server" $!
fi
