#!/usr/bin/env bash
# Regenerates docs/RESULTS.md and docs/plots/*.png: runs every pipe_bench measurement RESULTS.md
# cites, then writes the tables (each preceded by its exact command and the machine it ran on)
# and the comparison with the kernel series' published figures.
#
#   scripts/results.sh            full run (-d 5 --runs 3, the selftest's 3x3 sweep; ~25 min);
#                                 run it on a quiet machine
#   scripts/results.sh --quick    -d 1 --runs 1, a 2x2 sweep, light pressure: checks that the
#                                 script works (a few minutes); the page says "quick run, not for
#                                 citation". Use with --out.
#   --only pool   run only the "Does the unified pool win?" measurements and rewrite only that
#                 section of RESULTS.md (between <!-- pool:begin --> and <!-- pool:end -->, inserted
#                 after the title when absent); the rest of the page is kept as it is
#   --out DIR     write RESULTS.md and plots/ under DIR instead of docs/
#   --build DIR   the CMake build directory holding pipe_bench (default build/; built if needed)
#   --data DIR    keep the raw JSON and text output there (default: a temporary directory)
#   --reuse       with --data: do not measure again what DATA already holds (NAME.json), only
#                 render the page from it
#
# Needs: cmake (pipe_bench and pipepool_idle are built if needed), jq, stress-ng and gnuplot
# (scripts/install-deps.sh installs them; --only pool needs neither stress-ng nor gnuplot).
# The pool section's time budgets come from the environment: POOL_MAX_TIME (each selftest sweep,
# default 8m) and SHARE_MAX_TIME (each --free-share run, default 2m); --quick uses 30s for both.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
OUT="$ROOT/docs"
BUILD="$ROOT/build"
DATA=""
ONLY=""
REUSE=0

usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only)
      [ "${2:-}" = pool ] || { echo "results.sh: --only takes 'pool'" >&2; exit 2; }
      ONLY=pool; shift ;;
    --reuse) REUSE=1 ;;
    --out) OUT=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --data) DATA=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "results.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

TOOLS=(jq cmake)
[ "$ONLY" = pool ] || TOOLS+=(stress-ng gnuplot)
for tool in "${TOOLS[@]}"; do
  command -v "$tool" >/dev/null || { echo "results.sh: $tool not found in PATH" >&2; exit 2; }
done

OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
PLOTS="$OUT/plots"
[ "$ONLY" = pool ] || mkdir -p "$PLOTS"
if [ -z "$DATA" ]; then DATA=$(mktemp -d /tmp/pipe_bench_results.XXXXXX); fi
DATA=$(mkdir -p "$DATA" && cd "$DATA" && pwd)

# ---- what to run -------------------------------------------------------------------------------
if [ "$QUICK" = 1 ]; then
  DUR=1; RUNS=1
  SWEEP=(-w 1,5 -r 1,5); SWEEP_CONFIGS=4
  COSTS=0,1000,16000; N_COSTS=3
  PRESSURE=--memory-pressure=1:256M
else
  DUR=5; RUNS=3
  SWEEP=(); SWEEP_CONFIGS=9   # no -w / -r: the selftest's writers {1,2,5} x readers {1,5,10}
  COSTS=0,250,1000,4000,16000; N_COSTS=5
  PRESSURE=--memory-pressure=stress-ng   # stress-ng --vm 4 --vm-bytes 80% --vm-method all
fi
# The pool section: --runs auto sweeps, resolved to CI_TARGET percent or stopped at their budget.
if [ "$QUICK" = 1 ]; then
  POOL_DUR=0.5; CI_TARGET=20
  POOL_SWEEP=(-w 1,5 -r 5)
  POOL_MAX_TIME=30s; SHARE_MAX_TIME=30s
else
  POOL_DUR=1; CI_TARGET=5
  POOL_SWEEP=()   # the selftest's sweep
  POOL_MAX_TIME=${POOL_MAX_TIME:-8m}; SHARE_MAX_TIME=${SHARE_MAX_TIME:-2m}
fi
SHARES=(0 50 100)
TIE_PCT=5   # a ratio "ties" when its whole 95% CI lies within 1 +- TIE_PCT%
IDLE_PIPES=1000
POLICIES=legacy,prealloc,unified,shrinker
N_TARGETS=5   # the policies and kernel
CEILING_TARGETS=memcpy,kernel,kernel-procs,kernel-vmsplice,legacy,prealloc,unified,shrinker
N_CEILING=8

