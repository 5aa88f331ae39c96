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
    #[cfg(feature = "midi-io")]
    out: super::audio_out::AudioOut,
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
    /// kept) after `lead_in` of silence (the count-in), and waits for the output's clock
    /// mapping. Time zero is the sound of the slice's start.
    #[cfg(feature = "midi-io")]
    pub fn start(
        request: &BackingRequest,
        plan: Plan,
        slice: Option<crate::backing::Slice>,
        tempo: f64,
        lead_in: Nanos,
        clock: CaptureClock,
    ) -> Result<PlayAlong, LiveError> {
        let out = super::audio_out::AudioOut::start(
            request.audio_out.as_deref(),
            &plan,
            |rate| {
                let mut s = crate::backing::Settings::new(rate);
                s.tempo = tempo;
                s.slice = slice;
                s.lead_in = vec![0.0; (lead_in.as_secs_f64() * f64::from(rate)).round() as usize];
                s
            },
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
            out,
        })
    }

    /// Without audio output in this build: an error that says how to get it.
    #[cfg(not(feature = "midi-io"))]
    pub fn start(
        _request: &BackingRequest,
        _plan: Plan,
        _slice: Option<crate::backing::Slice>,
        _tempo: f64,
        _lead_in: Nanos,
        _clock: CaptureClock,
    ) -> Result<PlayAlong, LiveError> {
        Err(LiveError::Settings(
            "this pocket was built without audio output, so it cannot play backing audio; \
             rebuild it in pocket's source folder with `cargo install --path . --features \
             midi-io` (Linux needs libasound2-dev)"
                .into(),
        ))
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
    pub fn finish(self) -> Vec<String> {
        #[cfg(feature = "midi-io")]
        {
            let mut warnings = Vec::new();
            if self.out.failed() {
                warnings.push(format!(
                    "the audio output {:?} reported an error during the session (unplugged?)",
                    self.device
                ));
            }
            match self.out.finish() {
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
        #[cfg(not(feature = "midi-io"))]
        Vec::new()
    }
}

/// The play-along of a session, if asked for: checks that it fits the session (real speed),
/// finds the audio and starts it after `count_in` of silence, playing `slice` of the original
/// chart (a section, looped) or all of it.
pub fn for_session(
    request: Option<&BackingRequest>,
    chart: Option<&Path>,
    slice: Option<crate::backing::Slice>,
    tempo: f64,
    speed: f64,
    count_in: Nanos,
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
