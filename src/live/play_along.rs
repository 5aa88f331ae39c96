//! The backing audio of a live session: which audio plays (the `--backing` file, or the
//! chart's own song folder or DTX background music), started on an audio output before the
//! capture, and the capture-clock instant its chart-zero sample is heard, which becomes the
//! session's time zero. docs/play-along.md states the rules.

use super::clock::CaptureClock;
use super::LiveError;
use crate::backing::Plan;
use crate::formats::capture_log::BackingAudio;
use crate::report::AudioOffsetSource;
use crate::time::Nanos;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the session was asked to play along with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackingRequest {
    /// An audio file to play (`None`: the chart's own audio, if it has any).
    pub file: Option<PathBuf>,
    /// Mix a song folder's drum stems in too.
    pub drum_stem: bool,
    /// Part of the audio output's name (`None`: the default output).
    pub audio_out: Option<String>,
    /// The audio offset given for this session (`--audio-offset-ms`): sound reaches the
    /// players this much after the time the audio API reports. `None`: the offset saved for
    /// the output device, if any ([`BackingRequest::saved_offsets`]), else 0.
    pub audio_offset: Option<Nanos>,
    /// The audio offsets saved per output device (stable name), as `pocket calibrate --audio`
    /// measured them ([`crate::latency::LatencyProfiles::audio`]).
    pub saved_offsets: BTreeMap<String, Nanos>,
}

impl BackingRequest {
    /// The audio offset for the output `device` and where it comes from: the one given, else
    /// the one saved for that device (its exact name, else the one name equal ignoring case),
    /// else 0.
    pub fn offset_for(&self, device: &str) -> (Nanos, AudioOffsetSource) {
        if let Some(o) = self.audio_offset {
            return (o, AudioOffsetSource::Flag);
        }
        if let Some(o) = self.saved_offsets.get(device) {
            return (*o, AudioOffsetSource::Saved);
        }
        let lower = device.to_lowercase();
        let mut folded = self
            .saved_offsets
            .iter()
            .filter(|(k, _)| k.to_lowercase() == lower);
        match (folded.next(), folded.next()) {
            (Some((_, o)), None) => (*o, AudioOffsetSource::Saved),
            _ => (Nanos::ZERO, AudioOffsetSource::None),
        }
    }
}

/// A backing track playing, and where its chart zero is heard.
#[derive(Debug)]
pub struct PlayAlong {
    /// Capture-clock time at which the chart-zero sample is heard.
    pub time_zero: Nanos,
    /// The output device.
    pub device: String,
    /// The output latency the audio API reported.
    pub reported_latency: Nanos,
    /// The error bar of the clock mapping (spread of the callbacks' estimates).
    pub spread: Nanos,
    /// What plays, for messages.
    pub plan: Plan,
    /// The audio offset added ([`BackingRequest::offset_for`] the device).
    pub audio_offset: Nanos,
    /// Where the audio offset came from.
    pub audio_offset_source: AudioOffsetSource,
    /// The practice tempo.
    pub tempo: f64,
    output: Output,
}

/// Where the audio plays.
#[derive(Debug)]
enum Output {
    /// cpal's output stream (ALSA, CoreAudio, WASAPI).
    #[cfg(feature = "midi-io")]
    Cpal(super::audio_out::AudioOut),
    /// pocket's JACK client's audio outputs: the request until the client takes it, then
    /// where it started.
    #[cfg(feature = "jack")]
    Jack {
        feed: crate::backing::Feed,
        request: Option<super::audio_cycle::JackAudioRequest>,
        started: Option<super::audio_cycle::JackAudioStarted>,
        zero_frame: f64,
    },
}

/// How long after the backing is ready its first frame is due on JACK: time for pocket's JACK
/// client to start and connect its ports before it (the output latency comes out of it).
#[cfg(feature = "jack")]
const JACK_START_MARGIN: Nanos = Nanos(1_000_000_000);

/// The backing's settings at an output's `rate`: the tempo, the slice and the count-in's
/// clicks (times before zero) rendered as its lead-in.
fn settings(
    rate: u32,
    tempo: f64,
    slice: Option<crate::backing::Slice>,
    count_in: &[(Nanos, bool)],
) -> crate::backing::Settings {
    let mut s = crate::backing::Settings::new(rate);
    s.tempo = tempo;
    s.slice = slice;
    s.lead_in = crate::audio::count_in_samples(count_in, rate);
    s
}

