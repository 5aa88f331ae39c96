//! Live path benchmark (filled in below).
fn main() {}
