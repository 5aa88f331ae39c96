//! The one way pocket reads an input file: whole, and never more than a limit.
//!
//! Each format has its own limit (a kit map is small, a capture log may be large); a file over it
//! is refused by its size before any byte is read, and a file that grows while it is read is cut
//! at the limit + 1 byte and refused too, so no input makes pocket read without bound. Format
//! detection reads only a file's first bytes ([`read_head`]).

use crate::error::{InputError, InputErrorKind, Place};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Opens a file for reading, refusing it if its size is over `limit` bytes. For readers that
/// stream (capture logs): they must still stop at `limit` themselves, as the file may grow.
pub fn open_capped(path: &Path, limit: u64) -> Result<File, InputError> {
    let file = File::open(path).map_err(|e| InputError::io(path, e))?;
    let size = file.metadata().map_err(|e| InputError::io(path, e))?.len();
    if size > limit {
        return Err(too_large(path, size, limit));
    }
    Ok(file)
}

/// Reads a whole file, refusing it if it holds more than `limit` bytes.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let file = open_capped(path, limit)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(size.min(limit) as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// Reads the first bytes of a file (up to `buf.len()`), to tell its format from its content;
/// returns how many were read.
pub fn read_head(path: &Path, buf: &mut [u8]) -> Result<usize, InputError> {
    File::open(path)
        .and_then(|mut f| f.read(buf))
        .map_err(|e| InputError::io(path, e))
}

/// The error for a file of `size` bytes over `limit`.
pub fn too_large(path: &Path, size: u64, limit: u64) -> InputError {
    InputError::new(path, Place::File, InputErrorKind::TooLarge { size, limit })
}

/// Text of a file that should be UTF-8, with undecodable bytes replaced, and the warning that
/// says so (naming the file and the first bad byte) when any were.
pub(crate) fn text_lossy(path: &Path, bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(undecodable(path, e.valid_up_to())),
        ),
    }
}

/// The warning for text whose bytes from `offset` on could not all be decoded.
pub(crate) fn undecodable(path: &Path, offset: usize) -> String {
    format!(
        "{}: the text is not valid UTF-8 (first at byte {offset}); undecodable bytes were \
         replaced, so titles, names and sections may be garbled (save the file as UTF-8)",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_within_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_capped(&path, 10).unwrap(), b"0123456789");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        let err = read_capped(&path, 9).unwrap_err();
        assert!(
            matches!(err.kind, InputErrorKind::TooLarge { size: 10, limit: 9 }),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_keeps_its_io_error_kind() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_capped(&dir.path().join("none"), 9).unwrap_err();
        assert_eq!(
            err.io_error_kind(),
            Some(std::io::ErrorKind::NotFound),
            "{err}"
        );
    }
}
