//! The built-in audio kit: templates learned (with [`super::learn`]) from renders of the
//! General MIDI drum notes through the FluidR3 GM sound font of Debian's `fluid-soundfont-gm`
//! (MIT licence), at four velocities each. `tests/acoustic.rs` renders them again with
//! fluidsynth and checks this file against them (`POCKET_BLESS=1` rewrites it).

use super::kit::AudioKit;

/// The kit's JSON, as `pocket kit learn --audio` writes it.
pub const BUILTIN_JSON: &str = include_str!("gm-render-kit.json");

impl AudioKit {
    /// The built-in kit: templates learned from renders of the General MIDI drum notes through
    /// the FluidR3 GM sound font (`fluid-soundfont-gm`, MIT).
    pub fn builtin() -> AudioKit {
        // The file is checked by a test; an unreadable one would be a build defect.
        serde_json::from_str(BUILTIN_JSON).expect("the built-in audio kit is valid JSON")
    }
}
