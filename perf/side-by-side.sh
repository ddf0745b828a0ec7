#!/usr/bin/env bash
# Edgewise and llama.cpp on the same GGUF file, measured alternately in the same run.
#
#   perf/side-by-side.sh -m model.gguf [-l /path/to/llama.cpp/build/bin] [-t 2] [-r 5]
#                        [--pp 512] [--tg 128] [--branches 8 --branch-prompt 128] [--depth 4096]
#                        [--busy] [--bandwidth GBPS] [--edgewise bin/edgewise]
#
# Each round runs llama-bench (and llama-batched-bench for --branches/--depth) and `edgewise bench`
# once, swapping which goes first every round, so slow phases of a shared machine hit both alike.
# Printed per test: median, min-max over the rounds and the ratio of the medians (Edgewise /
# llama.cpp), with the machine, threads, both commits and the weights-per-token bound when
# --bandwidth (read GB/s, e.g. from perf's ReadBandwidthBenchmark) is given. Both engines time
# warm runs: llama-bench runs each test once untimed first, and so does `edgewise bench` (its
# --no-warmup turns that off); a JVM's first run of a test also compiles it (0.5B Q8_0's first
# pp512 ran at 190-214 tok/s, the next ones at 204-252).
#
# --busy repeats every decode test with one `nice -n 19` busy loop running beside it and reports
# each engine's slowdown. --depth D decodes 1 and --branches N sequences after a D-token shared
# prompt (llama-batched-bench -npp D -pps against `edgewise bench --branches 1,N --branch-prompt D`).
# llama.cpp is not part of this repository: build it yourself (CPU, native; AMX off where AMX
# crashes), e.g. cmake -B build -DGGML_NATIVE=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF
# -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF && cmake --build build --target llama-bench llama-batched-bench.
# Its commit is read from llama-bench's JSON, or from a file COMMIT in the source tree when the
# build did not know it (a tree exported without .git).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="" llama_bin="${LLAMA_CPP_BIN:-}" threads=2 rounds=5 pp=512 tg=128 branches=0 branch_prompt=128 depth=0
busy=0 bandwidth="" edgewise="$here/bin/edgewise"

usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "side-by-side: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    -m|--model) model="$2"; shift 2 ;;
    -l|--llama-bin) llama_bin="$2"; shift 2 ;;
    -t|--threads) threads="$2"; shift 2 ;;
    -r|--rounds) rounds="$2"; shift 2 ;;
    --pp) pp="$2"; shift 2 ;;
    --tg) tg="$2"; shift 2 ;;
    --branches) branches="$2"; shift 2 ;;
    --branch-prompt) branch_prompt="$2"; shift 2 ;;
    --depth) depth="$2"; shift 2 ;;
    --busy) busy=1; shift ;;
    --bandwidth) bandwidth="$2"; shift 2 ;;
    --edgewise) edgewise="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -n "$model" ] || die "give the GGUF file with -m"
[ -f "$model" ] || die "model file '$model' does not exist"
[ -n "$llama_bin" ] || die "give llama.cpp's build/bin directory with -l (or set LLAMA_CPP_BIN)"
llama_bench="$llama_bin/llama-bench" batched_bench="$llama_bin/llama-batched-bench"
[ -x "$llama_bench" ] || die "$llama_bench is not an executable"
if [ "$branches" -gt 0 ] || [ "$depth" -gt 0 ]; then [ -x "$batched_bench" ] || die "$batched_bench is not an executable"; fi
[ -x "$edgewise" ] || die "$edgewise is not an executable"
for n in "$threads" "$rounds" "$pp" "$tg" "$branches" "$branch_prompt" "$depth"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a whole number"
done
command -v jq >/dev/null || die "jq is needed to read both engines' JSON"

