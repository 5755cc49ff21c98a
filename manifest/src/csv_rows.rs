//! CSV rows read one record at a time from any reader.
//!
//! The dialect is the csv crate's default (comma, `"` quotes with `""` for a
//! quote inside, CR, LF and CRLF line ends, blank lines skipped), with a
//! UTF-8 byte-order mark skipped and every row as wide as the header. A
//! line whose fields are plain or quoted without a quote inside (`"like,
//! this"`), by far the common case, is split at its commas here, from bit
//! masks of its commas and quotes 64 bytes at a time; any other line (`""`
//! inside quotes, a line end inside quotes, bytes that are not UTF-8) goes
//! through `csv_core`, the csv crate's own parser, so it reads exactly as
//! there.

use csv_core::ReadRecordResult;

use crate::Error;
use crate::table::input_error;

/// Bytes asked of the input per read.
const READ_SIZE: usize = 1 << 16;

/// The longest record, in bytes (its fields' offsets are `u32`).
const MAX_RECORD: u64 = u32::MAX as u64;

fn too_long(line: u64) -> Error {
    input_error(format!("line {line}: the row is longer than {MAX_RECORD} bytes"))
}

/// CSV rows read one record at a time from any reader, in the dialect of
/// [`crate::Table::from_csv`] (which is built on it): a header row whose names
/// are trimmed, a UTF-8 byte-order mark skipped, quoted fields, every row as
/// wide as the header. Reads big files in chunks without holding them whole;
/// the records keep their text exactly as written, so a writer can copy them.
///
/// A reader made with [`CsvRows::keeping_lines`] also keeps the bytes it
/// reads, so a writer can copy a record's line itself ([`CsvRows::kept`]
/// with the [`CsvRows::bytes_read`] offsets before and after the record).
pub struct CsvRows<R> {
    input: R,
    /// `buf[..filled]` holds the input from offset `start` on (the offsets
    /// skip a byte-order mark); the rest is room to read into.
    buf: Vec<u8>,
    filled: usize,
    start: u64,
    /// The next byte to read in `buf`.
    pos: usize,
    /// The line `pos` is on (1-based; lines counted by `\n`, as csv counts them).
    line: u64,
    eof: bool,
    /// Keep every byte until [`CsvRows::forget_before`]; otherwise the bytes
    /// before `pos` go when more are read.
    keep: bool,
    /// The parser of lines with quotes, and its output.
    core: Box<csv_core::Reader>,
    out: Vec<u8>,
    ends: Vec<usize>,
    columns: Vec<String>,
    /// The last record's line as offsets, when it was split here.
    last_split: Option<(u64, u64)>,
}

/// What [`CsvRows::read_record`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum CsvRecord {
    /// A row as wide as the header.
    Row,
    /// A row that cannot be read (a different number of fields than the
    /// header, not UTF-8), with the reason naming its line; reading can go on.
    Bad(String),
    /// No more rows.
    End,
}

/// A record as read, before its width is checked.
enum Fields {
    /// In the record given to fill, on this line.
    Text {
        line: u64,
    },
    /// Not UTF-8: `count` fields on this line.
    NotText {
        line: u64,
        count: usize,
    },
    End,
}

fn not_text(line: u64) -> String {
    format!("line {line}: the CSV is not valid UTF-8 text")
}

impl<R: std::io::Read> CsvRows<R> {
    /// Reads the header row.
    pub fn new(input: R) -> Result<CsvRows<R>, Error> {
        CsvRows::open(input, false)
    }

    /// Reads the header row, and keeps every byte read from here on until
    /// [`CsvRows::forget_before`] lets it go.
    pub fn keeping_lines(input: R) -> Result<CsvRows<R>, Error> {
        CsvRows::open(input, true)
    }

    fn open(input: R, keep: bool) -> Result<CsvRows<R>, Error> {
        let mut core = Box::new(csv_core::Reader::new());
        // csv_core drops a byte-order mark at the start of what it is first
        // given; a blank line makes that first read, so a record in the
        // middle of the file is never cut. (The file's own mark is dropped
        // below.)
        let _ = core.read_record(b"\n", &mut [0], &mut [0]);
        let mut rows = CsvRows {
            input,
            buf: Vec::new(),
            filled: 0,
            start: 0,
            pos: 0,
            line: 1,
            eof: false,
            keep: true,
            core,
            out: vec![0; 1024],
            ends: vec![0; 64],
            columns: Vec::new(),
            last_split: None,
        };
        while rows.filled < 3 && rows.fill()? {}
        if rows.buf[..rows.filled].starts_with(b"\xEF\xBB\xBF") {
            rows.buf.copy_within(3..rows.filled, 0);
            rows.filled -= 3;
        }
        let mut header = CsvFields::new();
        match rows.read_fields(&mut header)? {
            Fields::Text { .. } => {}
            Fields::NotText { line, .. } => return Err(input_error(not_text(line))),
            Fields::End => return Err(input_error("the CSV has no header row")),
        }
        rows.columns = header.iter().map(|h| h.trim().to_string()).collect();
        rows.keep = keep;
        rows.forget_before(rows.bytes_read());
        Ok(rows)
    }

