//! The HTML report: one self-contained page of plots made from a JSON report alone.
//!
//! The page is plain HTML with inline CSS and hand-built inline SVG: no scripts, no fonts, no
//! network (a Content-Security-Policy forbids any fetch). Hand-built SVG keeps pocket free of a
//! plotting dependency, gives exact control over every mark (tier bands, miss marks, lane
//! colours as CSS classes) and keeps the file small: a point is one short `<circle>`.
//!
//! Every plotted number comes from the [`Report`](crate::report::Report); the offset plots need the per-note detail
//! (`--detail`), so [`render`] refuses a report without it. Points are thinned only above
//! [`MAX_POINTS_PER_PLOT`] per plot (every k-th point, see [`thinning_step`]), and the page says
//! so. Layout and reading guide: docs/html-report.md.
//!
//! One file per part: `page.rs` (the layout, header, cards, sections and settings table),
//! `plots.rs` (axes, frames and every plot), `sheet.rs` (the page under construction and the
//! drawing limits), `text.rs` (escaping and number formatting); the style sheet is
//! `style.css`, inlined at build time. `progress.rs` draws the practice history's progress page
//! (`pocket history --html`) with the same frames, axes and style.

mod page;
mod plots;
mod progress;
mod sheet;
mod text;

pub use page::{render, HtmlError};
pub use progress::render_progress;
pub use sheet::{thinning_step, MAX_POINTS_PER_PLOT, MAX_POINT_TOOLTIPS};
