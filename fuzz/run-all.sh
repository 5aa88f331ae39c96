#!/usr/bin/env bash
# Builds every fuzz target once, then runs each for SECONDS (default 300) with a 10 s
# per-input timeout, two at a time, logging to fuzz/logs/<target>.log. Needs cargo-fuzz
# (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use the nightly
# flags it needs. Seeds the corpora from the fixtures first. Crashes land in
# fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(smf_chart smf_take chart_json onsets rockband clone_hero dtx capture_log live_messages)
fi
./seed-corpora.sh >/dev/null
RUSTC_BOOTSTRAP=1 cargo fuzz build || exit 1
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
run() {
    mkdir -p "artifacts/$1" "corpus/$1"
    "$bin/$1" -artifact_prefix="artifacts/$1/" -max_total_time="$secs" -timeout=10 \
        "corpus/$1" >"logs/$1.log" 2>&1
    echo "$1: exit $? $(grep -E '^Done [0-9]+ runs' "logs/$1.log" || tail -n 1 "logs/$1.log")"
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
    wait
done
