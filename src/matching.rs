//! PLACEHOLDER: alignment of hits to notes