/// The audio to play for `chart` (the chart file or song folder), or `None` when neither a
/// file was given nor the chart carries audio.
pub fn plan(request: &BackingRequest, chart: Option<&Path>) -> Result<Option<Plan>, LiveError> {
    if let Some(file) = &request.file {
        return Ok(Some(if file.is_dir() {
            Plan::song_folder(file, request.drum_stem)?
        } else {
            Plan::file(file)
        }));
    }
    match chart {
        Some(c) => Ok(Plan::for_chart(c, request.drum_stem)?),
        None => Ok(None),
    }
}

impl PlayAlong {
    /// Starts `slice` of `plan` (all of it: `None`) on the requested output at `tempo` (pitch
    /// kept) after the `count_in` clicks (times before zero), rendered into the audio. Time
    /// zero is the sound of the slice's start.
    ///
    /// The output is pocket's JACK client's when this build has JACK, a server answers and
    /// has the requested port (by default the system playback ports): as MIDI ports are
    /// searched, JACK first. The JACK output starts with the session's ports
    /// ([`PlayAlong::take_jack`], [`PlayAlong::jack_started`]). Otherwise cpal's output is
    /// started now and its clock mapping awaited.
    #[allow(unreachable_code)]
    pub fn start(
        request: &BackingRequest,
        plan: Plan,
        slice: Option<crate::backing::Slice>,
        tempo: f64,
        count_in: &[(Nanos, bool)],
        clock: CaptureClock,
    ) -> Result<PlayAlong, LiveError> {
        // JACK ports a name matched none of, to list beside cpal's outputs.
        #[allow(unused_mut)]
        let mut jack_ports: Vec<String> = Vec::new();
        #[cfg(feature = "jack")]
        match super::jack_audio::find(request.audio_out.as_deref()) {
            Ok((destinations, rate)) => {
                return PlayAlong::start_jack(
                    request,
                    plan,
                    destinations,
                    settings(rate, tempo, slice, count_in),
                    clock,
                )
            }
            Err(e) if !cfg!(feature = "midi-io") => return Err(e),
            Err(LiveError::NoSuchPort { available, .. }) => {
                jack_ports = available.iter().map(|n| format!("{n} (jack)")).collect();
            }
            Err(_) => {}
        }
        #[cfg(feature = "midi-io")]
        return PlayAlong::start_cpal(request, plan, slice, tempo, count_in, clock).map_err(|e| {
            match e {
                LiveError::NoSuchPort {
                    what,
                    query,
                    mut available,
                } => {
                    available.extend(jack_ports);
                    LiveError::NoSuchPort {
                        what,
                        query,
                        available,
                    }
                }
                e => e,
            }
        });
        let _ = jack_ports;
        let _ = (request, plan, slice, tempo, count_in, clock, settings);
        Err(LiveError::Settings(
            "this pocket was built without audio output, so it cannot play backing audio; \
             rebuild it in pocket's source folder with `cargo install --path . --features \
             midi-io` (Linux needs libasound2-dev), or `--features jack` for JACK"
                .into(),
        ))
    }

    /// The backing on pocket's JACK client: the feed starts now at the server's rate; the
    /// client takes the request when it opens.
    #[cfg(feature = "jack")]
    fn start_jack(
        request: &BackingRequest,
        plan: Plan,
        destinations: Vec<String>,
        settings: crate::backing::Settings,
        clock: CaptureClock,
    ) -> Result<PlayAlong, LiveError> {
        let (reader, feed) = crate::backing::start(&plan, &settings)?;
        let timing = reader.timing();
        let zero_frame = timing.frame_of(settings.slice.map_or(Nanos::ZERO, |s| s.start));
        let (cycle, start) = super::audio_cycle::AudioCycle::new(reader);
        let zero_after = Nanos((zero_frame * 1e9 / f64::from(settings.device_rate)).round() as i64);
        let heard_at = clock
            .now()
            .saturating_add(JACK_START_MARGIN)
            .saturating_add(zero_after);
        // Saved offsets are keyed by the destination ports, the name the report gives.
        let device = destinations.join(", ");
        let (audio_offset, audio_offset_source) = request.offset_for(&device);
        Ok(PlayAlong {
            time_zero: heard_at.saturating_add(audio_offset),
            device,
            reported_latency: Nanos::ZERO,
            spread: Nanos::ZERO,
            plan,
            audio_offset,
            audio_offset_source,
            tempo: settings.tempo,
            output: Output::Jack {
                feed,
                request: Some(super::audio_cycle::JackAudioRequest {
                    cycle,
                    start,
                    destinations,
                    heard_at,
                    zero_frame,
                }),
                started: None,
                zero_frame,
            },
        })
    }

