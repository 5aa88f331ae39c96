#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs taken from the repository's fixtures (good and
# bad files of each format) plus a few generated MIDI packets for the live decoder. Re-running
# it is harmless: files are named by content hash, so nothing is duplicated. The corpus
# directories are not kept in the repository (see .gitignore); run this before fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
corpus="$root/fuzz/corpus"

seed() { # seed TARGET FILE...
    local target=$1
    shift
    mkdir -p "$corpus/$target"
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$corpus/$target/seed-$(sha1sum "$f" | cut -c1-16)"
    done
}

shopt -s nullglob globstar
mids=(fixtures/smf/*.mid fixtures/bad/smf-*.mid fixtures/bad/fuzz-smf-*.mid)
rbs=(fixtures/rockband/**/*.mid fixtures/bad/rb-*.mid fixtures/bad/fuzz-rb-*.mid)
seed smf_chart "${mids[@]}" "${rbs[@]}"
seed smf_take "${mids[@]}" "${rbs[@]}"
seed rockband "${rbs[@]}" "${mids[@]}"
seed chart_json charts/*.json fixtures/bad/chart-*.json fixtures/bad/fuzz-chart-json-*.json
seed onsets fixtures/onsets/*.txt fixtures/bad/onsets-*.txt fixtures/bad/fuzz-onsets-*.txt
seed clone_hero fixtures/clone-hero/*.chart fixtures/rockband/**/*.chart fixtures/bad/*.chart
seed dtx fixtures/dtx/*.dtx fixtures/bad/*.dtx
seed capture_log fixtures/capture/*.jsonl fixtures/demo/*.jsonl fixtures/bad/capture-*.jsonl \
    fixtures/bad/fuzz-capture-*.jsonl

# The live decoder takes raw bytes as a port delivers them.
live="$corpus/live_messages"
mkdir -p "$live"
printf '\x99\x24\x64' >"$live/seed-note-on"
printf '\x99\x24\x64\x99\x26\x50\x89\x24\x00' >"$live/seed-packet-three-messages"
printf '\x99\xf8\x24\xfe\x64' >"$live/seed-realtime-inside-note-on"
printf '\xf0\x41\x10\x00\x12\x01\x02\xf7\x99\x24\x64' >"$live/seed-sysex-then-note"
printf '\x99\x24' >"$live/seed-truncated-note-on"
printf '\xb9\x04\x7f\xa9\x31\x7f\x99\x2e\x40' >"$live/seed-pedal-choke-hihat"
printf '\x24\x64\x26\x50' >"$live/seed-running-status-data-only"
printf '\xf0\x7e\x7f\x06\x01' >"$live/seed-sysex-never-ended"
for f in "${mids[@]}"; do
    cp "$f" "$live/seed-smf-$(sha1sum "$f" | cut -c1-16)"
done
for t in "$corpus"/*/; do
    echo "$(basename "$t"): $(ls "$t" | wc -l) files"
done