    /// The header's names, trimmed.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Reads the next row into `record`. An error is one that stops reading
    /// (the input cannot be read any further).
    pub fn read_record(&mut self, record: &mut CsvFields) -> Result<CsvRecord, Error> {
        let expected = self.columns.len();
        let (line, count, text) = match self.read_fields(record)? {
            Fields::Text { line } => (line, record.len(), true),
            Fields::NotText { line, count } => (line, count, false),
            Fields::End => return Ok(CsvRecord::End),
        };
        if count != expected {
            record.clear();
            let reason = format!("line {line}: the row has {count} fields, but the header has {expected}");
            return Ok(CsvRecord::Bad(reason));
        }
        Ok(if text { CsvRecord::Row } else { CsvRecord::Bad(not_text(line)) })
    }

    /// Bytes of the input read so far (a byte-order mark not counted): each
    /// record is read up to and with the first byte of its line end.
    pub fn bytes_read(&self) -> u64 {
        self.start + self.pos as u64
    }

    /// Where the line of the record just read is (offsets as
    /// [`CsvRows::bytes_read`] gives them), when the record is that line's
    /// fields as written (it was split here, not by csv_core): what
    /// [`csv_line`] finds, known without looking at the line again. `None`
    /// otherwise; then ask `csv_line`.
    pub fn last_line(&self) -> Option<std::ops::Range<u64>> {
        self.last_split.map(|(start, end)| start..end)
    }

    /// The input's bytes from offset `start` to `end` (offsets as
    /// [`CsvRows::bytes_read`] gives them), when this reader keeps them and
    /// has not forgotten them.
    pub fn kept(&self, start: u64, end: u64) -> Option<&[u8]> {
        if !self.keep || end > self.bytes_read() {
            return None;
        }
        let from = usize::try_from(start.checked_sub(self.start)?).ok()?;
        let to = usize::try_from(end.checked_sub(self.start)?).ok()?;
        self.buf[..self.filled].get(from..to)
    }

    /// Hands over the kept bytes before offset `offset` (from the first
    /// byte still kept; not past [`CsvRows::bytes_read`]), and keeps what
    /// follows in `spare`, emptied first: [`CsvRows::forget_before`] for a
    /// caller that wants the bytes, without copying them.
    pub fn take_kept(&mut self, offset: u64, mut spare: Vec<u8>) -> Vec<u8> {
        let n = self.kept_before(offset);
        let rest = self.filled - n;
        // `spare` keeps its length: bytes once written are read into again
        // without being zeroed first (see `fill`).
        if spare.len() < rest {
            spare.resize(rest, 0);
        }
        spare[..rest].copy_from_slice(&self.buf[n..self.filled]);
        let mut taken = std::mem::replace(&mut self.buf, spare);
        taken.truncate(n);
        self.filled = rest;
        self.dropped(n);
        taken
    }

    /// Lets the kept bytes before offset `offset` go.
    pub fn forget_before(&mut self, offset: u64) {
        let n = self.kept_before(offset);
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
        self.dropped(n);
    }

    /// How many bytes of `buf` lie before `offset`, at most those read.
    fn kept_before(&self, offset: u64) -> usize {
        usize::try_from(offset.saturating_sub(self.start)).unwrap_or(usize::MAX).min(self.pos)
    }

    /// The first `n` bytes were taken out of `buf`.
    fn dropped(&mut self, n: usize) {
        self.start += n as u64;
        self.pos -= n;
    }