    /// The backing for pocket's JACK client to play, once (`None` on cpal).
    pub fn take_jack(&mut self) -> Option<super::audio_cycle::JackAudioRequest> {
        match &mut self.output {
            #[cfg(feature = "jack")]
            Output::Jack { request, .. } => request.take(),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The JACK client started the backing: time zero is the sound of its zero frame, heard
    /// the output latency after it is written, plus the audio offset; the output and its
    /// latency are recorded for the report.
    pub fn jack_started(&mut self, started: &super::audio_cycle::JackAudioStarted) {
        #[cfg(feature = "jack")]
        #[allow(irrefutable_let_patterns)]
        if let Output::Jack {
            started: slot,
            zero_frame,
            ..
        } = &mut self.output
        {
            self.time_zero = started
                .heard_time(*zero_frame)
                .saturating_add(self.audio_offset);
            let rate = f64::from(started.rate.max(1));
            self.reported_latency =
                Nanos((f64::from(started.latency_frames) * 1e9 / rate).round() as i64);
            *slot = Some(started.clone());
        }
        let _ = started;
    }

    /// Starts the backing on cpal's output and waits for its clock mapping.
    #[cfg(feature = "midi-io")]
    fn start_cpal(
        request: &BackingRequest,
        plan: Plan,
        slice: Option<crate::backing::Slice>,
        tempo: f64,
        count_in: &[(Nanos, bool)],
        clock: CaptureClock,
    ) -> Result<PlayAlong, LiveError> {
        let out = super::audio_out::AudioOut::start(
            request.audio_out.as_deref(),
            &plan,
            |rate| settings(rate, tempo, slice, count_in),
            clock,
        )?;
        let mapping = out
            .mapping(8, std::time::Duration::from_secs(3))
            .ok_or_else(|| LiveError::PortBusy {
                name: out.device.clone(),
                reason: "the audio output did not start playing within 3 s".into(),
            })?;
        let start = slice.map_or(Nanos::ZERO, |s| s.start);
        let zero_ns = (out.timing.frame_of(start) * 1e9 / f64::from(out.rate)).round() as i64;
        let (audio_offset, audio_offset_source) = request.offset_for(&out.device);
        Ok(PlayAlong {
            time_zero: mapping
                .frame_zero
                .saturating_add(Nanos(zero_ns))
                .saturating_add(audio_offset),
            device: out.device.clone(),
            reported_latency: mapping.reported_latency,
            spread: mapping.spread,
            plan,
            audio_offset,
            audio_offset_source,
            tempo,
            output: Output::Cpal(out),
        })
    }

    /// What the report says about the audio (`settings.audio`): what the capture log's header
    /// records, so that `pocket score` on the log says the same.
    pub fn report_settings(&self) -> crate::report::AudioSettings {
        self.capture_header().settings()
    }

    /// What the capture log's header records about the audio (its `audio` field), from which
    /// `pocket score` rebuilds [`PlayAlong::report_settings`].
    pub fn capture_header(&self) -> BackingAudio {
        BackingAudio {
            files: self
                .plan
                .stems
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            output: self.device.clone(),
            reported_latency: self.reported_latency,
            audio_offset: self.audio_offset,
            audio_offset_source: self.audio_offset_source,
            mapping_spread: self.spread,
            tempo: self.tempo,
            sample_zero: self.time_zero,
        }
    }

    /// Stops the audio; warnings for the report (underruns, a file damaged mid-song, an
    /// output that failed).
    // A build without audio output has no `Output` to finish.
    #[allow(unused_mut, unused_variables, unreachable_code)]
    pub fn finish(self) -> Vec<String> {
        let mut warnings = Vec::new();
        let stats: Result<crate::backing::FeedStats, LiveError> = match self.output {
            #[cfg(feature = "midi-io")]
            Output::Cpal(out) => {
                if out.failed() {
                    warnings.push(format!(
                        "the audio output {:?} reported an error during the session (unplugged?)",
                        self.device
                    ));
                }
                out.finish()
            }
            #[cfg(feature = "jack")]
            Output::Jack { feed, started, .. } => {
                if let Some(s) = started {
                    match s.start.started() {
                        Some(f) if f != s.start_frame => warnings.push(format!(
                            "backing audio started {} frames after its planned frame: time zero \
                             is off by that much",
                            f - s.start_frame
                        )),
                        None => warnings.push(
                            "backing audio: the JACK client never played it (the session ended \
                             first)"
                                .into(),
                        ),
                        _ => {}
                    }
                }
                feed.stop().map_err(LiveError::from)
            }
        };
        match stats {
            Ok(stats) if stats.underruns > 0 => warnings.push(format!(
                "backing audio: {} underruns ({} frames of silence where the song was not \
                 ready)",
                stats.underruns, stats.underrun_frames
            )),
            Ok(_) => {}
            Err(e) => warnings.push(format!("backing audio stopped early: {e}")),
        }
        warnings
    }
}

/// The play-along of a session, if asked for: checks that it fits the session (real speed),
/// finds the audio and starts it after the `count_in` clicks (times before zero, rendered
/// into the audio), playing `slice` of the original chart (a section, looped) or all of it.
pub fn for_session(
    request: Option<&BackingRequest>,
    chart: Option<&Path>,
    slice: Option<crate::backing::Slice>,
    tempo: f64,
    speed: f64,
    count_in: &[(Nanos, bool)],
    clock: CaptureClock,
) -> Result<Option<PlayAlong>, LiveError> {
    let Some(request) = request else {
        return Ok(None);
    };
    if speed != 1.0 {
        return Err(LiveError::Settings(
            "backing audio plays in real time: it cannot follow a replay at another speed".into(),
        ));
    }
    let plan = plan(request, chart)?.ok_or_else(|| {
        LiveError::Settings(
            "no audio to play: the chart is not a song folder or a DTX chart with background \
             music, and no audio file was given"
                .into(),
        )
    })?;
    // Every file opens and decodes before anything starts: a bad one is named now.
    for stem in &plan.stems {
        crate::backing::Decoder::open(stem)?;
    }
    PlayAlong::start(request, plan, slice, tempo, count_in, clock).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(flag: Option<i64>, saved: &[(&str, i64)]) -> BackingRequest {
        BackingRequest {
            audio_offset: flag.map(Nanos::from_millis),
            saved_offsets: saved
                .iter()
                .map(|(n, ms)| (n.to_string(), Nanos::from_millis(*ms)))
                .collect(),
            ..BackingRequest::default()
        }
    }

    #[test]
    fn the_flag_wins_over_the_saved_offset_and_none_is_zero() {
        let saved = [("USB Audio CODEC", 31), ("default", 7)];
        assert_eq!(
            request(Some(12), &saved).offset_for("default"),
            (Nanos::from_millis(12), AudioOffsetSource::Flag)
        );
        assert_eq!(
            request(None, &saved).offset_for("default"),
            (Nanos::from_millis(7), AudioOffsetSource::Saved)
        );
        assert_eq!(
            request(None, &saved).offset_for("usb audio codec"),
            (Nanos::from_millis(31), AudioOffsetSource::Saved)
        );
        assert_eq!(
            request(None, &saved).offset_for("HDMI 0"),
            (Nanos::ZERO, AudioOffsetSource::None)
        );
        // Two names equal but for case: neither is guessed.
        assert_eq!(
            request(None, &[("Out", 1), ("OUT", 2)]).offset_for("out"),
            (Nanos::ZERO, AudioOffsetSource::None)
        );
    }
}