# Planned seconds: runs x (duration + ~0.1 s set-up), plus up to ~3 s of stress-ng ramp-up.
estimate() {
  awk -v d="$DUR" -v r="$RUNS" -v s="$SWEEP_CONFIGS" -v c="$N_COSTS" -v m="$N_CEILING" \
    -v n="$N_TARGETS" 'BEGIN { runs = r * (2 * s * n + c * n + m); printf "%d", runs * (d + 0.1) + 3 }'
}
# A --max-time DURATION (90s, 8m, 1h) in seconds.
seconds() {
  awk -v t="$1" 'BEGIN { n = t + 0; u = substr(t, length(t)); f = u == "h" ? 3600 : u == "m" ? 60 : 1
    printf "%d", n * f }'
}
# The pool section's budget: each --runs auto sweep stops at its --max-time (plus ~5 s set-up).
POOL_TOTAL=$(( 4 * ($(seconds "$POOL_MAX_TIME") + 5) + ${#SHARES[@]} * ($(seconds "$SHARE_MAX_TIME") + 5) ))
if [ "$ONLY" = pool ]; then TOTAL=$POOL_TOTAL; else TOTAL=$(( $(estimate) + POOL_TOTAL )); fi
printf 'results.sh: %s run%s; up to %d min %02d s of measuring (plus the build), started %s\n' \
  "$([ "$QUICK" = 1 ] && echo quick || echo full)" "$([ "$ONLY" = pool ] && echo ', pool section only')" \
  $((TOTAL / 60)) $((TOTAL % 60)) "$(date -u +%H:%M:%SZ)"
printf 'results.sh: output %s, raw data %s\n' "$OUT" "$DATA"

# ---- build -------------------------------------------------------------------------------------
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" --target pipe_bench pipepool_idle -j "$(nproc)" >/dev/null
PB="$BUILD/pipe_bench"
IDLE="$BUILD/pipepool_idle"
if ! "$PB" --help 2>/dev/null | grep -q '^  shrinker'; then
  echo "results.sh: this pipe_bench has no shrinker target (pipepool built without it)" >&2
  exit 2
fi

# The command as RESULTS.md shows it: paths relative to the repository (raw JSON by file name).
show() {
  local out=() a
  for a in "$@"; do
    a=${a//$DATA\//}
    a=${a//$ROOT\//}
    out+=("$a")
  done
  echo "${out[*]}"
}

declare -A CMD
# run NAME ARGS...: pipe_bench ARGS --json DATA/NAME.json, text to DATA/NAME.txt
# With --reuse, a run whose JSON is already in DATA is not measured again (the page is rendered
# from it, with the command that made it).
run() {
  local name=$1; shift
  local args=("$@" --json "$DATA/$name.json")
  CMD[$name]=$(show "$PB" "${args[@]}")
  if [ "$REUSE" = 1 ] && [ -s "$DATA/$name.json" ]; then
    echo "results.sh: [$name] reusing $(show "$DATA/$name.json")" >&2
    return
  fi
  echo "results.sh: [$name] ${CMD[$name]}" >&2
  "$PB" "${args[@]}" >"$DATA/$name.txt"
}

# The pool section: the four sweeps, then the free-share runs at 5 writers / 5 readers.
POOL_COMMON=(-t "$POLICIES" --baseline legacy,prealloc,unified -d "$POOL_DUR" --runs auto
  --ci-target "$CI_TARGET")
run pool-model "${POOL_SWEEP[@]}" "${POOL_COMMON[@]}" -a model --model-preset kernel \
  --max-time "$POOL_MAX_TIME"
run pool-model-reclaim "${POOL_SWEEP[@]}" "${POOL_COMMON[@]}" -a model --model-preset kernel-reclaim \
  --max-time "$POOL_MAX_TIME"
run pool-os "${POOL_SWEEP[@]}" "${POOL_COMMON[@]}" -a os --max-time "$POOL_MAX_TIME"
run pool-os-reclaim "${POOL_SWEEP[@]}" "${POOL_COMMON[@]}" -a os --memory-pressure \
  --max-time "$POOL_MAX_TIME"
for share in "${SHARES[@]}"; do
  run "share-$share" -w 5 -r 5 "${POOL_COMMON[@]}" -a model --model-preset kernel \
    --free-share "$share" --max-time "$SHARE_MAX_TIME"
done

COMMON=(-d "$DUR" --runs "$RUNS")
if [ -z "$ONLY" ]; then
run sweep "${SWEEP[@]}" "${COMMON[@]}" -t "$POLICIES,kernel" --baseline legacy,prealloc,unified \
  --plot "$PLOTS/sweep.png"
run sweep-pressure "${SWEEP[@]}" "${COMMON[@]}" -t "$POLICIES,kernel" \
  --baseline legacy,prealloc,unified "$PRESSURE" --plot "$PLOTS/sweep-pressure.png"
run alloc-cost -w 5 -r 5 "${COMMON[@]}" -t "$POLICIES,kernel" -a model --alloc-cost "$COSTS" \
  --baseline legacy,unified --plot "$PLOTS/alloc-cost.png"
run ceiling -w 5 -r 5 "${COMMON[@]}" -t "$CEILING_TARGETS" --baseline memcpy,kernel \
  --plot "$PLOTS/ceiling.png"

# Idle memory: pages held by idle pipes per policy, before and after a pressure event.
CMD[idle]=$(show "$IDLE" --pipes "$IDLE_PIPES" --json "$DATA/idle.json")
echo "results.sh: [idle] ${CMD[idle]}" >&2
"$IDLE" --pipes "$IDLE_PIPES" --json "$DATA/idle.json" >"$DATA/idle.txt"
fi

# ---- tables ------------------------------------------------------------------------------------
# jq helpers: number formats and lookups into one pipe_bench JSON document.
JQ_LIB='
def fix(n): (. * pow(10; n) | round) as $v | ($v | fabs) as $a
  | (if $v < 0 then "-" else "" end) + (($a / pow(10; n)) | floor | tostring)
    + (if n > 0 then "." + ((($a % pow(10; n)) | tostring) as $f
         | ([range(0; n - ($f | length))] | map("0") | join("")) + $f) else "" end);
def k: if . >= 1000000 then (. / 1000000 | fix(2)) + "M" elif . >= 1000 then (. / 1000 | fix(1)) + "k"
       else fix(0) end;
def pct: ((. - 1) * 100) as $p | (if $p >= 0 then "+" else "" end) + ($p | fix(1)) + "%";
def rate(r): if r == null then "–" else (r.median.writes_per_s | k) + (if (r.runs | length) > 1
       then " (" + (r.min.writes_per_s | k) + "–" + (r.max.writes_per_s | k) + ")" else "" end) end;
def result(t; c): first(.results[] | select(.target == t and .config_index == c.index)) // null;
def cmp(t; b; c; m): first(.comparisons[] | select(.target == t and .baseline == b
       and .config.index == c.index and .metric == m)) // null;
def ratio_text: if . == null then "–" else (.ratio | fix(2)) + (if .ci95 == null then ""
       else " [" + (.ci95[0] | fix(2)) + "–" + (.ci95[1] | fix(2)) + "]" end) end;
def configs: [.comparisons[].config] | unique_by(.index) | sort_by(.index);
'

# jqf NAME FILTER [jq options]: FILTER (with the helpers) over DATA/NAME.json.
jqf() { local file=$1 filter=$2; shift 2; jq -r "$@" "$JQ_LIB $filter" "$DATA/$file.json"; }

context_line() {
  jqf "$1" '.context | "\(.host): kernel \(.kernel), \(.cores) x \(.cpu_model), \(.build_type) build, pipepool \(.pipepool_version) (git \(.git_revision)), \(.date)"
    + (if .shrinker_pressure_source == null then "" else "; shrinker pressure source: `\(.shrinker_pressure_source)`" end)'
}

sweep_table() {
  jqf "$1" '
  "| writers | readers | legacy | prealloc | unified | shrinker | kernel | prealloc / legacy | unified / legacy | unified / prealloc | shrinker / unified | shrinker / legacy | kernel / legacy |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  (. as $d | configs[] as $c |
    "| \($c.writers) | \($c.readers) | " +
    ([ "legacy", "prealloc", "unified", "shrinker", "kernel" ] | map(. as $t | $d | rate(result($t; $c))) | join(" | ")) + " | " +
    ([ $d | cmp("prealloc"; "legacy"; $c; "writes_per_s"), cmp("unified"; "legacy"; $c; "writes_per_s"),
            cmp("unified"; "prealloc"; $c; "writes_per_s"), cmp("shrinker"; "unified"; $c; "writes_per_s"),
            cmp("shrinker"; "legacy"; $c; "writes_per_s"), cmp("kernel"; "legacy"; $c; "writes_per_s") ]
      | map(ratio_text) | join(" | ")) + " |")'
}

cost_table() {
  jqf alloc-cost '
  "| model cost / page | legacy | prealloc | unified | shrinker | kernel | prealloc / legacy | unified / legacy | shrinker / unified | shrinker / legacy |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  (. as $d | configs[] as $c |
    "| \($c.alloc_cost_ns) ns | " +
    ([ "legacy", "prealloc", "unified", "shrinker", "kernel" ] | map(. as $t | $d | rate(result($t; $c))) | join(" | ")) + " | " +
    ([ $d | cmp("prealloc"; "legacy"; $c; "writes_per_s"), cmp("unified"; "legacy"; $c; "writes_per_s"),
            cmp("shrinker"; "unified"; $c; "writes_per_s"), cmp("shrinker"; "legacy"; $c; "writes_per_s") ]
      | map(ratio_text) | join(" | ")) + " |")'
}

ceiling_table() {
  jqf ceiling '
  "| target | writes/s | MiB/s | fraction of memcpy | vs kernel | p99 write latency |",
  "|---|---:|---:|---:|---:|---:|",
  (. as $d | configs[0] as $c | .results[] | . as $r |
    "| \(.target) | \(rate($r)) | \(.median.throughput_mbps | fix(0)) | " +
    (if .target == "memcpy" then "1" else ($d | cmp($r.target; "memcpy"; $c; "writes_per_s") | ratio_text) end) + " | " +
    (if .target == "kernel" then "1" else ($d | cmp($r.target; "kernel"; $c; "writes_per_s") | ratio_text) end) + " | " +
    "\(.median.lat_p99_ns / 1000 | fix(0)) us |")'
}

idle_table() {
  jq -r '
  def pp(n; p): if p == 0 then "–" else ((n / p * 100 | round) / 100 | tostring) end;
  "| policy | pages held before | per pipe | pages held after | per pipe | allocator live pages before | after | reclaimed |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
  (.results[] | "| \(.policy) | \(.held_before) | \(pp(.held_before; .pipes)) | \(.held_after) | \(pp(.held_after; .pipes)) | \(.live_before) | \(.live_after) | \(.reclaimed) |")' \
    "$DATA/idle.json"
}

# min, max and the 5W/5R value of a comparison's ratio over a sweep, as JSON.
ratio_range() {  # file target baseline
  jqf "$1" '
  [.comparisons[] | select(.target == $t and .baseline == $b and .metric == "writes_per_s")] as $c
  | { min: ($c | map(.ratio) | min), max: ($c | map(.ratio) | max),
      five: (first($c[] | select(.config.writers == 5 and .config.readers == 5)) // null) }' \
    -c --arg t "$2" --arg b "$3"
}

pct_of() { jq -r "$JQ_LIB .$2 | if . == null then \"n/a\" else pct end" <<<"$1"; }
five_of() {
  jq -r "$JQ_LIB .five | if . == null then \"n/a\" else (.ratio | pct) + (if .ci95 == null then \"\"
    else \" (95% CI \" + (.ci95[0] | pct) + \"..\" + (.ci95[1] | pct) + \")\" end) end" <<<"$1"
}
# Our 5W/5R estimate against the published range [lo, hi] (ratios): "consistent with" when its
# 95% CI (or, with a single run, the ratio) overlaps the range, else "below" / "above".
verdict() {
  jq -r --argjson lo "$2" --argjson hi "$3" '
    .five | if . == null then "not measured against" else
      (.ci95 // [.ratio, .ratio]) as $ci
      | if $ci[1] < $lo then "below" elif $ci[0] > $hi then "above" else "consistent with" end
    end' <<<"$1"
}

# ---- the pool section ("Does the unified pool win?") ---------------------------------------------
POOL_JQ='
def median: sort | length as $n | if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2 | floor]
       else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
def wname(c): "\(c.writers)W/\(c.readers)R";
def marked: if . == null then "–" else ratio_text + (if .resolved == false
       then " (±" + (.half_width_pct | fix(1)) + "%, unresolved)" else "" end) end;
def wps(t; c): result(t; c) | if . == null then "–" else .median.writes_per_s | k end;
def us(x): if x == null then "–" else x / 1000 | fix(1) end;
def hold(t; c): result(t; c).median.lock_hold_ns_per_write // null;
def holdwait(t; c): result(t; c) | if . == null then "–"
       else us(.median.lock_hold_ns_per_write) + " / " + us(.median.lock_wait_ns_per_write) end;
# pages allocated + freed under the pipe mutex per write: the median over the runs
def inlock(t; c): result(t; c) | if . == null or .median.allocs_in_lock == null then null
       else [.runs[].metrics | select(.writes > 0) | (.allocs_in_lock + .frees_in_lock) / .writes]
            | median end;
def num1: if . == null then "–" else fix(1) end;
def verdict5: if . == null or .ci95 == null then "no CI"
       elif .ci95[0] > 1 then "wins" elif .ci95[1] < 1 then "loses"
       elif .ci95[0] >= 1 - $tie / 100 and .ci95[1] <= 1 + $tie / 100 then "ties within ±\($tie)%"
       else "inconclusive (CI spans 1 beyond ±\($tie)%)" end;
def five: first(configs[] | select(.writers == 5 and .readers == 5)) // null;
# writes/s comparisons, one per pair of policies (the later policy over the earlier one)
def order: {"legacy": 0, "prealloc": 1, "unified": 2, "shrinker": 3};
def wcmps: [.comparisons[] | select(.metric == "writes_per_s"
       and (order[.target] // 9) > (order[.baseline] // 9))];
def brief: if . == null then "–" else ratio_text + (if .half_width_pct == null then ""
       else ", ±" + (.half_width_pct | fix(1)) + "%" end) end;
'
pjq() { local file=$1 filter=$2; shift 2; jq -r --argjson tie "$TIE_PCT" "$@" "$JQ_LIB $POOL_JQ $filter" "$DATA/$file.json"; }

pool_table() {
  pjq "$1" '
  "| writers | readers | legacy | prealloc | unified | shrinker | prealloc / legacy | unified / legacy | unified / prealloc | shrinker / unified |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  (. as $d | configs[] as $c |
    "| \($c.writers) | \($c.readers) | " +
    ([ "legacy", "prealloc", "unified", "shrinker" ] | map(. as $t | $d | wps($t; $c)) | join(" | ")) + " | " +
    ([ $d | cmp("prealloc"; "legacy"; $c; "writes_per_s"), cmp("unified"; "legacy"; $c; "writes_per_s"),
            cmp("unified"; "prealloc"; $c; "writes_per_s"), cmp("shrinker"; "unified"; $c; "writes_per_s") ]
      | map(marked) | join(" | ")) + " |")'
}

mechanism_table() {
  pjq "$1" '
  "| writers | readers | legacy hold / wait µs | prealloc hold / wait µs | unified hold / wait µs | shrinker hold / wait µs | legacy pages in lock | prealloc pages in lock | unified pages in lock | shrinker pages in lock |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  (. as $d | configs[] as $c |
    "| \($c.writers) | \($c.readers) | " +
    ([ "legacy", "prealloc", "unified", "shrinker" ] | map(. as $t | $d | holdwait($t; $c)) | join(" | ")) + " | " +
    ([ "legacy", "prealloc", "unified", "shrinker" ] | map(. as $t | $d | inlock($t; $c) | num1) | join(" | ")) + " |")'
}

# "In short": how many comparisons the four sweeps resolved, and what the counters (exact, not
# noisy) say at 5 writers / 5 readers of the model sweep.
in_short() {
  local total=0 resolved=0 n r
  for name in pool-model pool-model-reclaim pool-os pool-os-reclaim; do
    n=$(pjq "$name" 'wcmps | length'); r=$(pjq "$name" '[wcmps[] | select(.resolved == true)] | length')
    total=$((total + n)); resolved=$((resolved + r))
  done
  local pages
  pages=$(pjq pool-model '. as $d | five as $c | if $c == null then "n/a" else
    ([ "legacy", "prealloc", "unified", "shrinker" ]
     | map(. as $t | "\($t) \($d | inlock($t; $c) | num1)") | join(", ")) end')
  echo "**In short.** $resolved of $total writes/s comparisons over the four sweeps were resolved to"
  echo "±${CI_TARGET}%. The counters are exact and tell the designs apart: pages allocated + freed under"
  echo "the pipe mutex per 64 KiB write at 5 writers / 5 readers (model sweep) are $pages, and the lock"
  echo "hold times in the mechanism tables follow them where page costs are charged. Whether that"
  echo "turns into writes/s is what the ratios measure; where a ratio is unresolved, run-to-run noise"
  echo "on this 2-vCPU machine (10 threads on 2 CPUs; single runs that drop several-fold when a thread"
  echo "is descheduled while holding the mutex) is larger than the effect, and each resolution line"
  echo "above says how many rounds the widest interval would need at that noise."
}

resolution_line() {
  pjq "$1" '
  wcmps as $w | [$w[] | select(.resolved == false)] as $u
  | "\($w | length - ($u | length)) of \($w | length) writes/s comparisons resolved to ±\(.options.ci_target_pct)%; "
    + (if ($u | length) == 0 then "none unresolved."
       else "unresolved: " + ([$u | group_by(.config.index)[] | wname(.[0].config) + " "
         + (map("\(.target)/\(.baseline) ±\(.half_width_pct | fix(1))%") | join(", "))] | join("; ")) + ". "
         + ($u | max_by(.half_width_pct)) as $worst
         | ($worst.rounds * pow($worst.half_width_pct / .options.ci_target_pct; 2) | ceil) as $need
         | ([.results[].target] | unique | length) as $nt
         | (.results[0].config.duration_s + 0.1) as $run_s
         | "At the noise measured here, the widest (±\($worst.half_width_pct | fix(1))% after \($worst.rounds) rounds) "
           + "would need about \($need) rounds, \($need * $nt * $run_s / 60 | ceil) min for its configuration alone."
       end)'
}

reclaim_evidence() {
  pjq "$1" '
  [.results[].runs[].reclaim | select(. != null)] as $r | ($r | map(select(.reclaimed)) | length) as $n
  | def total(f): ($r | map(f) | map(select(. != null))) as $v | if ($v | length) == 0 then "n/a" else ($v | add | tostring) end;
  if ($r | length) == 0 then "Reclaim evidence: none recorded (no --memory-pressure counters in the JSON)."
  elif $n == 0 then "Reclaim evidence: **none of the \($r | length) runs caused reclaim**, so this sweep measured no more than pool-os does"
    + (if .context.pressure.no_reclaim then " (\(.context.pressure.no_reclaim))" else "" end) + "."
  else "Reclaim evidence: \($n) of \($r | length) runs reclaimed (\(.context.pressure.command)); over all runs the cgroup memory.failcnt grew by \(total(.failcnt)), its pgscan by \(total(.pgscan)), /proc/vmstat pgscan_direct by \(total(.vm_pgscan_direct)) and allocstall by \(total(.vm_allocstall))."
    + (if .context.pressure.no_reclaim then " pipe_bench notes: \(.context.pressure.no_reclaim)." else "" end)
  end'
}

preset_text() {  # the model preset of a sweep, from its JSON context
  pjq "$1" '.context.model_preset | if . == null then "no preset" else
    "`\(.name)` preset\u0027s costs, alloc \(.alloc_cost_ns) ns and free \(.free_cost_ns) ns per page, "
    + (if (.reclaim_stall_probability // 0) == 0 then "no reclaim stall"
       else "a reclaim stall of \(.reclaim_stall_ns / 1000 | fix(0)) µs on \(.reclaim_stall_probability * 100 | fix(1))% of allocations" end)
    + (if .source == null or .source.date == null then " (" + .origin + "; no measurement source recorded)"
       else " (measured by `\(.source.tool // "pipe_bench --probe")` on \(.source.host // "?"), \(.source.date))" end) end'
}

share_table() {
  local s
  echo "| free share | alloc / free ns | unified / legacy | unified / prealloc | prealloc / legacy | hold µs per write legacy / prealloc / unified |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for s in "${SHARES[@]}"; do
    pjq "share-$s" '. as $d | configs[0] as $c | result("unified"; $c).config as $k |
      "| \($s)% | \($k.alloc_cost_ns) / \($k.free_cost_ns) | " +
      ([ $d | cmp("unified"; "legacy"; $c; "writes_per_s"), cmp("unified"; "prealloc"; $c; "writes_per_s"),
              cmp("prealloc"; "legacy"; $c; "writes_per_s") ] | map(marked) | join(" | ")) + " | " +
      ([ "legacy", "prealloc", "unified" ] | map(. as $t | $d | us(hold($t; $c))) | join(" / ")) + " |"' \
      --arg s "$s"
  done
}

# Findings of one sweep: unified against prealloc and legacy at 5W/5R (verdict, then the mutex
# and the pages under it in numbers) and the verdicts counted over the sweep.
findings() {
  pjq "$1" '
  . as $d | configs as $cs | five as $f
  | def mech(o; c): (hold("unified"; c)) as $hu | (hold(o; c)) as $ho
      | (inlock("unified"; c)) as $iu | (inlock(o; c)) as $io
      | if $hu == null or $ho == null then "" else
        "unified holds the pipe mutex \((($hu - $ho) | fabs) / 1000 | fix(1)) µs \(if $hu <= $ho then "less" else "more" end) per write (\(us($hu)) vs \(us($ho)) µs)"
        + (if $iu == null or $io == null then "" else
           " and allocates/frees \(($iu - $io) | fabs | fix(1)) \(if $iu <= $io then "fewer" else "more" end) pages under it (\($iu | fix(1)) vs \($io | fix(1)))" end) end;
    def one(o): $d | cmp("unified"; o; $f; "writes_per_s") as $r
      | "unified vs \(o): **\($r | verdict5)** (\($r | brief))" + (mech(o; $f) | if . == "" then "" else "; " + . end);
    def spread(o): [$cs[] as $c | $d | (hold("unified"; $c)) as $u | (hold(o; $c)) as $h
        | select($u != null and $h != null) | ($u - $h) / 1000] as $x
      | if ($x | length) == 0 then "" else " (unified minus \(o) hold per write: \($x | min | fix(1))..\($x | max | fix(1)) µs)" end;
    def count(o): [$cs[] as $c | $d | cmp("unified"; o; $c; "writes_per_s") | verdict5] | group_by(.)
      | map("\(.[0]) in \(length)") | join(", ");
  "- **\($name)**: " + (if $f == null then "no 5W/5R configuration. "
      else "at 5W/5R, " + one("prealloc") + ". " + one("legacy") + ". " end)
    + "Over the \($cs | length) configurations, unified vs prealloc: \(count("prealloc"))\(spread("prealloc")); vs legacy: \(count("legacy"))\(spread("legacy"))."' --arg name "$1"
}

pool_section() {
  local name
  echo "<!-- pool:begin -->"
  echo "## Does the unified pool win?"
  echo
  if [ "$QUICK" = 1 ]; then
    echo "> **Quick run, not for citation**: \`scripts/results.sh --quick\` (a 2-configuration sweep,"
    echo "> ${POOL_DUR} s runs, ±${CI_TARGET}% target, ${POOL_MAX_TIME} per sweep). It only shows that the script works."
    echo
  fi
  echo "Four page-pool policies run the selftest's workload side by side: legacy (Linux <= 7.1,"
  echo "two spare pages, allocation under the pipe mutex), prealloc (7.2, a burst allocated before"
  echo "the mutex), unified (7.3, one per-pipe pool trimmed to 2) and shrinker (ours, a pool kept up"
  echo "to a cap and given back under memory pressure). Each sweep measures in interleaved, paired"
  echo "rounds (A B C D, D C B A, ...) until every writes/s ratio is *resolved*, its 95% CI half-width"
  echo "within ±${CI_TARGET}%, or its time budget is spent; an unresolved ratio is shown with its half-width."
  echo "The model sweeps charge the $(preset_text pool-model); and the $(preset_text pool-model-reclaim)."
  echo "The os sweeps use real pages from the \`os\` allocator, the last one inside a memory cgroup"
  echo "held at its limit so that allocations reclaim. Generated on $(date -u +%Y-%m-%d)."
  echo
  echo "Mechanism tables: the pipe mutex's hold and wait time per write (summed over every caller,"
  echo "readers included; medians over the runs) and the pages allocated + freed under it per write."
  for name in pool-model pool-model-reclaim pool-os pool-os-reclaim; do
    echo
    echo "### $name"
    echo
    echo '```'
    echo "${CMD[$name]}"
    echo '```'
    echo
    echo "Machine: $(context_line "$name")"
    echo
    if [ "$name" = pool-os-reclaim ]; then
      reclaim_evidence "$name"
      echo
    fi
    pool_table "$name"
    echo
    mechanism_table "$name"
    echo
    resolution_line "$name"
  done
  echo
  echo "### Where the page cost falls: --free-share"
  echo
  echo "5 writers / 5 readers, the \`kernel\` preset's alloc + free cost per page re-split so that"
  echo "the free is $(printf '%s%%, ' "${SHARES[@]}" | sed 's/, $//') of it (a free under the mutex is what unified saves over prealloc):"
  echo
  echo '```'
  for s in "${SHARES[@]}"; do echo "${CMD[share-$s]}"; done
  echo '```'
  echo
  echo "Machine: $(context_line "share-${SHARES[0]}")"
  echo
  share_table
  echo
  echo "### Findings"
  echo
  in_short
  echo
  echo "Verdicts from the 95% CI of unified's writes/s ratio: *wins* (CI above 1), *loses* (below 1),"
  echo "*ties within ±${TIE_PCT}%* (CI inside [$(awk -v t="$TIE_PCT" 'BEGIN { printf "%.2f, %.2f", 1 - t / 100, 1 + t / 100 }')]), *inconclusive* when the CI contains 1 but reaches beyond that band (whether or not it met the ±5% target), *no CI* without pairs."
  echo
  for name in pool-model pool-model-reclaim pool-os pool-os-reclaim; do findings "$name"; done
  echo
  echo "### Against the series' figures"
  echo
  local m mr o orc
  m=$(ratio_range pool-model unified prealloc); mr=$(ratio_range pool-model-reclaim unified prealloc)
  o=$(ratio_range pool-os unified prealloc); orc=$(ratio_range pool-os-reclaim unified prealloc)
  local pm pmr po porc
  pm=$(ratio_range pool-model prealloc legacy); pmr=$(ratio_range pool-model-reclaim prealloc legacy)
  po=$(ratio_range pool-os prealloc legacy); porc=$(ratio_range pool-os-reclaim prealloc legacy)
  local cores
  cores=$(jq -r .context.cores "$DATA/pool-os.json")
  echo "The series reports, on a 52-CPU Xeon, unified over prealloc +11% without and +23% with memory"
  echo "pressure, and prealloc over legacy +6–28% / +21–48%. Ours at 5 writers / 5 readers (the"
  echo "no-reclaim sweeps against the figure without pressure, the reclaim sweeps against the one with):"
  echo
  echo "| comparison | series | model | model + reclaim | os | os + cgroup reclaim |"
  echo "|---|---|---|---|---|---|"
  echo "| unified / prealloc | +11% / +23% | $(five_of "$m"): $(verdict "$m" 1.11 1.11) | $(five_of "$mr"): $(verdict "$mr" 1.23 1.23) | $(five_of "$o"): $(verdict "$o" 1.11 1.11) | $(five_of "$orc"): $(verdict "$orc" 1.23 1.23) |"
  echo "| prealloc / legacy | +6–28% / +21–48% | $(five_of "$pm"): $(verdict "$pm" 1.06 1.28) | $(five_of "$pmr"): $(verdict "$pmr" 1.21 1.48) | $(five_of "$po"): $(verdict "$po" 1.06 1.28) | $(five_of "$porc"): $(verdict "$porc" 1.21 1.48) |"
  echo
  echo "Why they can differ: this machine has $cores vCPUs against the series' 52 CPUs, so the pipe"
  echo "mutex is contended by at most $cores running threads at a time; the time it is held matters less"
  echo "and the scheduler (which sleeping writer or reader runs next) matters more. And our page"
  echo "costs are not the kernel's: the model busy-waits the probe's per-page figures without the"
  echo "kernel's zone-lock and memory-cgroup contention at 52 CPUs, and the \`os\` allocator serves"
  echo "most pages from a per-thread cache, cheaper than \`alloc_page\`."
  echo "<!-- pool:end -->"
}

# Replaces the section between the markers of FILE with SECTION_FILE, or inserts it after FILE's
# first line (the page title) when FILE has no markers; FILE is made when missing.
splice_section() {
  local file=$1 section=$2 tmp
  tmp=$(mktemp "$file.XXXXXX")
  if [ ! -f "$file" ]; then
    { echo "# pipe_bench results"; echo; cat "$section"; } >"$tmp"
  elif grep -q '^<!-- pool:begin -->$' "$file" && grep -q '^<!-- pool:end -->$' "$file"; then
    awk -v sec="$section" '
      !done && /^<!-- pool:begin -->$/ { while ((getline l < sec) > 0) print l; skip = 1; next }
      skip && /^<!-- pool:end -->$/ { skip = 0; done = 1; next }
      !skip { print }' "$file" >"$tmp"
  else
    awk -v sec="$section" 'NR == 1 { print; print ""; while ((getline l < sec) > 0) print l; next }
      { print }' "$file" >"$tmp"
  fi
  mv "$tmp" "$file"
}

if [ "$ONLY" = pool ]; then
  MD="$OUT/RESULTS.md"
  pool_section >"$DATA/pool-section.md"
  splice_section "$MD" "$DATA/pool-section.md"
  echo "results.sh: rewrote the pool section of $MD" >&2
  echo "results.sh: raw data in $DATA" >&2
  exit 0
fi

U_P=$(ratio_range sweep unified prealloc); U_P_MP=$(ratio_range sweep-pressure unified prealloc)
P_L=$(ratio_range sweep prealloc legacy); P_L_MP=$(ratio_range sweep-pressure prealloc legacy)
U_L=$(ratio_range sweep unified legacy); U_L_MP=$(ratio_range sweep-pressure unified legacy)
S_U=$(ratio_range sweep shrinker unified); S_U_MP=$(ratio_range sweep-pressure shrinker unified)
S_L=$(ratio_range sweep shrinker legacy); S_L_MP=$(ratio_range sweep-pressure shrinker legacy)
IDLE_ALLOC=$(jq -r .allocator "$DATA/idle.json")

# The lowest model cost at which unified beats legacy by the series' +11%, if any.
CROSS=$(jqf alloc-cost '[.comparisons[] | select(.target == "unified" and .baseline == "legacy"
  and .metric == "writes_per_s" and .ratio >= 1.11) | .config.alloc_cost_ns] | min
  | if . == null then "none of the costs measured" else "\(.) ns" end')
COST_LO=$(jqf alloc-cost '[.comparisons[] | select(.target == "unified" and .baseline == "legacy"
  and .metric == "writes_per_s")] | sort_by(.config.alloc_cost_ns) | first.ratio | pct')
COST_HI=$(jqf alloc-cost '[.comparisons[] | select(.target == "unified" and .baseline == "legacy"
  and .metric == "writes_per_s")] | sort_by(.config.alloc_cost_ns) | last.ratio | pct')
FRACTION=$(jqf ceiling '[.comparisons[] | select(.baseline == "memcpy" and .metric == "writes_per_s"
  and (.target == "legacy" or .target == "prealloc" or .target == "unified" or .target == "shrinker"))] | max_by(.ratio)
  | "\(.target) at \(.ratio * 100 | fix(0))% of memcpy"')
KERNEL_FRACTION=$(jqf ceiling '[.comparisons[] | select(.baseline == "memcpy" and .target == "kernel"
  and .metric == "writes_per_s")] | first | "\(.ratio * 100 | fix(0))%"')
RSS=$(jqf sweep-pressure '.context.pressure | "\(.command), \(.rss_bytes_at_start / 1073741824 | fix(1)) GiB resident when measuring started"')

# ---- RESULTS.md --------------------------------------------------------------------------------
MD="$OUT/RESULTS.md"
# Sections measured by hand (between <!-- kept:begin --> and <!-- kept:end -->, each with its own
# commands) are carried over to the end of the regenerated file.
KEPT="$DATA/kept-sections.md"
: >"$KEPT"
if [ -f "$MD" ]; then
  awk '/^<!-- kept:begin -->$/ { keep = 1 } keep { print } /^<!-- kept:end -->$/ { keep = 0 }' \
    "$MD" >"$KEPT"
fi
{
  echo "# pipe_bench results"
  echo
  pool_section
  echo
  if [ "$QUICK" = 1 ]; then
    echo "> **Quick run, not for citation**: \`scripts/results.sh --quick\` (1 s per run, a single"
    echo "> run per target, a 2x2 sweep, light memory pressure). It only shows that the script works."
    echo
  fi
  echo "Generated by \`scripts/results.sh\` (\`make results\`) on $(date -u +%Y-%m-%d). Every table"
  echo "gives the command that produced it and the machine it ran on. writes/s are medians over the"
  echo "runs with (min–max); ratios are the geometric mean of paired runs (run *i* of each target ran"
  echo "back to back) with a 95% CI from Student's t on the log-ratios, \`[lo–hi]\`. 64 KiB writes"
  echo "into one 1 MiB pipe; pipepool targets use the \`os\` page allocator unless said otherwise."
  echo "The text output and JSON of each command were kept in \`$(show "$DATA")\` when this ran."
  echo
  echo "## (a) The selftest sweep: legacy vs prealloc vs unified vs shrinker vs kernel"
  echo
  echo "Without memory pressure:"
  echo
  echo '```'
  echo "${CMD[sweep]}"
  echo '```'
  echo
  echo "Machine: $(context_line sweep)"
  echo
  sweep_table sweep
  echo
  echo "![writes/s per configuration, no memory pressure](plots/sweep.png)"
  echo
  echo "With memory pressure ($RSS):"
  echo
  echo '```'
  echo "${CMD[sweep-pressure]}"
  echo '```'
  echo
  echo "Machine: $(context_line sweep-pressure)"
  echo
  sweep_table sweep-pressure
  echo
  echo "![writes/s per configuration, with memory pressure](plots/sweep-pressure.png)"
  echo
  echo "## (b) Where the pool design matters: the allocation-cost crossover"
  echo
  echo "The \`model\` allocator busy-waits a fixed time per page allocation (the pipe keeps the CPU,"
  echo "as an allocation under the pipe mutex does in the kernel). 5 writers / 5 readers; kernel pipes"
  echo "do not use the model allocator and are a reference line."
  echo
  echo '```'
  echo "${CMD[alloc-cost]}"
  echo '```'
  echo
  echo "Machine: $(context_line alloc-cost)"
  echo
  cost_table
  echo
  echo "![writes/s against the model allocator's cost per page](plots/alloc-cost.png)"
  echo
  echo "## (c) Fraction of the memcpy ceiling"
  echo
  echo "\`memcpy\` moves the same messages between the same threads with two copies and no pipe"
  echo "(a ring of message-sized slots as large as the pipe; see tools/pipe_bench/README.md), so"
  echo "writes/s divided by memcpy's is the fraction of the machine's limit a pipe reaches."
  echo
  echo '```'
  echo "${CMD[ceiling]}"
  echo '```'
  echo
  echo "Machine: $(context_line ceiling)"
  echo
  ceiling_table
  echo
  echo "![writes/s of every target, 5 writers / 5 readers](plots/ceiling.png)"
  echo
  echo "## (d) Idle memory: what the shrinker keeps, and gives back"
  echo
  echo "\`shrinker\` keeps the pages readers release, up to a cap (16 pages by default), where the"
  echo "kernel designs keep 2 per pipe; a pressure event gives them back. $IDLE_PIPES pipes per policy,"
  echo "one 64 KiB write and a full read each (so each pool fills as in real use), then the pages"
  echo "their pools hold (from the pipes' stats) and the \`$IDLE_ALLOC\` allocator's live pages"
  echo "(allocations - frees since the pipes were made), before and after one pressure event"
  echo "(\`pipepool::shrink_all()\`). Pages are 4 KiB."
  echo
  echo '```'
  echo "${CMD[idle]}"
  echo '```'
  echo
  idle_table
  echo
  echo "**Shrinker throughput.** Over the sweep in (a), shrinker / unified ranges"
  echo "$(pct_of "$S_U" min)..$(pct_of "$S_U" max) without memory pressure (5W/5R $(five_of "$S_U")) and"
  echo "$(pct_of "$S_U_MP" min)..$(pct_of "$S_U_MP" max) with it (5W/5R $(five_of "$S_U_MP")); shrinker /"
  echo "legacy ranges $(pct_of "$S_L" min)..$(pct_of "$S_L" max) without and"
  echo "$(pct_of "$S_L_MP" min)..$(pct_of "$S_L_MP" max) with memory pressure. The pressure source the"
  echo "shrinker's monitor used is in each table's machine line."
  echo
  echo "## (e) Against the kernel series' published figures"
  echo
  echo "The series reports writes/s gains of its pipe_bench selftest. We read its figure pairs as"
  echo "*without / with* \`--memory-pressure\` (the selftest's two modes), and compare the same"
  echo "ratios from (a): ranges over the $SWEEP_CONFIGS configurations of the sweep, then the 5 writers /"
  echo "5 readers configuration with its 95% CI."
  echo
  echo "| comparison | kernel series (no pressure / pressure) | ours, no pressure | ours, with pressure |"
  echo "|---|---|---|---|"
  echo "| unified (7.3) over its predecessor, prealloc (7.2) | +11% / +23% | $(pct_of "$U_P" min)..$(pct_of "$U_P" max); 5W/5R $(five_of "$U_P") | $(pct_of "$U_P_MP" min)..$(pct_of "$U_P_MP" max); 5W/5R $(five_of "$U_P_MP") |"
  echo "| prealloc (7.2) over legacy (<= 7.1) | +6–28% / +21–48% | $(pct_of "$P_L" min)..$(pct_of "$P_L" max); 5W/5R $(five_of "$P_L") | $(pct_of "$P_L_MP" min)..$(pct_of "$P_L_MP" max); 5W/5R $(five_of "$P_L_MP") |"
  echo "| unified (7.3) over legacy (<= 7.1) | – | $(pct_of "$U_L" min)..$(pct_of "$U_L" max); 5W/5R $(five_of "$U_L") | $(pct_of "$U_L_MP" min)..$(pct_of "$U_L_MP" max); 5W/5R $(five_of "$U_L_MP") |"
  echo
  echo "**How ours compare.** At 5 writers / 5 readers without memory pressure, unified over"
  echo "prealloc is $(five_of "$U_P"): $(verdict "$U_P" 1.11 1.11) the series' +11%; prealloc over"
  echo "legacy is $(five_of "$P_L"): $(verdict "$P_L" 1.06 1.28) its +6–28%. With memory pressure,"
  echo "unified over prealloc is $(five_of "$U_P_MP"): $(verdict "$U_P_MP" 1.23 1.23) +23%; prealloc"
  echo "over legacy is $(five_of "$P_L_MP"): $(verdict "$P_L_MP" 1.21 1.48) +21–48%. (\"Consistent"
  echo "with\" means the 95% CI overlaps the published figure; over the whole sweep our ratios range"
  echo "as the table shows.)"
  echo
  echo "**Why they differ where they do.**"
  echo
  echo "- *What a page costs.* The policies differ only in where pages are allocated and freed"
  echo "  (inside or outside the pipe mutex, and how many); the gain is large only when an"
  echo "  allocation is expensive. In the kernel, \`alloc_page\` costs a few hundred ns and tens of us"
  echo "  under reclaim. Our \`os\` allocator serves most pages from a per-thread cache in tens of ns,"
  echo "  so the mutex is held for less time to begin with. The crossover in (b) measures the"
  echo "  dependence directly: unified over legacy goes from $COST_LO at 0 ns to $COST_HI at the"
  echo "  highest cost, and first reaches the series' +11% at $CROSS."
  echo "- *Memory pressure.* In the kernel, pressure makes every allocation under the pipe mutex slow"
  echo "  (direct reclaim, compaction), which is what moving allocations out of the lock avoids. In"
  echo "  user space, stress-ng's pressure reaches our pages only when the \`os\` allocator must fault"
  echo "  in fresh pages or the kernel reclaims them; a warm allocator cache hides most of it. On a"
  echo "  small VM stress-ng also takes CPU time from the benchmark threads, which lowers every target"
  echo "  alike and adds noise (wider CIs)."
  echo "- *The pipe around the pool.* The kernel's pipe mutex spins on a running owner and batches"
  echo "  wake-ups; pipepool's synchronisation is its own (futex mutex and wait queues), so the share"
  echo "  of time spent in page allocation — the only part the policies change — is not the kernel's."
  echo "  Kernel pipes reach $KERNEL_FRACTION of the memcpy ceiling here, and the best pipepool policy is"
  echo "  $FRACTION (c)."
  echo "- *The machine.* The published figures come from the series' own machines; ours are from the"
  echo "  machine named above (cores, kernel). With fewer cores than threads the scheduler, not the"
  echo "  page pool, decides much of the time a writer waits."
  echo
  echo "Regenerate with \`make results\` (or \`scripts/results.sh\`; \`--quick\` to check the script)."
  if [ -s "$KEPT" ]; then
    echo
    cat "$KEPT"
  fi
} >"$MD"

echo "results.sh: wrote $MD and $PLOTS/{sweep,sweep-pressure,alloc-cost,ceiling}.png" >&2
echo "results.sh: raw data in $DATA" >&2
