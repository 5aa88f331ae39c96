//! The JSON report as a contract (docs/report-format.md): the stable fields decoded into
//! test-side structs, the invariants between the numbers, and the JSON Schema kept in sync with
//! the report model.
//!
//! The structs here are written by hand from the docs, not taken from `pocket::report`, so a
//! rename or a change of type in the library breaks this test even if the library still reads
//! its own output. They list only the stable contract fields and allow the others; that the
//! whole report has no field the model does not know is checked by decoding it into
//! [`pocket::report::Report`], which denies unknown fields.

use pocket::report::Report;
use pocket::score::{self, ScoreOptions};
use pocket::testdata::check_golden;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The stable part of a report.
#[derive(Debug, Deserialize)]
struct ContractReport {
    schema_version: u32,
    players: Vec<ContractPlayer>,
}

/// The stable part of `players[]`.
#[derive(Debug, Deserialize)]
struct ContractPlayer {
    name: String,
    notes: u64,
    hits: u64,
    matched: u64,
    misses: u64,
    extras: u64,
    precision: Option<f64>,
    recall: Option<f64>,
    f_measure: Option<f64>,
    accuracy_pct: Option<f64>,
    offset_ms: ContractOffsets,
    lanes: BTreeMap<String, ContractLane>,
}

/// The stable part of `offset_ms` of a player.
#[derive(Debug, Deserialize)]
struct ContractOffsets {
    mean: Option<f64>,
    median: Option<f64>,
    sd: Option<f64>,
    mae: Option<f64>,
}

/// The stable part of `players[].lanes.<lane>`.
#[derive(Debug, Deserialize)]
struct ContractLane {
    notes: u64,
    matched: u64,
    misses: u64,
    extras: u64,
    offset_ms: ContractLaneOffsets,
}

/// The stable part of `offset_ms` of a lane.
#[derive(Debug, Deserialize)]
struct ContractLaneOffsets {
    mean: Option<f64>,
    sd: Option<f64>,
}

/// Exactly the keys of the stable objects, for the check that none was renamed.
const PLAYER_KEYS: &[&str] = &[
    "name",
    "notes",
    "hits",
    "matched",
    "misses",
    "extras",
    "precision",
    "recall",
    "f_measure",
    "accuracy_pct",
    "offset_ms",
    "lanes",
];

/// The lane names a report may use as keys.
const LANES: &[&str] = &[
    "kick",
    "snare",
    "hihat",
    "hihat_pedal",
    "tom1",
    "tom2",
    "tom3",
    "tom4",
    "crash",
    "crash2",
    "ride",
    "splash",
    "china",
    "any",
];

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The demo report as `pocket demo` writes it.
fn demo_json() -> String {
    let demo = pocket::demo::Demo::load().expect("the demo loads");
    demo.report(false).to_json()
}

/// A report of an empty take: a chart of 12 onsets and a take of none.
fn empty_take_json() -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let take = dir.path().join("nothing.txt");
    std::fs::write(&take, "# no onsets at all\n").expect("write empty onset list");
    let chart_path = crate_path("fixtures/onsets/kick-snare-hihat-one-bar-120bpm.txt");
    let list = pocket::formats::onsets::read_onsets(&chart_path).expect("onset list");
    let chart = pocket::formats::onsets::to_chart(&chart_path, &list).expect("onset chart");
    let loaded = pocket::formats::load_take(take.to_str().expect("utf-8 path"), None)
        .expect("an empty onset list is a take with no hits");
    let player = score::PlayerInput::new("Nobody", &loaded.take);
    let (report, _) = pocket::session::score_session(
        &chart,
        "onsets",
        &[player],
        &ScoreOptions::default(),
        &pocket::sync::SyncOptions::default(),
    );
    report.to_json()
}

fn decode(json: &str) -> ContractReport {
    serde_json::from_str(json).expect("the report decodes into the contract structs")
}

