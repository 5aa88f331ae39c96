#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target, fuzz/corpus/<target>/seed-*: a small curated set
# of the repository's fixtures of each format (good files, a few broken ones, and every input a
# fuzzer ever found a bug with), plus a few MIDI packets for the live decoder. The seeds are
# kept in the repository and replayed by `cargo test` (tests/bad_input.rs); what the fuzzer adds
# to a corpus directory (files named by their SHA-1, without the `seed-` prefix) and everything
# under fuzz/artifacts/ stay local (fuzz/.gitignore).
#
# Re-running it is harmless: a seed is named after the fixture it copies, so a changed fixture
# shows up as a changed seed in `git status`. Keep each target to about 20 small files.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus

seed() { # seed TARGET FILE...: copies each FILE to corpus/TARGET/seed-<path without fixtures/>
    local target=$1
    shift
    mkdir -p "$corpus/$target"
    local f name
    for f in "$@"; do
        [ -f "$f" ] || { echo "seed-corpora.sh: $f is missing" >&2; exit 1; }
        name=${f#fixtures/}
        name=${name//\//-}
        cp "$f" "$corpus/$target/seed-$name"
    done
}

shopt -s nullglob globstar
# Every input a fuzzer found a bug with (docs/fuzzing.md, "Findings"), by the target that found
# it; finding 3 was found by hand and is an SMF chart.
found_smf=(fixtures/bad/fuzz-smf-*.mid fixtures/bad/smf-1000bpm-1-32-two-notes-112-million-bars-apart.mid)
found_onsets=(fixtures/bad/fuzz-onsets-*.txt)

good_mids=(fixtures/smf/*.mid)
rb_mids=(fixtures/rockband/**/*.mid)

seed smf_chart "${good_mids[@]}" "${found_smf[@]}" \
    fixtures/rockband/pro-drums-song-ppq192/notes.mid \
    fixtures/bad/smf-truncated-track-event.mid fixtures/bad/smf-chunk-length-past-eof.mid \
    fixtures/bad/smf-huge-delta-time.mid fixtures/bad/smf-tempo-zero.mid \
    fixtures/bad/smf-smpte-chart.mid fixtures/bad/smf-no-drum-channel-notes.mid
seed smf_take "${good_mids[@]}" \
    fixtures/rockband/velocity-127-and-1-without-dynamics-event-ppq480.mid \
    fixtures/bad/smf-truncated-track-event.mid fixtures/bad/smf-one-track-take.mid \
    fixtures/bad/smf-header-claims-65535-tracks.mid fixtures/bad/smf-zero-division.mid \
    fixtures/bad/smf-not-midi.mid
seed rockband "${rb_mids[@]}" fixtures/bad/rb-*.mid \
    fixtures/smf/type1-ppq96-tempo-change-3-4.mid fixtures/smf/written-chart-type1-ppq480-7-8.mid
seed chart_json charts/exercise-rock-8ths.json fixtures/bad/chart-*.json
seed onsets fixtures/onsets/*.txt fixtures/bad/onsets-*.txt "${found_onsets[@]}"
seed clone_hero fixtures/clone-hero/*.chart fixtures/bad/*.chart
seed dtx fixtures/dtx/*.dtx fixtures/bad/*.dtx
seed capture_log fixtures/capture/*.jsonl fixtures/bad/capture-*.jsonl

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
seed live_messages fixtures/smf/type0-ppq480-running-status-vel0-noteoff.mid \
    fixtures/smf/duo-type0-channels-10-11.mid

for t in "$corpus"/*/; do
    echo "$(basename "$t"): $(ls "$t" | wc -l) files"
done
