//! Learning an audio kit from recordings of each drum struck a few times.

use super::engine::Streaming;
use super::kit::{AudioKit, Template, AUDIO_KIT_FORMAT};
use super::read::{open_audio, stream_channel, ChannelChoice};
use super::settings::{Settings, BANDS};
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Articulation, Lane};
use std::path::Path;

/// Why a kit could not be learned.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// A recording could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// No recordings were given.
    #[error("no recordings to learn from")]
    Nothing,
}

/// The band rise of every onset in a recording (channels mixed), with the onset frame's centre
/// sample: [`BANDS`] values of rise scaled to unit length, then [`BANDS`] values of tail on the
/// same scale.
pub fn rises_of(path: &Path, settings: Settings) -> Result<Vec<(u64, Vec<f64>)>, InputError> {
    let mut source = open_audio(path)?;
    // Templates do not matter for the rises; the built-in ones keep the engine whole.
    let mut engine = Streaming::new(source.sample_rate(), settings, &AudioKit::builtin());
    engine.keep_rises();
    stream_channel(path, source.as_mut(), ChannelChoice::Mix, |b| {
        engine.push(b);
    })?;
    engine.finish();
    Ok(engine
        .take_rises()
        .into_iter()
        .filter_map(|(s, r, t)| {
            let n = r.iter().map(|x| x * x).sum::<f64>().sqrt();
            (n > 0.0).then(|| (s, r.iter().chain(&t).map(|x| x / n).collect()))
        })
        .collect())
}

/// Learns an audio kit: for each `(lane, articulation, recording)`, the band-wise median of
/// the unit rises of its strokes, scaled to unit length. A recording with no stroke in it is
/// an error naming it.
pub fn learn(
    name: &str,
    recordings: &[(Lane, Option<Articulation>, &Path)],
    settings: Settings,
) -> Result<AudioKit, LearnError> {
    if recordings.is_empty() {
        return Err(LearnError::Nothing);
    }
    let mut templates = Vec::new();
    for &(lane, articulation, path) in recordings {
        let rises = rises_of(path, settings)?;
        if rises.is_empty() {
            return Err(InputError::new(
                path,
                Place::File,
                InputErrorKind::Empty(format!(
                    "no drum stroke heard in this recording of the {}; record the drum struck a \
                     few times, with a short pause between strokes",
                    lane.name()
                )),
            )
            .into());
        }
        let mut features = vec![0.0; 2 * BANDS];
        let mut column = Vec::with_capacity(rises.len());
        for (b, slot) in features.iter_mut().enumerate() {
            column.clear();
            column.extend(rises.iter().map(|(_, v)| v[b]));
            column.sort_by(f64::total_cmp);
            *slot = column[column.len() / 2];
        }
        let n = features[..BANDS].iter().map(|x| x * x).sum::<f64>().sqrt();
        if n > 0.0 {
            features.iter_mut().for_each(|x| *x /= n);
        }
        // Five decimals: a kit file stays readable and its bytes stable.
        features
            .iter_mut()
            .for_each(|v| *v = (*v * 1e5).round() / 1e5);
        let tail = features.split_off(BANDS);
        let spectrum = features;
        templates.push(Template {
            lane,
            articulation,
            spectrum,
            tail,
            strokes: rises.len(),
        });
    }
    Ok(AudioKit {
        format: AUDIO_KIT_FORMAT.into(),
        name: name.to_string(),
        origin: format!("learned from {} recordings", recordings.len()),
        templates,
    })
}