/// Checks the invariants between the contract numbers of one report.
fn check_invariants(report: &ContractReport) {
    assert_eq!(report.schema_version, pocket::report::SCHEMA_VERSION);
    for p in &report.players {
        let who = &p.name;
        assert_eq!(
            p.matched + p.misses,
            p.notes,
            "{who}: matched + misses == notes"
        );
        assert_eq!(
            p.matched + p.extras,
            p.hits,
            "{who}: matched + extras == hits"
        );
        match p.precision {
            Some(v) => assert_eq!(v, p.matched as f64 / p.hits as f64, "{who}: precision"),
            None => assert_eq!(p.hits, 0, "{who}: precision is null only without hits"),
        }
        match p.recall {
            Some(v) => assert_eq!(v, p.matched as f64 / p.notes as f64, "{who}: recall"),
            None => assert_eq!(p.notes, 0, "{who}: recall is null only without notes"),
        }
        match (p.precision, p.recall, p.f_measure) {
            (Some(pr), Some(re), Some(f)) if pr + re > 0.0 => {
                assert!(
                    (f - 2.0 * pr * re / (pr + re)).abs() < 1e-12,
                    "{who}: F-measure"
                )
            }
            (Some(_), Some(_), Some(f)) => assert_eq!(f, 0.0, "{who}: F is 0 when P or R is"),
            (_, _, f) => assert_eq!(f, None, "{who}: F is null when P or R is"),
        }
        match p.accuracy_pct {
            Some(a) => assert!(
                (a - 100.0 * p.matched as f64 / p.notes as f64).abs() <= 5e-7,
                "{who}: accuracy_pct {a} rounded to 6 decimals"
            ),
            None => assert_eq!(p.notes, 0),
        }

        // Offsets exist exactly when something matched; sd needs two.
        let o = &p.offset_ms;
        for (field, v) in [("mean", o.mean), ("median", o.median), ("mae", o.mae)] {
            assert_eq!(v.is_some(), p.matched > 0, "{who}: offset_ms.{field}");
        }
        assert_eq!(o.sd.is_some(), p.matched > 1, "{who}: offset_ms.sd");
        if let (Some(mean), Some(mae)) = (o.mean, o.mae) {
            assert!(
                mae >= mean.abs() - 1e-4,
                "{who}: mean |offset| ≥ |mean offset|"
            );
        }
        for v in [o.mean, o.median, o.sd, o.mae].into_iter().flatten() {
            assert_eq!(v, (v * 1e4).round() / 1e4, "{who}: ms rounded to 0.0001");
        }

        // Lanes add up to the totals.
        let sum = |f: fn(&ContractLane) -> u64| p.lanes.values().map(f).sum::<u64>();
        assert_eq!(sum(|l| l.notes), p.notes, "{who}: lane notes add up");
        assert_eq!(sum(|l| l.matched), p.matched, "{who}: lane matches add up");
        assert_eq!(sum(|l| l.misses), p.misses, "{who}: lane misses add up");
        assert_eq!(sum(|l| l.extras), p.extras, "{who}: lane extras add up");
        for (name, l) in &p.lanes {
            assert!(
                LANES.contains(&name.as_str()),
                "{who}: unknown lane key {name}"
            );
            assert_eq!(
                l.matched + l.misses,
                l.notes,
                "{who} {name}: matched + misses"
            );
            assert!(
                l.notes > 0 || l.extras > 0,
                "{who} {name}: listed without notes or hits"
            );
            assert_eq!(
                l.offset_ms.mean.is_some(),
                l.matched > 0,
                "{who} {name}: mean"
            );
            assert_eq!(l.offset_ms.sd.is_some(), l.matched > 1, "{who} {name}: sd");
        }
    }
}

