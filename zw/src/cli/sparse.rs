//! An output file written in order, whose stretches of zeros become holes when it is a regular
//! file: a dump of a memory the program barely touched costs neither host memory nor disk.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

/// Zeros written at a time to a file that cannot seek (a pipe, a device).
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// A file being written from its start.
pub struct SparseFile {
    file: File,
    /// A regular file: zeros are skipped over, not written.
    holes: bool,
    /// Bytes written or skipped so far.
    len: u64,
}

impl SparseFile {
    /// Creates (or truncates) the file at `path`; a device or pipe is written through.
    pub fn create(path: &Path) -> io::Result<SparseFile> {
        let file = File::create(path)?;
        let holes = file.metadata()?.is_file();
        Ok(SparseFile {
            file,
            holes,
            len: 0,
        })
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Appends `n` zero bytes.
    pub fn zeros(&mut self, n: u64) -> io::Result<()> {
        if self.holes {
            let n = i64::try_from(n).map_err(io::Error::other)?;
            self.file.seek(SeekFrom::Current(n))?;
        } else {
            let mut left = n;
            while left > 0 {
                let k = left.min(ZEROS.len() as u64) as usize;
                self.file.write_all(&ZEROS[..k])?;
                left -= k as u64;
            }
        }
        self.len += n;
        Ok(())
    }

    /// Ends the file: a regular file ending in zeros is extended to its full length.
    pub fn finish(self) -> io::Result<()> {
        if self.holes {
            self.file.set_len(self.len)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_read_back_as_zeros_and_the_length_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [9u8; 100]).unwrap();
        let mut f = SparseFile::create(&path).unwrap();
        f.write(&[1, 2]).unwrap();
        f.zeros(5).unwrap();
        f.write(&[3]).unwrap();
        f.zeros(4).unwrap();
        f.finish().unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            [1, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]
        );
    }
}
