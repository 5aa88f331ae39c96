//! serde_json's pretty printing (two-space indent), with each line break and its indentation
//! written at once: the report of a long take has a million of them, and
//! `serde_json::ser::PrettyFormatter` writes the indentation one level at a time.

use serde_json::ser::Formatter;
use std::io::{self, Write};

/// A comma, a line break and the deepest indentation written in one piece.
const BREAK: &[u8; 2 + 2 * 48] = b",\n                                                                                                ";

/// Writes what `serde_json::ser::PrettyFormatter::new()` writes, byte for byte.
#[derive(Debug, Default)]
pub(crate) struct Pretty {
    /// Nesting depth.
    depth: usize,
    /// Whether the array or object being written has a value yet.
    has_value: bool,
}

impl Pretty {
    /// A line break and the indentation of the current depth, after a comma when `comma`.
    #[inline]
    fn line<W: ?Sized + Write>(&self, writer: &mut W, comma: bool) -> io::Result<()> {
        let from = usize::from(!comma);
        let to = 2 + 2 * self.depth;
        if to <= BREAK.len() {
            return writer.write_all(&BREAK[from..to]);
        }
        writer.write_all(&BREAK[from..2])?;
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl Pretty {
    /// An array or object begins with `bracket`, one level deeper.
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// An array or object ends with `bracket`, on a line of its own unless it is empty.
    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(writer, false)?;
        }
        writer.write_all(bracket)
    }
}

impl Formatter for Pretty {
    #[inline]
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(writer, !first)
    }

    #[inline]
    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(writer, !first)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` as pretty JSON through [`Pretty`].
pub(crate) fn write_pretty<W: Write, T: serde::Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Pretty::default());
    value.serialize(&mut ser)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(value: &serde_json::Value) -> (String, String) {
        let mut ours = Vec::new();
        write_pretty(&mut ours, value).expect("writes");
        let theirs = serde_json::to_string_pretty(value).expect("writes");
        (String::from_utf8(ours).expect("UTF-8"), theirs)
    }

    #[test]
    fn writes_what_serde_jsons_pretty_printer_writes() {
        let mut deep = json!({"leaf": [1, {"x": []}, {}], "s": "a\"b\n"});
        for i in 0..60 {
            deep = if i % 3 == 0 {
                json!([deep, i, [], {}])
            } else {
                json!({ "k": deep, "n": null, "f": -0.5, "e": [] })
            };
        }
        for value in [
            json!(null),
            json!([]),
            json!({}),
            json!([[], {}, [[]], {"a": {}}]),
            json!({"a": 1, "b": [true, false, null], "c": {"d": "é", "e": 1.5e300}}),
            deep,
        ] {
            let (ours, theirs) = both(&value);
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn writes_the_golden_report_as_serde_json_does() {
        let path = crate::testdata::crate_path("fixtures/golden/demo-two-players-standard.json");
        let text = std::fs::read_to_string(path).expect("the golden report");
        // As a JSON value (its keys sorted): the report's own type would import this module's
        // importer. The CLI's golden reports check the report type's own path.
        let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut ours = Vec::new();
        write_pretty(&mut ours, &report).expect("writes");
        let theirs = serde_json::to_string_pretty(&report).expect("writes");
        assert_eq!(String::from_utf8(ours).expect("UTF-8"), theirs);
    }
}