work="$(mktemp -d)"
spinner=""
cleanup() { [ -n "$spinner" ] && kill "$spinner" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_busy() { nice -n 19 bash -c 'while :; do :; done' & spinner=$!; }
stop_busy() { kill "$spinner" 2>/dev/null; wait "$spinner" 2>/dev/null || true; spinner=""; }

# record TEST ENGINE VALUE: one sample per line in $work/samples
record() { echo "$1|$2|$3" >> "$work/samples"; }

run_llama() { # $1 = condition label (quiet / busy)
  local c="$1" out
  out="$("$llama_bench" -m "$model" -t "$threads" -p "$pp" -n "$tg" -r 1 -o json 2>"$work/llama.err")" \
    || { cat "$work/llama.err" >&2; die "llama-bench failed"; }
  echo "$out" > "$work/llama-bench.json"
  record "pp$pp$c" llama "$(jq -r ".[] | select(.n_prompt == $pp and .n_gen == 0) | .avg_ts" <<<"$out")"
  record "tg$tg$c" llama "$(jq -r ".[] | select(.n_gen == $tg and .n_prompt == 0) | .avg_ts" <<<"$out")"
  if [ "$branches" -gt 0 ]; then
    batched "$branch_prompt" "$branches" "$c"
  fi
  if [ "$depth" -gt 0 ]; then
    batched "$depth" "1$([ "$branches" -gt 1 ] && echo ",$branches")" "$c" depth
  fi
}

batched() { # prompt, sequence list, condition, [depth]
  local p="$1" npl="$2" c="$3" kind="${4:-}" out ctx
  local most="${npl##*,}"
  ctx=$((p + most * tg + 16))
  out="$("$batched_bench" -m "$model" -t "$threads" -c "$ctx" -b 2048 -ub 512 -npp "$p" -ntg "$tg" -npl "$npl" -pps \
    --output-format jsonl 2>"$work/batched.err")" || { cat "$work/batched.err" >&2; die "llama-batched-bench failed"; }
  for n in ${npl//,/ }; do
    local v; v="$(grep '^{' <<<"$out" | jq -r "select(.pl == $n) | .speed_tg")"
    record "$(test_name "$p" "$n" "$kind")$c" llama "$v"
  done
}

test_name() { # prompt, sequences, [depth]
  if [ "${3:-}" = depth ]; then echo "tg$tg x$2 @ d$1"; else echo "tg$tg x$2 (pp$1 shared)"; fi
}

run_edgewise() {
  local c="$1" out
  out="$("$edgewise" bench -m "$model" -t "$threads" -p "$pp" -n "$tg" -r 1 --json 2>"$work/edgewise.err")" \
    || { cat "$work/edgewise.err" >&2; die "edgewise bench failed"; }
  echo "$out" > "$work/edgewise.json"
  record "pp$pp$c" edgewise "$(jq -r ".tests[] | select(.test == \"pp$pp\") | .median" <<<"$out")"
  record "tg$tg$c" edgewise "$(jq -r ".tests[] | select(.test == \"tg$tg\") | .median" <<<"$out")"
  if [ "$branches" -gt 0 ]; then
    edgewise_branches "$branch_prompt" "$branches" "$c"
  fi
  if [ "$depth" -gt 0 ]; then
    edgewise_branches "$depth" "1$([ "$branches" -gt 1 ] && echo ",$branches")" "$c" depth
  fi
}

edgewise_branches() { # prompt, sequence list, condition, [depth]
  local p="$1" npl="$2" c="$3" kind="${4:-}" out
  out="$("$edgewise" bench -m "$model" -t "$threads" -p 1 -n "$tg" -r 1 --branches "$npl" --branch-prompt "$p" --json \
    2>"$work/edgewise.err")" || { cat "$work/edgewise.err" >&2; die "edgewise bench --branches failed"; }
  for n in ${npl//,/ }; do
    local v; v="$(jq -r ".tests[] | select(.test == \"tg$tg x$n (pp$p shared)\") | .median" <<<"$out")"
    record "$(test_name "$p" "$n" "$kind")$c" edgewise "$v"
  done
  echo "$out" > "$work/edgewise-branches.json"
}

round() { # condition
  if [ $((i % 2)) -eq 1 ]; then run_llama "$1"; run_edgewise "$1"; else run_edgewise "$1"; run_llama "$1"; fi
}

echo "side-by-side: $rounds rounds, $threads threads, $(basename "$model")" >&2
for i in $(seq 1 "$rounds"); do
  echo "side-by-side: round $i/$rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  round ""
  if [ "$busy" = 1 ]; then start_busy; round " busy"; stop_busy; fi
done

# ---- report
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
isa="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile)$' | tr '\n' ' ')"
llama_commit="$(jq -r '.[0].build_commit' "$work/llama-bench.json")"
for f in "$llama_bin/../../COMMIT" "$llama_bin/../COMMIT"; do
  if [ "$llama_commit" = unknown ] && [ -f "$f" ]; then llama_commit="$(head -c 40 "$f")"; fi
done
ours="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$here" diff --quiet 2>/dev/null || echo +dirty)"
bytes="$(jq -r '.weight_bytes_per_token' "$work/edgewise.json")"
echo
echo "machine: $cpu, $(nproc) cores ($isa), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "threads: $threads | rounds: $rounds | model: $(basename "$model") ($(du -m "$model" | cut -f1) MiB, weights read per token $((bytes / 1000000)) MB)"
echo "llama.cpp: $llama_commit | edgewise: $ours, $(jq -r '.backend + ", Java " + .java' "$work/edgewise.json")"
if [ -n "$bandwidth" ]; then
  echo "decode bound at $bandwidth GB/s read: $(awk -v b="$bandwidth" -v n="$bytes" 'BEGIN{printf "%.1f", b*1e9/n}') tok/s"
fi
echo
awk -F'|' -v bw="${bandwidth:-0}" -v bytes="$bytes" '
  { key = $1 SUBSEP $2; v[key] = v[key] " " $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  function stats(list,   a, k, m, i, j, t) {
    m = split(list, a, " ")
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    lo = a[1]; hi = a[m]
  }
  END {
    printf "| %-30s | %-24s | %-24s | %7s |%s\n", "test (t/s)", "llama.cpp median (range)", "Edgewise median (range)", "ratio", (bw > 0 ? " % of bound (E / L) |" : "")
    printf "|%s|%s|%s|%s|%s\n", "--------------------------------", "--------------------------", "--------------------------", "--------:", (bw > 0 ? "---------------------|" : "")
    for (k = 1; k <= n; k++) {
      t = order[k]
      stats(v[t SUBSEP "llama"]); lm = med; ll = lo; lh = hi
      stats(v[t SUBSEP "edgewise"]); em = med; el = lo; eh = hi
      extra = ""
      if (bw > 0 && t ~ /^tg[0-9]+( busy)?$/) extra = sprintf(" %8.0f%% / %5.0f%% |", 100 * em * bytes / (bw * 1e9), 100 * lm * bytes / (bw * 1e9))
      else if (bw > 0) extra = sprintf(" %19s |", "")
      printf "| %-30s | %7.2f (%6.2f-%6.2f) | %7.2f (%6.2f-%6.2f) | %6.2fx |%s\n", t, lm, ll, lh, em, el, eh, (lm > 0 ? em / lm : 0), extra
      quiet[t] = em SUBSEP lm
    }
    for (k = 1; k <= n; k++) {
      t = order[k]
      if (t !~ / busy$/) continue
      q = substr(t, 1, length(t) - 5)
      if (!(q in quiet)) continue
      split(quiet[q], a, SUBSEP); split(quiet[t], b, SUBSEP)
      printf "busy neighbour, %s: Edgewise %+.1f%%, llama.cpp %+.1f%%\n", q, 100 * (b[1] / a[1] - 1), 100 * (b[2] / a[2] - 1)
    }
  }' "$work/samples"