    /// Reads more of the input into `buf`; false at its end.
    fn fill(&mut self) -> Result<bool, Error> {
        if self.eof {
            return Ok(false);
        }
        // Room is zeroed once, not per read: a reader may give a few bytes at a time.
        if self.buf.len() < self.filled + READ_SIZE {
            self.buf.resize(self.filled + READ_SIZE, 0);
        }
        let read = loop {
            match self.input.read(&mut self.buf[self.filled..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                read => break read,
            }
        };
        let n = read.map_err(|e| input_error(format!("line {}: cannot read the CSV: {e}", self.line)))?;
        self.filled += n;
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// Reads the next record's fields into `record`, after the blank lines
    /// before it.
    fn read_fields(&mut self, record: &mut CsvFields) -> Result<Fields, Error> {
        // Read bytes go only here, between records: while a record is read,
        // `fill` keeps every byte, so offsets into `buf` hold.
        if !self.keep && self.pos >= READ_SIZE {
            self.forget_before(self.bytes_read());
        }
        loop {
            match self.buf[..self.filled].get(self.pos).copied() {
                Some(b'\n') => self.line += 1,
                Some(b'\r') => {}
                Some(_) => break,
                None if self.fill()? => continue,
                None => return Ok(Fields::End),
            }
            self.pos += 1;
        }
        let line = self.line;
        let mut scanned = self.pos;
        let end = loop {
            if let Some(i) = memchr::memchr2(b'\n', b'\r', &self.buf[scanned..self.filled]) {
                break scanned + i;
            }
            scanned = self.filled;
            if !self.fill()? {
                break scanned;
            }
        };
        if u32::try_from(end - self.pos).is_err() {
            return Err(too_long(line));
        }
        if !record.split_line(&self.buf[self.pos..end]) {
            self.last_split = None;
            return self.read_by_csv_core(record, line);
        }
        self.last_split = Some((self.start + self.pos as u64, self.start + end as u64));
        // The first byte of the line end goes with the record, as in csv.
        self.pos = (end + 1).min(self.filled);
        if self.buf[..self.filled].get(end) == Some(&b'\n') {
            self.line += 1;
        }
        Ok(Fields::Text { line })
    }

    /// Reads the record at `pos` with csv_core: a line with quotes that
    /// [`CsvFields::split_line`] leaves (a `""` inside quotes, a quoted
    /// field over several lines, text after a closing quote), or a line
    /// that is not UTF-8.
    fn read_by_csv_core(&mut self, record: &mut CsvFields, line: u64) -> Result<Fields, Error> {
        let lines_before = self.core.line();
        let (mut nout, mut nend) = (0, 0);
        loop {
            let (res, nin, o, e) =
                self.core.read_record(&self.buf[self.pos..self.filled], &mut self.out[nout..], &mut self.ends[nend..]);
            self.pos += nin;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::InputEmpty => {
                    self.fill()?;
                }
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        self.line += self.core.line() - lines_before;
        if u32::try_from(nout).is_err() {
            return Err(too_long(line));
        }
        record.clear();
        let mut from = 0;
        for &to in &self.ends[..nend] {
            // Each field on its own, as csv checks them.
            match std::str::from_utf8(&self.out[from..to]) {
                Ok(field) => record.push_field(field),
                Err(_) => return Ok(Fields::NotText { line, count: nend }),
            }
            from = to;
        }
        Ok(Fields::Text { line })
    }
}

/// One CSV record's fields, as text (what [`CsvRows`] reads into).
#[derive(Clone, Default)]
pub struct CsvFields {
    /// The fields' text: the line as written, or the fields one after another.
    text: String,
    /// Each field's bytes in `text` (a record is at most [`MAX_RECORD`] bytes).
    spans: Vec<(u32, u32)>,
}

impl PartialEq for CsvFields {
    fn eq(&self, other: &CsvFields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for CsvFields {}

impl std::fmt::Debug for CsvFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl CsvFields {
    pub fn new() -> CsvFields {
        CsvFields::default()
    }

    /// A record of these fields.
    pub fn from_fields<S: AsRef<str>>(fields: &[S]) -> CsvFields {
        let mut record = CsvFields::new();
        fields.iter().for_each(|f| record.push_field(f.as_ref()));
        record
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.spans.get(i).map(|&(a, b)| &self.text[a as usize..b as usize])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.spans.iter().map(|&(a, b)| &self.text[a as usize..b as usize])
    }

    /// The fields' bytes, all together.
    pub fn text_len(&self) -> usize {
        self.spans.iter().map(|(a, b)| (b - a) as usize).sum()
    }

    fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    /// Adds a field; the record must stay within [`MAX_RECORD`] bytes.
    fn push_field(&mut self, field: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(field);
        self.spans.push((start, self.text.len() as u32));
    }

    /// Reads a line (without its line end) of UTF-8 text whose fields are
    /// plain or quoted without a quote inside, `"like, this"`: what
    /// csv_core reads from it. False, and the record left to be refilled,
    /// for a line with any other quote or not UTF-8, which only csv_core
    /// is to read. `line` is at most [`MAX_RECORD`] bytes.
    ///
    /// The line is looked at 64 bytes at a time, as bit masks of its
    /// commas and quotes (one bit per byte). Quotes pair up in order, so a
    /// byte is inside quotes when an odd number of quotes come before it
    /// (with it): the running XOR of the quote mask. The commas outside
    /// quotes end the fields. The line reads as csv_core would read it
    /// when every opening quote starts a field (follows a comma outside
    /// quotes, or starts the line), every closing quote ends one (precedes
    /// such a comma, or ends the line), and the quotes pair up.
    fn split_line(&mut self, b: &[u8]) -> bool {
        self.clear();
        let mut field = 0; // where the current field starts
        let mut high = 0; // bytes of 0x80 and above
        // Carried from block to block: inside quotes at the end of the
        // last block (all ones or zero); a separator at its last byte
        // (bit 0: the line's start counts as one); a closing quote there.
        let (mut inside_before, mut sep_before, mut close_before) = (0u64, 1u64, 0u64);
        for (k, block) in b.chunks(64).enumerate() {
            let base = k * 64;
            let (commas, quotes, high_bits) = marks(block);
            high |= high_bits;
            let inside = prefix_xor(quotes) ^ inside_before;
            let sep = commas & !inside;
            let opens = quotes & inside;
            let closes = quotes & !inside;
            // The bit of the line's last byte, when it is in this block.
            let last = if base + block.len() == b.len() { 1u64 << (block.len() - 1) } else { 0 };
            let opens_after_sep = opens & !((sep << 1) | sep_before) == 0;
            let closes_before_sep = closes & !((sep >> 1) | last | (1 << 63)) == 0;
            if !opens_after_sep || !closes_before_sep || (close_before & !sep & 1) != 0 {
                return false;
            }
            let mut ends = sep;
            while ends != 0 {
                let at = base + ends.trailing_zeros() as usize;
                self.push_span(b, field, at);
                field = at + 1;
                ends &= ends - 1;
            }
            inside_before = 0u64.wrapping_sub(inside >> 63);
            sep_before = sep >> 63;
            close_before = (closes >> 63) & u64::from(last == 0);
        }
        if inside_before != 0 {
            return false; // a quote left open: the field goes on past the line end
        }
        self.push_span(b, field, b.len());
        if high == 0 {
            // SAFETY: bytes below 0x80 are ASCII, which is UTF-8.
            unsafe { self.text.as_mut_vec() }.extend_from_slice(b);
        } else {
            match std::str::from_utf8(b) {
                Ok(text) => self.text.push_str(text),
                Err(_) => return false,
            }
        }
        true
    }

    /// The field of `line` from `start` to `end` (a checked split): its
    /// text within quotes when it is quoted.
    fn push_span(&mut self, line: &[u8], start: usize, end: usize) {
        let quoted = start < end && line[start] == b'"';
        let (start, end) = if quoted { (start + 1, end - 1) } else { (start, end) };
        self.spans.push((start as u32, end as u32));
    }
}

/// The commas, the quotes and the bytes of 0x80 and above (not ASCII) of
/// up to 64 bytes, as masks: bit `i` is set when byte `i` is one.
fn marks(block: &[u8]) -> (u64, u64, u64) {
    let mut padded = [0u8; 64];
    let block = match <&[u8; 64]>::try_from(block) {
        Ok(whole) => whole,
        Err(_) => {
            padded[..block.len()].copy_from_slice(block);
            &padded
        }
    };
    let (mut commas, mut quotes, mut high) = (0u64, 0u64, 0u64);
    for (k, bytes) in block.chunks_exact(16).enumerate() {
        let (c, q, h) = marks16(bytes.try_into().expect("16 bytes"));
        commas |= u64::from(c) << (16 * k);
        quotes |= u64::from(q) << (16 * k);
        high |= u64::from(h) << (16 * k);
    }
    (commas, quotes, high)
}

/// [`marks`] of 16 bytes, by SSE2 (part of every x86-64 processor).
#[cfg(target_arch = "x86_64")]
fn marks16(bytes: &[u8; 16]) -> (u16, u16, u16) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: SSE2 is in the x86-64 baseline, so these instructions always
    // exist; the load reads the 16 bytes of `bytes` (no alignment needed).
    unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().cast());
        let commas = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8)));
        let quotes = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)));
        (commas as u16, quotes as u16, _mm_movemask_epi8(v) as u16)
    }
}