/// Every number in a JSON value, with its path.
fn numbers(v: &Value, path: &str, out: &mut Vec<(String, f64)>) {
    match v {
        Value::Number(n) => out.push((path.to_string(), n.as_f64().unwrap_or(f64::NAN))),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                numbers(x, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                numbers(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn demo_report_meets_the_contract() {
    let json = demo_json();
    let report = decode(&json);
    let names: Vec<&str> = report.players.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Lee", "Sanae"]);
    check_invariants(&report);
    for p in &report.players {
        assert!(
            p.matched > 1000,
            "{}: the demo players play most notes",
            p.name
        );
        assert!(p.precision.is_some() && p.f_measure.is_some());
    }
}

#[test]
fn contract_field_names_are_all_present() {
    let v: Value = serde_json::from_str(&demo_json()).expect("JSON");
    for p in v["players"].as_array().expect("players[]") {
        let keys: Vec<&str> = p
            .as_object()
            .expect("player object")
            .keys()
            .map(String::as_str)
            .collect();
        for k in PLAYER_KEYS {
            assert!(keys.contains(k), "players[] lacks {k}");
        }
        for k in ["mean", "median", "sd", "mae"] {
            assert!(
                p["offset_ms"].get(k).is_some(),
                "players[].offset_ms lacks {k}"
            );
        }
        for (lane, l) in p["lanes"].as_object().expect("lanes object") {
            for k in ["notes", "matched", "misses", "extras", "offset_ms"] {
                assert!(l.get(k).is_some(), "lanes.{lane} lacks {k}");
            }
            for k in ["mean", "sd"] {
                assert!(
                    l["offset_ms"].get(k).is_some(),
                    "lanes.{lane}.offset_ms lacks {k}"
                );
            }
        }
    }
}

#[test]
fn reports_decode_into_the_model_without_unknown_fields() {
    let json = demo_json();
    let report = Report::from_json(&json).expect("the demo report decodes into Report");
    assert_eq!(
        report.to_json(),
        json,
        "decoding and encoding again is lossless"
    );
    for golden in [
        "fixtures/golden/demo-two-players-standard.json",
        "fixtures/golden/demo-two-players-detail-strict.json",
    ] {
        let text = std::fs::read_to_string(crate_path(golden)).expect("golden report");
        let report = Report::from_json(&text)
            .unwrap_or_else(|e| panic!("{golden} does not decode into Report: {e}"));
        check_invariants(&decode(&text));
        assert_eq!(report.to_json(), text, "{golden} round-trips byte for byte");
    }
    // An unknown field is an error for the model (the contract structs allow it).
    let extra = json.replacen(
        "\"schema_version\"",
        "\"surprise\": 1,\n  \"schema_version\"",
        1,
    );
    assert!(Report::from_json(&extra).is_err());
    decode(&extra);
}

#[test]
fn no_nan_and_every_number_finite() {
    for json in [demo_json(), empty_take_json()] {
        for word in ["NaN", "Infinity", "inf"] {
            assert!(!json.contains(word), "the report contains {word}");
        }
        let v: Value = serde_json::from_str(&json).expect("JSON");
        let mut all = Vec::new();
        numbers(&v, "$", &mut all);
        assert!(all.len() > 50);
        for (path, n) in all {
            assert!(n.is_finite(), "{path} is {n}");
        }
    }
}

#[test]
fn statistics_without_data_are_null() {
    let json = empty_take_json();
    let report = decode(&json);
    check_invariants(&report);
    let p = &report.players[0];
    assert_eq!((p.notes, p.hits, p.matched, p.misses), (12, 0, 0, 12));
    assert_eq!(p.precision, None, "no hits: precision undefined");
    assert_eq!(p.recall, Some(0.0));
    assert_eq!(p.f_measure, None);
    assert_eq!(p.accuracy_pct, Some(0.0));
    let o = &p.offset_ms;
    assert_eq!((o.mean, o.median, o.sd, o.mae), (None, None, None, None));
    for l in p.lanes.values() {
        assert_eq!((l.offset_ms.mean, l.offset_ms.sd), (None, None));
    }
    let v: Value = serde_json::from_str(&json).expect("JSON");
    let pv = &v["players"][0];
    assert!(pv["precision"].is_null() && pv["offset_ms"]["mean"].is_null());
    assert!(pv["drift_ms_per_min"].is_null());
    assert!(pv["points"]["pct"] == 0.0);
}

#[test]
fn keys_come_in_the_documented_order() {
    let json = demo_json();
    let pos = |key: &str| {
        json.find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("no key {key}"))
    };
    let top = [
        "schema_version",
        "generator",
        "chart",
        "settings",
        "players",
    ];
    assert!(
        top.windows(2).all(|w| pos(w[0]) < pos(w[1])),
        "top-level key order"
    );
    let player = &json[json
        .find("\"players\": [\n    {\n      \"name\"")
        .expect("players[]")..];
    let ppos = |key: &str| player.find(&format!("\"{key}\":")).expect("player key");
    assert!(
        PLAYER_KEYS[..10]
            .windows(2)
            .all(|w| ppos(w[0]) < ppos(w[1])),
        "player key order"
    );
    // Lanes follow lane order, not alphabetical order.
    let lanes = &player[ppos("lanes")..];
    let lpos = |l: &str| lanes.find(&format!("\"{l}\": {{")).expect("lane");
    assert!(lpos("kick") < lpos("snare") && lpos("snare") < lpos("hihat"));
    assert!(lpos("tom3") < lpos("crash") && lpos("crash") < lpos("ride"));
    assert!(json.starts_with("{\n  \"schema_version\": 1,\n") && json.ends_with("}\n"));
}

#[test]
fn json_schema_matches_docs() {
    let schema = Report::json_schema();
    // When it differs, update docs/report-format.md too.
    check_golden("docs/report.schema.json", &schema);
    // The schema knows every stable field.
    let v: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let player = &v["$defs"]["PlayerReport"]["properties"];
    for k in PLAYER_KEYS {
        assert!(player.get(*k).is_some(), "schema lacks players[].{k}");
    }
}

/// The example in docs/report-format.md: the demo report with only the first player, the kick
/// lane, the first section and bar, and no sync section.
fn docs_example_json() -> String {
    let mut report = Report::from_json(&demo_json()).expect("demo report decodes");
    report.settings.players.truncate(1);
    report.players.truncate(1);
    report.sync = None;
    for p in &mut report.players {
        p.lanes.retain(|lane, _| lane.name() == "kick");
        p.sections.truncate(1);
        p.bars.truncate(1);
    }
    report.to_json()
}

#[test]
fn docs_example_is_real_demo_output() {
    let doc = std::fs::read_to_string(crate_path("docs/report-format.md"))
        .expect("docs/report-format.md");
    let start_marker = "## Example";
    let section = doc.find(start_marker).expect("an Example section");
    let open = section + doc[section..].find("```json\n").expect("a ```json block") + 8;
    let close = open + doc[open..].find("```\n").expect("the block ends");
    let example = docs_example_json();
    // When it differs, check the prose around the example too.
    check_golden(
        "docs/report-format.md",
        format!("{}{}{}", &doc[..open], example, &doc[close..]),
    );
}

/// The stable part of the `sync` section (docs/sync.md).
#[derive(Debug, Deserialize)]
struct ContractSync {
    pairs: u64,
    asynchrony_ms: ContractAsynchrony,
    within: ContractWithin,
    leader: ContractLeader,
    phase_correction: BTreeMap<String, ContractPhase>,
    bars: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct ContractAsynchrony {
    mean: Option<f64>,
    median: Option<f64>,
    sd: Option<f64>,
    rms: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct ContractWithin {
    ms10: Option<f64>,
    ms20: Option<f64>,
    ms50: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct ContractLeader {
    verdict: String,
    player: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ContractPhase {
    alpha: Option<f64>,
    sd_motor_ms: Option<f64>,
    sd_timekeeper_ms: Option<f64>,
}

#[test]
fn sync_section_meets_the_contract() {
    let json: Value = serde_json::from_str(&demo_json()).unwrap();
    let sync: ContractSync =
        serde_json::from_value(json["sync"].clone()).expect("sync decodes into the contract");
    assert!(sync.pairs > 1000, "the demo players share most notes");
    let a = &sync.asynchrony_ms;
    for v in [a.mean, a.median, a.sd, a.rms] {
        assert!(v.is_some_and(f64::is_finite));
    }
    // Fractions rise with the bound and stay in 0..1.
    let w = [sync.within.ms10, sync.within.ms20, sync.within.ms50].map(Option::unwrap);
    assert!(
        0.0 <= w[0] && w[0] <= w[1] && w[1] <= w[2] && w[2] <= 1.0,
        "{w:?}"
    );
    assert!(["leads", "mutual", "undetermined"].contains(&sync.leader.verdict.as_str()));
    assert_eq!(sync.leader.verdict == "leads", sync.leader.player.is_some());
    // Keyed by player name.
    let names: Vec<&str> = sync.phase_correction.keys().map(String::as_str).collect();
    assert_eq!(names, ["Lee", "Sanae"]);
    for p in sync.phase_correction.values() {
        assert!(p.alpha.is_some() && p.sd_motor_ms.is_some() && p.sd_timekeeper_ms.is_some());
    }
    assert!(!sync.bars.is_empty());
    // Player a is the first --player; A = t_a − t_b.
    assert_eq!(json["sync"]["players"][0], "Lee");
}
