//! One (de)compression stream's codec, stepped within bounds: gzip, zlib ("deflate") and raw
//! deflate through flate2 on its zlib-rs backend, with the input written and not yet consumed.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The most input one step hands the codec: about a millisecond of deflate at level 6.
pub const IN_STEP: usize = 64 << 10;
/// The most output one step produces (and the largest chunk a stream enqueues).
pub const OUT_STEP: usize = 64 << 10;

/// What a codec's state holds natively, charged for the codec's life. zlib-rs allocates it all
/// when the codec is made (level 6, a 32 KiB window); the unit tests check these against what it
/// really allocates.
const COMPRESSOR_HOLDS: usize = 384 << 10;
const DECOMPRESSOR_HOLDS: usize = 48 << 10;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Gzip,
    Deflate,
    DeflateRaw,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "gzip" => Some(Format::Gzip),
            "deflate" => Some(Format::Deflate),
            "deflate-raw" => Some(Format::DeflateRaw),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Deflate => "deflate",
            Format::DeflateRaw => "deflate-raw",
        }
    }
}

enum Codec {
    /// Not made until the first write or pull: a stream nobody writes to holds and costs nothing.
    Unstarted,
    Compress(Compress),
    Decompress(Decompress),
    /// The compressed stream is complete (written, or read to its end); the state is gone.
    Ended,
}

#[derive(Debug, PartialEq)]
pub enum Failure {
    Corrupt(String),
    Trailing,
    Truncated,
}

/// One stream's codec and the input written to it and not yet consumed.
pub struct Stream {
    format: Format,
    decompress: bool,
    codec: Codec,
    input: Vec<u8>,
    /// How much of `input` the codec has consumed.
    at: usize,
}

impl Stream {
    pub fn new(format: Format, decompress: bool) -> Stream {
        Stream { format, decompress, codec: Codec::Unstarted, input: Vec::new(), at: 0 }
    }

    /// Makes the codec if it is not yet made; true when it was made now.
    pub fn start(&mut self) -> bool {
        if !matches!(self.codec, Codec::Unstarted) {
            return false;
        }
        let level = Compression::default();
        self.codec = match (self.format, self.decompress) {
            (Format::Gzip, false) => Codec::Compress(Compress::new_gzip(level, 15)),
            (Format::Gzip, true) => Codec::Decompress(Decompress::new_gzip(15)),
            (format, false) => Codec::Compress(Compress::new(level, format == Format::Deflate)),
            (format, true) => Codec::Decompress(Decompress::new(format == Format::Deflate)),
        };
        true
    }

    /// The bytes this stream holds natively: its codec's state and its input buffer.
    pub fn holds(&self) -> usize {
        let codec = match self.codec {
            Codec::Compress(_) => COMPRESSOR_HOLDS,
            Codec::Decompress(_) => DECOMPRESSOR_HOLDS,
            Codec::Unstarted | Codec::Ended => 0,
        };
        // The table entry itself, so streams opened and never used are bounded too.
        std::mem::size_of::<super::Open>() + codec + self.input.capacity()
    }

    /// Room for `len` more bytes of input, for the caller to fill; what was consumed is dropped
    /// first, so the buffer holds exactly the input still to come.
    pub fn extend(&mut self, len: usize) -> Result<&mut [u8], Failure> {
        if matches!(self.codec, Codec::Ended) && len > 0 {
            return Err(Failure::Trailing);
        }
        let rest = self.input.len() - self.at;
        let mut input = Vec::with_capacity(rest + len);
        input.extend_from_slice(&self.input[self.at..]);
        input.resize(rest + len, 0);
        self.input = input;
        self.at = 0;
        Ok(&mut self.input[rest..])
    }