/// [`marks`] of 16 bytes elsewhere (WebAssembly).
#[cfg(not(target_arch = "x86_64"))]
fn marks16(bytes: &[u8; 16]) -> (u16, u16, u16) {
    marks16_by_words(bytes)
}

/// [`marks`] of 16 bytes, eight at a time: a byte equal to `c` is a zero
/// byte of `word ^ c…c`, found exactly by the high-bit trick, and the high
/// bits are gathered into one byte by a multiplication.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn marks16_by_words(bytes: &[u8; 16]) -> (u16, u16, u16) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Bit 7 of byte i goes to bit 56 + i, without carries.
    let gather = |high: u64| (((high >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56) as u16;
    let equal = |word: u64, c: u8| {
        let x = word ^ (ONES * u64::from(c));
        gather(!(((x & LOW7) + LOW7) | x | LOW7))
    };
    let (lo, hi) = bytes.split_at(8);
    let lo = u64::from_le_bytes(lo.try_into().expect("8 bytes"));
    let hi = u64::from_le_bytes(hi.try_into().expect("8 bytes"));
    let not_ascii = |word: u64| gather(word & !LOW7);
    (equal(lo, b',') | equal(hi, b',') << 8, equal(lo, b'"') | equal(hi, b'"') << 8, not_ascii(lo) | not_ascii(hi) << 8)
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// Where in `span` the line of a CSV record is, as written, without the
/// blank lines before it and its line end: the line the outputs are
/// appended to as more fields.
/// `span` is the input from the offset before the record was read to the
/// offset after ([`CsvRows::bytes_read`]). `None` when the line cannot be
/// that record's: unquoted but not its fields joined by commas, shorter
/// than they are, or a last line whose quotes do not pair (a quoted field
/// left open at the end of the file, which an appended field would land
/// in). A line that ends in a line end ended outside quotes: its quotes are
/// not counted.
pub fn csv_line(span: &[u8], record: &CsvFields) -> Option<std::ops::Range<usize>> {
    let start = span.iter().position(|&b| b != b'\n' && b != b'\r')?;
    let line = &span[start..];
    let unended = line.strip_suffix(b"\n").unwrap_or(line);
    let unended = unended.strip_suffix(b"\r").unwrap_or(unended);
    let ended = unended.len() < line.len();
    let line = unended;
    let joined = record.text_len() + record.len().saturating_sub(1);
    let whole = if line.contains(&b'"') {
        line.len() >= joined && (ended || line.iter().filter(|&&b| b == b'"').count() % 2 == 0)
    } else {
        line.len() == joined
    };
    whole.then_some(start..start + line.len())
}

#[cfg(test)]
mod tests {
    use super::{CsvFields, marks16, marks16_by_words};

    #[test]
    fn both_ways_of_finding_commas_and_quotes_agree() {
        let mut seed = 3u64;
        for _ in 0..10_000 {
            let mut bytes = [0u8; 16];
            for b in &mut bytes {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                *b = [b',', b'"', b'a', 0x80 | b',', 0xff, (seed >> 40) as u8][(seed >> 33) as usize % 6];
            }
            let expected = bytes.iter().enumerate().fold((0u16, 0u16, 0u16), |(c, q, h), (i, b)| {
                (c | u16::from(*b == b',') << i, q | u16::from(*b == b'"') << i, h | u16::from(*b >= 0x80) << i)
            });
            assert_eq!(marks16(&bytes), expected, "{bytes:?}");
            assert_eq!(marks16_by_words(&bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn lines_of_plain_and_simply_quoted_fields_are_split_here() {
        // Fields and quotes across the 64-byte blocks: a quoted comma at
        // byte 64, a closing quote at byte 63, an opening one at byte 64.
        let filler = "x".repeat(60);
        let lines = [
            format!("{filler},\"a,b\",1"),
            format!("{filler}ab,\"c\",2"),
            format!("{filler},\"\",\"{filler}\""),
            format!("\"{}\",\"{filler}\"", "y".repeat(61)),
            format!("\"{}\",z", "y".repeat(62)),
        ];
        for line in &lines {
            let mut record = CsvFields::new();
            assert!(record.split_line(line.as_bytes()), "{line}");
            let expected: Vec<String> = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(String::from)
                .collect();
            assert_eq!(record.iter().collect::<Vec<_>>(), expected, "{line}");
        }
        // The quotes csv_core alone reads.
        let late = [format!("{filler}abc\"d\",e"), format!("\"{}\"q,z", "y".repeat(62))];
        for line in ["a,\"b\"\"c\"", "a\"b,c", "\"a\"b,c", "a,\"b", &late[0], &late[1]] {
            assert!(!CsvFields::new().split_line(line.as_bytes()), "{line}");
        }
    }
}
