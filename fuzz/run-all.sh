#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 300), two at a time, logging to fuzz/logs/.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets
# it use the nightly flags it needs. Seeds the corpora from the fixtures first.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
./seed-corpora.sh >/dev/null
mkdir -p logs
targets=(smf_chart smf_take chart_json onsets rockband clone_hero dtx capture_log live_messages)
run() {
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$1" -- -max_total_time="$secs" -timeout=10 \
        >"logs/$1.log" 2>&1
    echo "$1: exit $? $(grep -E '^Done [0-9]+ runs' "logs/$1.log" || tail -1 "logs/$1.log")"
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
    wait
done