    /// One bounded step: Some(output, possibly empty) when it made progress, None when there is
    /// nothing more to do until more input comes (or, with `finish`, at all: the stream is done).
    pub fn step(&mut self, finish: bool) -> Result<Option<Vec<u8>>, Failure> {
        self.start();
        let end = self.input.len().min(self.at + IN_STEP);
        let last = end == self.input.len();
        let chunk = &self.input[self.at..end];
        let mut out = Vec::new();
        let (consumed, ended) = match &mut self.codec {
            // Only a decompressor ends before its input does.
            Codec::Ended if !chunk.is_empty() => return Err(Failure::Trailing),
            Codec::Ended => return Ok(None),
            _ if chunk.is_empty() && !finish => return Ok(None),
            // Made by `start` above.
            Codec::Unstarted => return Ok(None),
            Codec::Compress(codec) => {
                out.reserve_exact(OUT_STEP);
                let flush = if finish && last { FlushCompress::Finish } else { FlushCompress::None };
                let before = codec.total_in();
                let status = codec
                    .compress_vec(chunk, &mut out, flush)
                    .map_err(|e| Failure::Corrupt(e.to_string()))?;
                ((codec.total_in() - before) as usize, status == Status::StreamEnd)
            }
            Codec::Decompress(codec) => {
                out.reserve_exact(OUT_STEP);
                let before = codec.total_in();
                let status = codec.decompress_vec(chunk, &mut out, FlushDecompress::None).map_err(|e| {
                    Failure::Corrupt(e.message().unwrap_or("invalid compressed data").to_owned())
                })?;
                ((codec.total_in() - before) as usize, status == Status::StreamEnd)
            }
        };
        if consumed == 0 && out.is_empty() && !ended {
            // A decompressor that makes no progress at the end of its input wants more of it.
            return if finish { Err(Failure::Truncated) } else { Ok(None) };
        }
        self.at += consumed;
        if self.at == self.input.len() {
            self.input = Vec::new();
            self.at = 0;
        }
        if ended {
            self.codec = Codec::Ended;
        }
        Ok(Some(out))
    }

