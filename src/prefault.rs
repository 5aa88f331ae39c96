//! Mapping in, in one call, the pages a large vector is about to fill.
//!
//! Fresh memory costs a page fault on the first write to each 4 KiB page: the kernel traps,
//! zeroes a page and maps it. On the machine of docs/performance.md that is about 2.6 µs a
//! page, of which about 1.1 µs is the trap itself; `madvise(MADV_POPULATE_WRITE)` (Linux 5.14
//! and later) maps a whole range in one system call for about 1.5 µs a page. A million-onset
//! chart and take fill 40 MB, about 10,000 pages, as they are read.
//!
//! Populating changes no byte of the vector (pages already mapped are left as they are), so
//! it is only ever a matter of speed: where it is not available (another system, an older
//! kernel, memory that is not an ordinary private mapping) nothing happens.

/// Tracks how much of a vector's buffer has been mapped in ahead of its length.
#[derive(Debug, Default)]
pub(crate) struct Prefault {
    /// Elements `..done` of the buffer (as it was when last populated) are mapped in.
    done: usize,
    /// The buffer's address when last populated (a reallocation starts again).
    at: usize,
}

/// Populate at least this many bytes at a time: fewer, larger calls.
const CHUNK: usize = 1 << 20;

impl Prefault {
    /// A tracker for a vector none of whose spare capacity is mapped in yet.
    pub(crate) fn new() -> Prefault {
        Prefault::default()
    }

    /// Maps in the pages of `v`'s buffer for its next `more` elements (within its capacity),
    /// unless they already were.
    pub(crate) fn ahead<T>(&mut self, v: &Vec<T>, more: usize) {
        let size = std::mem::size_of::<T>();
        if size == 0 {
            return;
        }
        let at = v.as_ptr() as usize;
        if at != self.at {
            (self.at, self.done) = (at, v.len());
        }
        let want = v.len().saturating_add(more).min(v.capacity());
        if want <= self.done {
            return;
        }
        let end = want
            .max(self.done.saturating_add(CHUNK / size))
            .min(v.capacity());
        populate_write(at + self.done * size, at + end * size);
        self.done = end;
    }
}

/// An empty vector with room for `n` elements, its buffer mapped in: for a table about to be
/// filled whole.
pub(crate) fn with_capacity<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    Prefault::new().ahead(&v, n);
    v
}

/// Maps in the pages that overlap the bytes `start..end` of this process's memory, for
/// writing, if the system can.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn populate_write(start: usize, end: usize) {
    const PAGE: usize = 4096;
    let first = start & !(PAGE - 1);
    let last = end.div_ceil(PAGE) * PAGE;
    if last <= first {
        return;
    }
    // SAFETY: MADV_POPULATE_WRITE only maps in pages of the range as a write to them would,
    // without changing any byte; the range lies within (or on the pages of) a live allocation
    // of this process. An error (EINVAL on kernels before 5.14) leaves everything as it was.
    unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_POPULATE_WRITE,
        );
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn populate_write(_start: usize, _end: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populating_ahead_keeps_every_value_and_follows_reallocations() {
        let mut v: Vec<u64> = Vec::with_capacity(3 << 17);
        let mut p = Prefault::new();
        for i in 0..(1u64 << 20) {
            if i % 1000 == 0 {
                p.ahead(&v, 5000);
                assert!(p.done <= v.capacity());
                assert!(p.done >= (v.len() + 5000).min(v.capacity()));
            }
            v.push(i * 3);
        }
        // The vector outgrew its first buffer: the tracker started again on the new one.
        assert_eq!(p.at, v.as_ptr() as usize);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
        // Zero-sized elements and a full vector are left alone.
        let mut units = vec![(); 10];
        Prefault::new().ahead(&units, 10);
        units.push(());
        let full: Vec<u8> = vec![7; 4096];
        let mut q = Prefault::new();
        q.ahead(&full, 100);
        assert_eq!(q.done, full.len());
        assert!(full.iter().all(|&b| b == 7));
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn populated_pages_are_resident() {
        // A fresh mapping of 64 pages: none resident until populated.
        const LEN: usize = 64 * 4096;
        // SAFETY: an anonymous private mapping, unmapped at the end of the test.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                LEN,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        let resident = || {
            let mut vec = vec![0u8; 64];
            // SAFETY: `vec` has one byte per page of the mapping.
            let r = unsafe { libc::mincore(p, LEN, vec.as_mut_ptr()) };
            assert_eq!(r, 0);
            vec.iter().filter(|&&b| b & 1 == 1).count()
        };
        assert_eq!(resident(), 0);
        populate_write(p as usize + 100, p as usize + 10 * 4096);
        let after = resident();
        // SAFETY: the mapping made above, no longer used.
        unsafe { libc::munmap(p, LEN) };
        // Kernels before 5.14 do not know MADV_POPULATE_WRITE and map nothing.
        assert!(after == 10 || after == 0, "{after} pages resident");
    }
}
