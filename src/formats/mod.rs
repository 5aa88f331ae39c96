//! File readers and writers, one file per format. Each returns [`crate::InputError`]s that name
//! the file and the place.

pub mod capture_log;
pub mod chart_json;
pub mod onsets;
pub mod smf;
