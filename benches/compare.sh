#!/usr/bin/env bash
# Side by side, in one run, on the same generated bundle (see README,
# "Performance"):
#
#   gzip -dc json.tar.gz > /dev/null                 # the floor: inflating alone
#   rg -z -c -F -f keywords json.tar.gz              # inflate + keyword count
#   jq -r '.items[].message' events.json | grep -F -f keywords | sort | uniq -c
#   bundle-scan json.tar.gz / yaml.tar.gz / json/ (extracted), all cores and -j 1
#
# Usage: benches/compare.sh [MB] [RUNS] [no-logs]
#   (default 1024 MB uncompressed, 3 rounds; `no-logs`: a bundle of objects
#   only, events about 60% of its bytes, the shape of the bundle issue 4's
#   targets were measured on; the default has container logs, 40% of it)
#
# Needs: cargo, gzip, bc, GNU time at /usr/bin/time, ripgrep (rg) and jq
# (Debian/Ubuntu: apt-get install ripgrep jq bc time). The data (about 1.3 GB on
# disk per GiB asked for) goes to $BUNDLE_SCAN_BENCH_DIR, default
# /tmp/bundle-scan-bench-<MB>, and is kept for the next run; delete it when done.
# Each command runs RUNS times, in rounds; the median time, every time and the
# largest peak RSS are shown, and the ratios both of medians and round by
# round. The machine's other load is not controlled: compare within one run.
set -euo pipefail

MB=${1:-1024}
RUNS=${2:-3}
SHAPE=${3:-}
case "$SHAPE" in
    "") DATA=${BUNDLE_SCAN_BENCH_DIR:-/tmp/bundle-scan-bench-$MB} ;;
    no-logs) DATA=${BUNDLE_SCAN_BENCH_DIR:-/tmp/bundle-scan-bench-$MB-no-logs} ;;
    *) echo "usage: benches/compare.sh [MB] [RUNS] [no-logs]" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

missing=()
for tool in cargo gzip rg jq bc; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (GNU time)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "compare.sh needs: ${missing[*]} (apt-get install ripgrep jq bc time)" >&2
    exit 2
fi

(cd "$ROOT" && cargo build --release --quiet --bin bundle-scan --example bench-bundle)
SCAN=$CARGO_TARGET_DIR/release/bundle-scan
GEN=$CARGO_TARGET_DIR/release/examples/bench-bundle

if [ ! -f "$DATA/sizes" ] || [ "$(wc -l < "$DATA/sizes")" -lt 2 ]; then
    echo "generating ${MB} MB bundles in $DATA ..."
    "$GEN" gen "$DATA" "$MB" $SHAPE
