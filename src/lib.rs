//! pocket scores drummers playing electronic drum kits: against a reference chart, and against
//! each other.
//!
//! The pipeline, one module per stage, each named by what it produces (docs/architecture.md
//! draws it; no module imports one that imports it back):
//!
//! | stage | module | produces |
//! |---|---|---|
//! | file readers and writers | [`formats`] | [`chart::Chart`], raw MIDI events ([`event::RawEvent`]), capture logs |
//! | kit map and filters | [`kit`] | [`take::Take`] (hits, pedal, chokes, filtered events) |
//! | alignment | [`matching`] | optimal hit <-> note pairs, a player's [`matching::Alignment`] |
//! | judgement | [`score`] | per-player metrics |
//! | two players together | [`sync`] (with [`phase`]: who leads) | asynchrony, sync score, leader |
//! | a whole session | [`session`] | the [`report::Report`] of a session; latency precedence |
//! | report | [`report`] | the JSON report model (a leaf: every stage above fills it in) |
//! | terminal | [`summary`] | the human summary |
//! | web page | [`html`] | the self-contained HTML report |
//! | batch scoring | [`batch`] | one report per take of a folder, and their summary table and CSV |
//! | live capture | [`live`] | capture logs and live judgements from MIDI ports or replays |
//! | the stage | [`stage`] | a live view of a session in the browser (HTTP, Server-Sent Events) |
//! | latency | [`latency`], [`calibrate`], [`calibrate_audio`] | latency profiles; offsets measured from play; audio outputs' offsets measured from taps |
//! | audio | [`audio`] | WAV click tracks and duo renders |
//! | practice history | [`history`] (with [`identity`]: which song) | the SQLite database of every take's figures, its table, JSON and progress page |
//! | play-along | [`backing`] | the song's audio, fed to an output with the frame of chart zero |
//!
//! Beside them: the domain types ([`chart`], [`tempo`], [`time`], [`lane`], [`take`],
//! [`event`]), input errors ([`error`]), and seeded simulated drummers ([`simulate`], [`demo`]).
#![warn(missing_docs)]

pub mod audio;
pub mod backing;
pub mod batch;
pub mod calibrate;
pub mod calibrate_audio;
pub mod chart;
pub mod count_in;
pub mod demo;
pub mod error;
pub mod event;
pub mod formats;
pub mod history;
pub mod html;
pub mod identity;
mod json_pretty;
pub mod kit;
pub mod lane;
pub mod latency;
pub mod live;
pub mod matching;
pub mod phase;
mod prefault;
pub mod report;
pub mod score;
pub mod session;
pub mod simulate;
pub mod stage;
pub(crate) mod stats;
pub mod summary;
pub mod sync;
pub mod take;
pub mod tempo;
pub mod time;
pub mod transcribe;

/// Test support shared by the unit tests and the integration tests in `tests/` (not part of
/// the API; only with `cfg(test)` or the `testing` feature).
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testdata;

/// The one door to the inside of the pipeline, for pocket's own fuzz targets, benches and
/// integration tests (the `testing` feature; not part of the API).
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod internals;

pub use chart::{Chart, Note};
pub use error::{InputError, InputErrorKind, Place};
pub use lane::{Articulation, Dynamic, Lane};
pub use take::{Hit, Take};
pub use tempo::{Tempo, TempoMap, TimeSignature};
pub use time::{Nanos, Ticks};
