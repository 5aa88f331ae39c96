//! The page under construction and the limits on what its plots draw.

use crate::report::Report;

/// Most points drawn in one plot; above it every k-th point is kept ([`thinning_step`]).
pub const MAX_POINTS_PER_PLOT: usize = 20_000;

/// Points get a hover tooltip (`<title>`) only when a plot draws at most this many, to keep
/// long sessions' pages small.
pub const MAX_POINT_TOOLTIPS: usize = 5_000;

/// The thinning step for a plot of `points` points: 1 (draw all) up to
/// [`MAX_POINTS_PER_PLOT`], else k = ⌈points / MAX_POINTS_PER_PLOT⌉ (draw every k-th point in
/// note order, the first included).
pub fn thinning_step(points: usize) -> usize {
    points.div_ceil(MAX_POINTS_PER_PLOT).max(1)
}

/// The page being written: the HTML so far, the report it draws, and the notes for its
/// footer. The layout ([`super::page`]) and the plots ([`super::plots`]) both write into it.
pub(super) struct Page<'a> {
    /// The HTML so far.
    pub(super) out: String,
    /// The report drawn.
    pub(super) report: &'a Report,
    /// Notes for the footer (thinning, missing data).
    pub(super) notes: Vec<String>,
}