fi
cd "$DATA"
JSON_BYTES=$(awk '$1 == "json" { print $2 }' sizes)
YAML_BYTES=$(awk '$1 == "yaml" { print $2 }' sizes)
DIR=$(ls -d json/*/)
EVENTS_BYTES=$(stat -c %s events.json)
echo "data: json.tar.gz $(stat -c %s json.tar.gz) bytes → ${JSON_BYTES} bytes of files; " \
     "yaml.tar.gz $(stat -c %s yaml.tar.gz) → ${YAML_BYTES}; events.json ${EVENTS_BYTES}; $(nproc) cores"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The commands, run in rounds: each round runs every command once, RUNS
# rounds in all. A change in the machine's load during the run then falls on
# all commands alike, not on whichever happened to be running.
# Each command has its input: read in, untimed, just before the command
# runs, so that every command is timed reading from the page cache. This
# machine reclaims cold pages eagerly: a warm-up once per round left some
# scans of the directory reading its 28,000 files from disk (1.1 → 5 s).
NAMES=() BYTES=() INPUTS=() COMMANDS=()
add() { NAMES+=("$1"); BYTES+=("$2"); INPUTS+=("$3"); COMMANDS+=("$4"); }
add "gzip -dc" "$JSON_BYTES" json.tar.gz "gzip -dc json.tar.gz"
add "rg -z -c -F -f keywords" "$JSON_BYTES" json.tar.gz "rg -z -c -F -f keywords json.tar.gz"
add "jq | grep | sort | uniq -c (events)" "$EVENTS_BYTES" events.json \
    "jq -r '.items[].message' events.json | grep -F -f keywords | sort | uniq -c"
add "bundle-scan json.tar.gz" "$JSON_BYTES" json.tar.gz "$SCAN json.tar.gz"
add "bundle-scan -j1 json.tar.gz" "$JSON_BYTES" json.tar.gz "$SCAN -j 1 json.tar.gz"
add "bundle-scan yaml.tar.gz" "$YAML_BYTES" yaml.tar.gz "$SCAN yaml.tar.gz"
add "bundle-scan -j1 yaml.tar.gz" "$YAML_BYTES" yaml.tar.gz "$SCAN -j 1 yaml.tar.gz"
add "bundle-scan json/ (directory)" "$JSON_BYTES" "$DIR" "$SCAN $DIR"
add "bundle-scan -j1 json/ (directory)" "$JSON_BYTES" "$DIR" "$SCAN -j 1 $DIR"

declare -A TIMES PEAK SECONDS_OF PEAK_OF
for round in $(seq "$RUNS"); do
    echo "round $round of $RUNS ..."
    for i in "${!NAMES[@]}"; do
        find "${INPUTS[$i]}" keywords -type f -exec cat {} + > /dev/null
        out=$(/usr/bin/time -f '%e %M' bash -c "${COMMANDS[$i]} > /dev/null" 2>&1 >/dev/null | tail -1)
        TIMES[$i]+="${out% *} "
        rss=${out#* }
        [ "$rss" -gt "${PEAK[$i]:-0}" ] && PEAK[$i]=$rss
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
echo
for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]}
    SECONDS_OF[$name]=$(echo "${TIMES[$i]}" | median)
    PEAK_OF[$name]=$(((PEAK[$i] + 512) / 1024))
    printf '%-34s %7.2f s %8.0f MB/s %7.0f MiB peak RSS   [%s]\n' "$name" "${SECONDS_OF[$name]}" \
        "$(echo "${BYTES[$i]} / ${SECONDS_OF[$name]} / 1000000" | bc -l)" "$(echo "${PEAK[$i]} / 1024" | bc -l)" \
        "${TIMES[$i]% }"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

ratio() { echo "scale=2; ${SECONDS_OF[$1]} / ${SECONDS_OF[$2]}" | bc -l; }
# rounds NAME_A NAME_B: the ratio A/B of each round, then the lowest.
rounds() {
    local a b
    for i in "${!NAMES[@]}"; do
        [ "${NAMES[$i]}" = "$1" ] && read -ra a <<< "${TIMES[$i]}"
        [ "${NAMES[$i]}" = "$2" ] && read -ra b <<< "${TIMES[$i]}"
    done
    local each=() r
    for r in "${!a[@]}"; do each+=("$(echo "scale=2; ${a[$r]} / ${b[$r]}" | bc -l)"); done
    echo "round by round: ${each[*]}; lowest $(printf '%s\n' "${each[@]}" | sort -n | head -1)"
}
scan="bundle-scan json.tar.gz"
echo
echo "bundle-scan json.tar.gz is $(ratio "gzip -dc" "$scan")× faster than gzip -dc (target ≥ 2.5)"
echo "                          ($(rounds "gzip -dc" "$scan"))"
echo "                          $(ratio "rg -z -c -F -f keywords" "$scan")× faster than rg -z"
echo "                          $(ratio "jq | grep | sort | uniq -c (events)" "$scan")× faster than the jq pipeline (target ≥ 10)"
echo "                          ($(rounds "jq | grep | sort | uniq -c (events)" "$scan"))"
echo "YAML must-gather takes    $(ratio "bundle-scan yaml.tar.gz" "$scan")× the JSON bundle's time (target ≤ 2)"
echo "all cores vs -j 1:        $(ratio "bundle-scan -j1 json.tar.gz" "$scan")× (tar.gz), $(ratio "bundle-scan -j1 json/ (directory)" "bundle-scan json/ (directory)")× (directory)"
largest=$(find "$DIR" -type f -printf '%s\n' | sort -n | tail -1)
echo "peak RSS:                 ${PEAK_OF[$scan]} MiB (tar.gz), ${PEAK_OF["bundle-scan yaml.tar.gz"]} MiB (YAML)," \
     "${PEAK_OF["bundle-scan json/ (directory)"]} MiB (directory); target ≤ 64 MiB + the largest entry" \
     "($largest bytes) = $(printf '%.1f' "$(echo "64 + $largest / 1048576" | bc -l)") MiB"