    pub fn what(&self) -> &'static str {
        if self.decompress { "DecompressionStream" } else { "CompressionStream" }
    }

    pub fn message(&self, failure: &Failure) -> String {
        let (what, format) = (self.what(), self.format.name());
        match failure {
            Failure::Corrupt(why) => format!("{what}: the {format} data is invalid ({why})"),
            Failure::Trailing => format!("{what}: there is data after the end of the {format} stream"),
            Failure::Truncated => format!("{what}: the input ended before the end of the {format} stream"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// Bytes this thread allocated and has not freed.
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }

    fn count(delta: isize) {
        let _ = LIVE.try_with(|live| live.set(live.get() + delta));
    }

    /// The system allocator, counting per thread, so a test can see what a codec really holds.
    struct Counting;

    // SAFETY: every call is passed to the system allocator unchanged; counting only reads the
    // layout and touches a const-initialised thread local, which never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count(layout.size() as isize);
            // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is System's.
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count(layout.size() as isize);
            // SAFETY: as for `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            count(-(layout.size() as isize));
            // SAFETY: `ptr` came from this allocator, which is System underneath, with `layout`.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    const FORMATS: [Format; 3] = [Format::Gzip, Format::Deflate, Format::DeflateRaw];

    /// Writes `input` in `chunk`-sized pieces, then finishes; every step's output, in order.
    fn run(stream: &mut Stream, input: &[u8], chunk: usize) -> Result<Vec<Vec<u8>>, Failure> {
        let mut pieces = Vec::new();
        for part in input.chunks(chunk.max(1)) {
            stream.extend(part.len())?.copy_from_slice(part);
            while let Some(out) = stream.step(false)? {
                pieces.push(out);
            }
        }
        while let Some(out) = stream.step(true)? {
            pieces.push(out);
        }
        Ok(pieces)
    }

    fn text(len: usize) -> Vec<u8> {
        let words = ["stream ", "gzip ", "deflate ", "worker ", "isolate ", "budget "];
        let mut out = Vec::with_capacity(len + 16);
        let mut seed = 12345u32;
        while out.len() < len {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            out.extend_from_slice(words[(seed >> 16) as usize % words.len()].as_bytes());
            out.extend_from_slice(&seed.to_le_bytes()[..(seed as usize % 3)]);
        }
        out.truncate(len);
        out
    }

    fn compress(format: Format, input: &[u8]) -> Vec<u8> {
        run(&mut Stream::new(format, false), input, input.len()).unwrap().concat()
    }

    #[test]
    fn every_format_round_trips_in_any_chunking() {
        let input = text(300_000);
        for format in FORMATS {
            for chunk in [1usize << 20, 4096, 7] {
                let packed = run(&mut Stream::new(format, false), &input, chunk).unwrap().concat();
                assert!(packed.len() < input.len() / 2, "{format:?}");
                let back = run(&mut Stream::new(format, true), &packed, chunk).unwrap().concat();
                assert!(back == input, "{format:?} in chunks of {chunk}");
            }
        }
    }

    #[test]
    fn every_step_is_bounded_in_and_out() {
        // A bomb: 64 MiB of zeros is about 64 KiB of deflate.
        let bomb = compress(Format::Gzip, &vec![0u8; 64 << 20]);
        let mut stream = Stream::new(Format::Gzip, true);
        stream.extend(bomb.len()).unwrap().copy_from_slice(&bomb);
        let (mut steps, mut total) = (0, 0);
        while let Some(out) = stream.step(false).unwrap() {
            assert!(out.len() <= OUT_STEP);
            total += out.len();
            steps += 1;
        }
        assert_eq!(total, 64 << 20);
        assert!(steps >= (64 << 20) / OUT_STEP);
        // Compression consumes at most IN_STEP a step.
        let mut stream = Stream::new(Format::Deflate, false);
        stream.extend(1 << 20).unwrap().fill(7);
        let before = stream.input.len();
        stream.step(false).unwrap();
        assert!(before - (stream.input.len() - stream.at) <= IN_STEP);
    }

    #[test]
    fn corrupt_trailing_and_truncated_data_fail() {
        for format in FORMATS {
            let packed = compress(format, b"hello hello hello");
            let mut corrupt = packed.clone();
            corrupt[0] ^= 0xff;
            let failure = run(&mut Stream::new(format, true), &corrupt, 4096).unwrap_err();
            assert!(matches!(failure, Failure::Corrupt(_) | Failure::Truncated), "{format:?}: {failure:?}");
            let mut trailing = packed.clone();
            trailing.push(0);
            assert_eq!(run(&mut Stream::new(format, true), &trailing, 4096).unwrap_err(), Failure::Trailing);
            // Trailing bytes in a later chunk fail too; an empty one after the end does not.
            assert_eq!(
                run(&mut Stream::new(format, true), &trailing, packed.len()).unwrap_err(),
                Failure::Trailing
            );
            let mut stream = Stream::new(format, true);
            assert!(run(&mut stream, &packed, 4096).is_ok());
            assert!(stream.extend(0).is_ok());
            let truncated = &packed[..packed.len() - 1];
            assert_eq!(run(&mut Stream::new(format, true), truncated, 4096).unwrap_err(), Failure::Truncated);
            assert_eq!(run(&mut Stream::new(format, true), b"", 1).unwrap_err(), Failure::Truncated);
        }
    }

    #[test]
    fn the_charge_covers_what_a_codec_allocates() {
        let input = text(200_000);
        for decompress in [false, true] {
            for format in FORMATS {
                let before = LIVE.with(Cell::get);
                let mut stream = Stream::new(format, decompress);
                // Unused, a stream holds no codec.
                assert_eq!(LIVE.with(Cell::get), before);
                assert!(stream.holds() < 1024);
                assert!(stream.start() && !stream.start());
                let holds = stream.holds();
                let codec = (LIVE.with(Cell::get) - before) as usize;
                assert!(
                    codec <= holds && holds < codec + codec / 4,
                    "{format:?} {decompress}: {codec} vs {holds}"
                );
                if !decompress {
                    // Working does not make it grow.
                    stream.extend(input.len()).unwrap().copy_from_slice(&input);
                    while stream.step(false).unwrap().is_some() {}
                    assert!((LIVE.with(Cell::get) - before) as usize <= holds + stream.input.capacity());
                }
                drop(stream);
                assert_eq!(LIVE.with(Cell::get), before);
            }
        }
    }
}
