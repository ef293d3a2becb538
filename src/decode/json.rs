//! JSON as Kubernetes clients write it, read without serde.
//!
//! Support bundles are `kubectl`/troubleshoot output: pretty-printed with
//! two- or four-space indentation (a third to a half of the bytes are
//! spaces), keys that need no unescaping, and values the mapping never
//! reads (`managedFields`, annotations, pod specs) making up most of the
//! rest. [`documents`] reads that into the same [`Node`]s that
//! serde_json reading through [`super::prune::Pruned`] builds, but skips
//! indentation and scans strings eight bytes at a time, passes over the
//! values [`relevance`] turns down without building them, and collects the
//! entries of every object on one shared stack, so each object is copied
//! into the arena once, at its exact size.
//!
//! Skipped values are still checked as strictly as serde_json checks them,
//! so a damaged file is reported whichever reader ran; one that repeats
//! the last value skipped under its key (a workload's `managedFields`) is
//! checked by comparing bytes with it wherever they repeat (see
//! [`MARK_DEPTH`]). Anything this reader does not vouch for (any syntax
//! error, a top-level scalar, a lone surrogate escape, nesting deeper than
//! [`MAX_DEPTH`]) makes it return `None`, and the caller hands the whole
//! text to serde_json, which reads it or reports the error. Numbers other
//! than plain non-negative integers are handed to serde_json one by one, so
//! their values are serde_json's.
//! The tests hold the two readers to the same result on every real fixture
//! and on random and damaged documents.

use std::borrow::Cow;

use serde_json::Value;

use super::leading_spaces;
use super::prune::{relevance, Keep};
use super::tree::{self, Arena, Entry, Node, Object};

/// The text is not one this reader vouches for: let serde_json read it.
#[derive(Debug)]
struct Fallback;

type Parsed<T> = Result<T, Fallback>;

/// Deeper kept nesting than this goes to serde_json, which stops at 128.
const MAX_DEPTH: usize = 100;

/// Every JSON document of `text` (one, NDJSON, or back to back), keeping
/// only what [`relevance`] keeps (everything if `all`), or `None` if
/// serde_json must read it. The trees are built in `arena`.
pub fn documents<'a>(text: &'a str, all: bool, arena: &'a Arena) -> Option<Vec<Node<'a>>> {
    let mut reader = Reader::new(text, arena);
    let mut documents = Vec::new();
    loop {
        reader.skip_whitespace();
        match reader.peek() {
            None => return Some(documents),
            // Only objects and arrays end by themselves; serde_json has
            // rules of its own for what may follow a top-level scalar.
            Some(b'{' | b'[') => documents.push(reader.value(all, 0).ok()?),
            Some(_) => return None,
        }
    }
}

struct Reader<'a> {
    text: &'a str,
    arena: &'a Arena,
    at: usize,
    /// The entries of the objects being read, innermost last.
    entries: Vec<Entry<'a>>,
    /// The items of the arrays being read, innermost last.
    items: Vec<Node<'a>>,
    /// The closing brackets of the skipped value being passed over.
    closers: Vec<u8>,
    /// The last object or array skipped under each of a few keys.
    repeats: Vec<Repeat<'a>>,
    /// The marks of the skipped value being passed over.
    marks: Vec<Mark>,
}

/// Skipped values repeat: `managedFields` make up a third of a bundle's
/// JSON, and a workload's pods (or a controller's events) carry the same
/// ones, field for field, apart from a timestamp or a uid. The reader
/// remembers the last object or array it passed over under each key, with
/// a mark at each value in it up to this depth, and passes over the next
/// value under that key by comparing bytes where they repeat, checking
/// only what differs (see [`Reader::follow`]).
const MARK_DEPTH: usize = 4;

/// How many keys' last skipped values are remembered.
const REPEATS: usize = 16;

/// The most marks kept of one skipped value (a huge array of small items
/// would otherwise cost more in marks than it takes to read): 64 KiB.
const MAX_MARKS: usize = 4096;

/// The last object or array passed over under `key`: `len` bytes of the
/// text from `start`, which the reader checked.
struct Repeat<'a> {
    key: &'a str,
    start: usize,
    len: usize,
    marks: Vec<Mark>,
}

/// A value within a skipped value, at most [`MARK_DEPTH`] brackets deep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    /// Where the value's first byte is, from the start of the skipped value.
    at: usize,
    /// The brackets open around it: a 1, then a bit per bracket, outermost
    /// first: 1 for `{`, 0 for `[`.
    nest: u64,
}

/// What following a repeat did (see [`Reader::follow`]).
enum Follow {
    /// The rest of the value repeats the last one: it has been passed over.
    Ended,
    /// The bytes repeat up to a later value, which the reader moved to; its
    /// brackets are these.
    Moved(u64),
    /// The bytes differ before the next value: read on from here.
    Stayed,
    /// The value is not laid out like the last one: stop comparing.
    Lost,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, arena: &'a Arena) -> Self {
        Reader {
            text,
            arena,
            at: 0,
            entries: Vec::new(),
            items: Vec::new(),
            closers: Vec::new(),
            repeats: Vec::new(),
            marks: Vec::new(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Parsed<()> {
        if self.next() == Some(byte) {
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// Passes over JSON whitespace. Most calls find none, or the one space
    /// after a colon, and return at once; the rest is indentation.
    #[inline(always)]
    fn skip_whitespace(&mut self) {
        let bytes = self.text.as_bytes();
        match bytes.get(self.at) {
            Some(&byte) if byte > b' ' => {}
            Some(b' ') if bytes.get(self.at + 1).is_some_and(|&next| next > b' ') => self.at += 1,
            Some(_) => self.skip_indentation(),
            None => {}
        }
    }

    /// Passes over white space, runs of spaces eight at a time.
    fn skip_indentation(&mut self) {
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(self.at) {
                Some(b' ') => self.at += leading_spaces(&bytes[self.at..]),
                Some(b'\n' | b'\r' | b'\t') => self.at += 1,
                _ => return,
            }
        }
    }

    /// A value of any kind, at the current byte (not whitespace). `depth`
    /// counts the arrays and objects around it. Inlined into its callers
    /// (one level: it recurses through them), so that a string or number
    /// entry is not returned through memory, where the caller's wide loads
    /// stalled on this function's narrower stores (2% less decoding time).
    #[inline(always)]
    fn value(&mut self, all: bool, depth: usize) -> Parsed<Node<'a>> {
        match self.peek() {
            Some(b'{' | b'[') if depth >= MAX_DEPTH => Err(Fallback),
            Some(b'{') => {
                self.at += 1;
                self.object(all, depth + 1)
            }
            Some(b'[') => {
                self.at += 1;
                self.array(all, depth + 1)
            }
            Some(b'"') => {
                self.at += 1;
                self.string().map(|s| Node::String(tree::keep(self.arena, s)))
            }
            Some(b't') => self.literal("true").map(|()| Node::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| Node::Bool(false)),
            Some(b'n') => self.literal("null").map(|()| Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Fallback),
        }
    }

    /// After an opening bracket: passes over white space, and over the
    /// closing bracket `close` too if the container is empty (true).
    fn closes_at_once(&mut self, close: u8) -> bool {
        self.skip_whitespace();
        let empty = self.peek() == Some(close);
        if empty {
            self.at += 1;
        }
        empty
    }

    /// After an item of a container closed by `close`: passes over the
    /// comma and white space before the next item (false), or over the
    /// closing bracket (true).
    fn closes_after_item(&mut self, close: u8) -> Parsed<bool> {
        self.skip_whitespace();
        match self.next() {
            Some(b',') => {
                self.skip_whitespace();
                Ok(false)
            }
            Some(byte) if byte == close => Ok(true),
            _ => Err(Fallback),
        }
    }

    /// An object's entries, after its `{`.
    fn object(&mut self, all: bool, depth: usize) -> Parsed<Node<'a>> {
        let base = self.entries.len();
        if self.closes_at_once(b'}') {
            return Ok(Node::Object(Object::default()));
        }
        loop {
            self.expect(b'"')?;
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let keep = if all { Keep::All } else { relevance(&key) };
            match keep {
                Keep::Skip => self.skip_value(match key {
                    Cow::Borrowed(key) => Some(key),
                    Cow::Owned(_) => None,
                })?,
                Keep::Pruned | Keep::All if self.peek() == Some(b'"') => {
                    // Most values kept are strings: pushed as they are read,
                    // not returned through memory from `value` first.
                    self.at += 1;
                    let value = tree::keep(self.arena, self.string()?);
                    self.entries.push((tree::keep(self.arena, key), Node::String(value)));
                }
                Keep::Pruned | Keep::All => {
                    let value = self.value(keep == Keep::All, depth)?;
                    self.entries.push((tree::keep(self.arena, key), value));
                }
            }
            if self.closes_after_item(b'}')? {
                break;
            }
        }
        Ok(Node::Object(Object::new(self.arena, &mut self.entries, base)))
    }

    /// An array's items, after its `[`.
    fn array(&mut self, all: bool, depth: usize) -> Parsed<Node<'a>> {
        let base = self.items.len();
        if self.closes_at_once(b']') {
            return Ok(Node::Array(&[]));
        }
        loop {
            let item = self.value(all, depth)?;
            self.items.push(item);
            if self.closes_after_item(b']')? {
                break;
            }
        }
        Ok(tree::array(self.arena, self.items.drain(base..)))
    }

    /// A string's contents, after its opening quote: borrowed unless it
    /// holds escapes. Always inlined: returned from a call, the string went
    /// through memory, and the caller's wide loads of it stalled on the
    /// callee's narrower stores (decoding is about 7% faster inlined).
    #[inline(always)]
    fn string(&mut self) -> Parsed<Cow<'a, str>> {
        let start = self.at;
        let end = special_byte(self.text.as_bytes(), start);
        match self.text.as_bytes().get(end) {
            Some(b'"') => {
                self.at = end + 1;
                Ok(Cow::Borrowed(&self.text[start..end]))
            }
            Some(b'\\') => self.unescape(start, end).map(Cow::Owned),
            _ => Err(Fallback), // a control character, or the end of the text
        }
    }

    /// The rest of a string from `start` whose first escape is at `escape`.
    fn unescape(&mut self, start: usize, mut escape: usize) -> Parsed<String> {
        let bytes = self.text.as_bytes();
        let mut out = String::with_capacity(escape - start + 16);
        let mut from = start;
        loop {
            out.push_str(&self.text[from..escape]);
            let (unescaped, len) = match bytes.get(escape + 1) {
                Some(b'u') => unicode_escape(bytes, escape).ok_or(Fallback)?,
                Some(&letter) => (one_letter_escape(letter).ok_or(Fallback)?, 2),
                None => return Err(Fallback),
            };
            out.push(unescaped);
            from = escape + len;
            escape = special_byte(bytes, from);
            match bytes.get(escape) {
                Some(b'"') => {
                    out.push_str(&self.text[from..escape]);
                    self.at = escape + 1;
                    return Ok(out);
                }
                Some(b'\\') => {}
                _ => return Err(Fallback),
            }
        }
    }

    fn literal(&mut self, word: &str) -> Parsed<()> {
        if self.text.as_bytes().get(self.at..).is_some_and(|rest| rest.starts_with(word.as_bytes())) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// A number. Plain non-negative integers are read here; any other
    /// number is handed to serde_json on its own, so that its value (a
    /// float's rounding, `-0`, integers beyond 64 bits) is serde_json's.
    fn number(&mut self) -> Parsed<Node<'a>> {
        let start = self.at;
        self.skip_number()?;
        let token = &self.text[start..self.at];
        if let Ok(n) = token.parse::<u64>() {
            return Ok(Node::Number(n.into()));
        }
        let value: Value = serde_json::from_str(token).map_err(|_| Fallback)?;
        Node::scalar(&value).ok_or(Fallback)
    }

    /// Passes over a number, checking it as serde_json does: an optional
    /// `-`, an integer part without leading zeros, then an optional
    /// fraction and exponent, each with at least one digit.
    fn skip_number(&mut self) -> Parsed<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(Fallback),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.skip_some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.skip_some_digits()?;
        }
        // `01`: serde_json rejects a digit after a leading zero.
        match self.peek() {
            Some(b'0'..=b'9') => Err(Fallback),
            _ => Ok(()),
        }
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn skip_some_digits(&mut self) -> Parsed<()> {
        let start = self.at;
        self.skip_digits();
        if self.at == start {
            Err(Fallback)
        } else {
            Ok(())
        }
    }

    /// Passes over a string after its opening quote, checking its escapes
    /// as serde_json checks a string it ignores (a `\u` needs four hex
    /// digits, whatever they encode).
    fn skip_string(&mut self) -> Parsed<()> {
        let bytes = self.text.as_bytes();
        loop {
            let at = special_byte(bytes, self.at);
            match bytes.get(at) {
                Some(b'"') => {
                    self.at = at + 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at = at
                        + match bytes.get(at + 1) {
                            Some(b'u') if hex_escape(bytes, at + 2).is_some() => 6,
                            Some(&letter) if one_letter_escape(letter).is_some() => 2,
                            _ => return Err(Fallback),
                        };
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// Passes over an object key and its colon, at the key's opening quote.
    fn skip_key(&mut self) -> Parsed<()> {
        self.expect(b'"')?;
        self.skip_string()?;
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        Ok(())
    }

    /// Passes over a value the mapping does not read, at its first byte,
    /// checking its syntax as serde_json does. Nesting is tracked on
    /// `closers`, not the call stack, so it has no depth limit (serde_json
    /// has none for values it ignores either). An object or array under a
    /// `key` is checked against the last one under that key, and only
    /// where it differs is it read (see [`MARK_DEPTH`]).
    fn skip_value(&mut self, key: Option<&'a str>) -> Parsed<()> {
        let start = self.at;
        let key = key.filter(|_| matches!(self.peek(), Some(b'{' | b'[')));
        let mut last = match key {
            Some(key) => self.repeats.iter().position(|r| r.key == key).map(|i| self.repeats.remove(i)),
            None => None,
        };
        let mut marks = std::mem::take(&mut self.marks);
        marks.clear();
        self.closers.clear();
        let mut nest = 1;
        loop {
            // At the first byte of a value.
            if key.is_some() && self.closers.len() <= MARK_DEPTH && marks.len() < MAX_MARKS {
                marks.push(Mark { at: self.at - start, nest });
                if let Some(repeat) = &last {
                    match self.follow(repeat, &mut marks) {
                        Follow::Ended => break,
                        Follow::Moved(to) => {
                            nest = to;
                            self.reopen(nest);
                        }
                        Follow::Stayed => {}
                        Follow::Lost => last = None,
                    }
                }
            }
            match self.next() {
                Some(b'"') => self.skip_string()?,
                Some(b'{') => {
                    if !self.closes_at_once(b'}') {
                        self.open(b'}', &mut nest);
                        self.skip_key()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    if !self.closes_at_once(b']') {
                        self.open(b']', &mut nest);
                        continue;
                    }
                }
                Some(b't') => self.literal("rue")?,
                Some(b'f') => self.literal("alse")?,
                Some(b'n') => self.literal("ull")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.at -= 1;
                    self.skip_number()?;
                }
                _ => return Err(Fallback),
            }
            // After a value: close what it ends, up to the next item.
            if self.close_items(&mut nest)? {
                break;
            }
        }
        if let Some(key) = key {
            // This value's marks stay with it; the last one's room is the
            // next skipped value's to fill.
            let marks = std::mem::replace(&mut marks, last.map(|r| r.marks).unwrap_or_default());
            if self.repeats.len() == REPEATS {
                self.repeats.remove(0);
            }
            self.repeats.push(Repeat { key, start, len: self.at - start, marks });
        }
        self.marks = marks;
        Ok(())
    }

    /// Pushes a bracket's `closer` while a value is skipped; `nest` follows
    /// the brackets up to [`MARK_DEPTH`] deep.
    fn open(&mut self, closer: u8, nest: &mut u64) {
        if self.closers.len() < MARK_DEPTH {
            *nest = *nest << 1 | u64::from(closer == b'}');
        }
        self.closers.push(closer);
    }

    /// Sets the open brackets to those `nest` records.
    fn reopen(&mut self, nest: u64) {
        let depth = 63 - nest.leading_zeros();
        let closer = |bit: u32| if nest >> bit & 1 == 1 { b'}' } else { b']' };
        self.closers.clear();
        self.closers.extend((0..depth).rev().map(closer));
    }

    /// After a value within a skipped one: passes over the brackets it
    /// ends and the comma (and key) before the next item. True once the
    /// whole skipped value has ended.
    fn close_items(&mut self, nest: &mut u64) -> Parsed<bool> {
        loop {
            let Some(&closer) = self.closers.last() else { return Ok(true) };
            if !self.closes_after_item(closer)? {
                if closer == b'}' {
                    self.skip_key()?;
                }
                return Ok(false);
            }
            if self.closers.len() <= MARK_DEPTH {
                *nest >>= 1;
            }
            self.closers.pop();
        }
    }

    /// At the value of the skipped one whose mark is the last of `marks`:
    /// compares the bytes from here with those of `repeat` from its mark
    /// of the same number, and moves on over as many of them as repeat.
    ///
    /// This checks them as strictly as reading them would. The reader's
    /// state at a mark is its position and the brackets open around it
    /// (`nest`), and what it does next depends on that and the bytes from
    /// there alone; it looks no further than the first byte of a value
    /// before its mark. So from the same state, the same bytes up to a
    /// later mark's first byte take it to that mark's state, and the same
    /// bytes to the end of `repeat` (which was read whole without an
    /// error) take it to the end, without an error.
    fn follow(&mut self, repeat: &Repeat<'a>, marks: &mut Vec<Mark>) -> Follow {
        let here = *marks.last().expect("a mark was just pushed");
        let number = marks.len() - 1;
        let Some(&from) = repeat.marks.get(number) else { return Follow::Lost };
        if from.nest != here.nest {
            return Follow::Lost;
        }
        let bytes = self.text.as_bytes();
        let before = &bytes[repeat.start + from.at..repeat.start + repeat.len];
        let same = common_prefix(before, &bytes[self.at..]);
        let later = &repeat.marks[number + 1..];
        let moved = |m: &Mark| Mark { at: m.at - from.at + here.at, nest: m.nest };
        if same == before.len() {
            marks.extend(later.iter().map(moved));
            self.at += before.len();
            return Follow::Ended;
        }
        let reached = later.iter().take_while(|m| m.at - from.at < same).count();
        let Some(to) = later[..reached].last() else { return Follow::Stayed };
        marks.extend(later[..reached].iter().map(moved));
        self.at += to.at - from.at;
        Follow::Moved(to.nest)
    }
}

/// How many bytes `a` and `b` start with in common, eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + 8 <= len {
        let word = |s: &[u8]| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
        let differ = word(a) ^ word(b);
        if differ != 0 {
            return at + differ.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + a[at..len].iter().zip(&b[at..len]).take_while(|(x, y)| x == y).count()
}

/// The index of the first `"`, `\` or control character in `bytes` at or
/// after `from`, or `bytes.len()`. Eight bytes at a time: a byte is found
/// where it, XORed with the byte sought, is zero (or, for control
/// characters, where subtracting 0x20 borrows), which the classic
/// "has a zero byte" test flags in the word's top bits; borrows only ever
/// flag bytes after the first one found.
fn special_byte(bytes: &[u8], mut from: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    while let Some(chunk) = bytes.get(from..from + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let found = (word.wrapping_sub(ONES * 0x20) & !word)
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash);
        let found = found & HIGH;
        if found != 0 {
            return from + found.trailing_zeros() as usize / 8;
        }
        from += 8;
    }
    let rest = &bytes[from.min(bytes.len())..];
    from + rest.iter().position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1f)).unwrap_or(rest.len())
}

/// The character a one-letter escape (`\n`, `\"`, …) stands for.
fn one_letter_escape(letter: u8) -> Option<char> {
    Some(match letter {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// The character a `\u` escape at `at` stands for, and the length of the
/// escape: twelve bytes for a surrogate pair written as two escapes. `None`
/// for a lone surrogate, which serde_json has rules of its own for.
fn unicode_escape(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let first = hex_escape(bytes, at + 2)?;
    if let Some(c) = char::from_u32(first) {
        return Some((c, 6));
    }
    let second = bytes.get(at + 6..at + 8).filter(|s| s == b"\\u").and_then(|_| hex_escape(bytes, at + 8))?;
    let pair = (0xD800..0xDC00).contains(&first) && (0xDC00..0xE000).contains(&second);
    pair.then(|| char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)))
        .flatten()
        .map(|c| (c, 12))
}

/// The four hex digits at `at` of a `\u` escape, as a code point: `None` if
/// they are not four hex digits.
fn hex_escape(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::super::serde_json_documents;
    use super::*;

    /// Reads `text` pruned and whole, and checks that whatever this reader
    /// returns is what serde_json returns. True if it read it both ways.
    fn agrees(text: &str) -> bool {
        let mut read = true;
        let arena = Arena::new();
        for all in [false, true] {
            match documents(text, all, &arena) {
                Some(ours) => {
                    let (theirs, errors) = serde_json_documents(text, !all, &arena);
                    assert!(errors.is_empty(), "read {text:?}, which serde_json rejects: {errors:?}");
                    assert_eq!(ours, theirs, "{text:?}");
                }
                None => read = false,
            }
        }
        read
    }

    #[test]
    fn reads_what_clients_write() {
        let texts = [
            "{}",
            "[]",
            "  \n{ }\n",
            r#"{"kind":"EventList","items":[{"metadata":{"name":"e","managedFields":[{"f:x":{}}]},"message":"m"}]}"#,
            "{\n  \"kind\": \"PodList\",\n  \"items\": [\n    {\n      \"metadata\": {\n        \"name\": \"p\"\n      }\n    }\n  ]\n}\n",
            "{\r\n\t\"items\" : [ 1 , 2 ] }",
            // NDJSON and documents back to back.
            "{\"kind\":\"Event\"}\n{\"kind\":\"Pod\"}\n",
            "{\"a\":1}{\"b\":2}[3]",
            // Escapes, kept and skipped.
            r#"{"message":"Failed to pull image \"x:1\": rpc error: code = NotFound\n\t\/ \\ \b\f\r \u00e9\u0041 \u2603","annotations":{"k":"\"\u0000\ud83d\ude00"}}"#,
            r#"{"mess\u0061ge":"m","re\"ason":"r"}"#,
            r#"{"message":"\ud83d\ude00 \uD83D\uDE00\u00e9"}"#,
            "{\"message\":\"déjà vu — 日本 😀\"}",
            // Numbers: plain integers here, the rest through serde_json.
            r#"{"count":0,"restartCount":18446744073709551615,"exitCode":-1,"x":[1.5,-0,1e3,2E-2,0.25]}"#,
            r#"{"count":18446744073709551616,"ready":true,"state":null,"terminated":false}"#,
            // A repeated key keeps its last value; keys in any case.
            r#"{"reason":"a","Reason":"b","reason":"c","REASON":"d"}"#,
            // Free-form maps kept whole, everything else pruned.
            r#"{"labels":{"a":{"b":[1,{"c":null}]}},"spec":{"volumes":[{"x":1}],"containers":[]}}"#,
        ];
        for text in texts {
            assert!(agrees(text), "declined {text:?}");
        }
    }

    #[test]
    fn declines_what_serde_json_rejects() {
        let texts = [
            "{",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":tru}",
            "{\"managedFields\":tru}",
            "{\"managedFields\":[nul]}",
            "{\"managedFields\":01}",
            "{\"managedFields\":1.}",
            "{\"managedFields\":1e}",
            "{\"managedFields\":-}",
            "{\"count\":01}",
            "{\"count\":+1}",
            "{\"managedFields\":\"tab\there\"}",
            "{\"message\":\"tab\there\"}",
            "{\"managedFields\":\"\\x\"}",
            "{\"managedFields\":\"\\u12\"}",
            "{\"message\":\"\\u12g4\"}",
            r#"{"message":"\ud83d"}"#,
            r#"{"message":"\ude00\ud83d"}"#,
            r#"{"message":"\ud83d\u0041"}"#,
            "{\"managedFields\":{\"a\":[1}]}",
            "{\"managedFields\":{\"a\"}}",
            "{\"managedFields\":{1:2}}",
            "{\"managedFields\":[1 2]}",
            "{\"message\":\"unterminated",
            "{\"managedFields\":\"unterminated",
            "{\"a\":1}}",
            "{} x",
            "[] ,",
        ];
        let arena = Arena::new();
        for text in texts {
            for all in [false, true] {
                assert!(documents(text, all, &arena).is_none(), "read {text:?}");
            }
            assert!(!serde_json_documents(text, true, &arena).1.is_empty(), "serde_json reads {text:?}");
        }
    }

    /// Valid JSON this reader leaves to serde_json rather than copy its
    /// rules: top-level scalars, deep kept nesting.
    #[test]
    fn leaves_the_rest_to_serde_json() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let arena = Arena::new();
        for text in [r#""text""#, "1", "null", deep.as_str()] {
            assert!(documents(text, false, &arena).is_none(), "read {text:?}");
            assert!(serde_json_documents(text, true, &arena).1.is_empty(), "serde_json rejects {text:?}");
        }
        // A skipped value may nest deeper than serde_json would build.
        let skipped = format!(r#"{{"managedFields":{}{}}}"#, "[".repeat(1000), "]".repeat(1000));
        assert_eq!(documents(&skipped, false, &arena), Some(vec![Node::Object(Object::default())]));
        assert_eq!(Some(serde_json_documents(&skipped, true, &arena).0), documents(&skipped, false, &arena));
    }

    #[test]
    fn special_byte_finds_the_first_quote_backslash_or_control() {
        let mut rng = Rng(7);
        for _ in 0..2000 {
            let len = rng.below(40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.below(10) {
                    0 => b'"',
                    1 => b'\\',
                    2 => rng.below(0x20) as u8,
                    3 => 0x80 + rng.below(0x80) as u8,
                    _ => b' ' + rng.below(0x5f) as u8,
                })
                .collect();
            for from in 0..=len {
                let naive = (from..len).find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f)).unwrap_or(len);
                assert_eq!(special_byte(&bytes, from), naive, "{bytes:?} from {from}");
            }
        }
    }

    /// Random documents in compact, two- and four-space layouts, with keys
    /// the mapping reads and keys it skips, and copies of them damaged by
    /// one edit: whatever this reader reads, serde_json reads the same, and
    /// it reads every undamaged one.
    #[test]
    fn random_and_damaged_documents_agree_with_serde_json() {
        let mut rng = Rng(0x5eed);
        let (mut damaged_read, mut damaged) = (0, 0);
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..=rng.below(2) {
                let layout = Layout { indent: [0, 2, 4][rng.below(3) as usize] };
                write_value(&mut rng, &mut text, layout, 0, true);
                text.push_str(["\n", "", " \r\n"][rng.below(3) as usize]);
            }
            assert!(agrees(&text), "round {round}: declined {text}");
            let mut bytes = text.clone().into_bytes();
            let at = rng.below(bytes.len() as u64 + 1) as usize;
            let junk = b"{}[]\",:\\ 0a-e.\t\x01";
            let junk = junk[rng.below(junk.len() as u64) as usize];
            match rng.below(4) {
                0 if at < bytes.len() => drop(bytes.remove(at)),
                1 => bytes.insert(at, junk),
                2 if at < bytes.len() => bytes[at] = junk,
                _ => bytes.truncate(at),
            }
            if let Ok(text) = String::from_utf8(bytes) {
                damaged += 1;
                damaged_read += usize::from(agrees(&text));
            }
        }
        // Some edits leave valid JSON (a space, a digit), most do not.
        assert!(damaged_read > 100 && damaged_read * 2 < damaged, "{damaged_read} of {damaged} read");
    }

    /// A skipped value that repeats the last one under its key is passed
    /// over as far as the bytes repeat, up to the value where they differ.
    #[test]
    fn a_repeat_is_followed_where_its_bytes_repeat() {
        let value = |time: &str, uid: &str| {
            format!(
                r#"[{{"manager":"kubelet","time":"{time}","fieldsV1":{{"f:a":{{}},"k:{{\"uid\":\"{uid}\"}}":{{}},"f:z":[1]}}}}]"#
            )
        };
        let first = value("2024-05-14T00:30:11Z", "x");
        for (second, expected) in [
            (first.clone(), "ended"),
            // The time differs: the bytes repeat up to the time (marks: the
            // array, its item, `manager`, `time`, `fieldsV1`, `f:a`, …).
            (value("2024-05-14T00:31:12Z", "x"), "moved to 3"),
            // A longer uid, in a key: up to the value before it.
            (value("2024-05-14T00:30:11Z", "f48af120-a207"), "moved to 5"),
            (first.replace("kubelet", "kubectl"), "moved to 2"),
            (first.replacen('[', "[ ", 1), "stayed"),
        ] {
            let text = format!("{first} {second}");
            let arena = Arena::new();
            let mut reader = Reader::new(&text, &arena);
            reader.skip_value(Some("managedFields")).unwrap();
            let repeat = reader.repeats.pop().unwrap();
            assert_eq!(repeat.len, first.len());
            reader.skip_whitespace();
            let start = reader.at;
            let mut marks = vec![Mark { at: 0, nest: 1 }];
            let step = match reader.follow(&repeat, &mut marks) {
                Follow::Ended => {
                    assert_eq!(reader.at, text.len());
                    "ended".to_string()
                }
                Follow::Moved(nest) => {
                    let to = marks.len() - 1;
                    assert_eq!((reader.at - start, nest), (repeat.marks[to].at, repeat.marks[to].nest));
                    format!("moved to {to}")
                }
                Follow::Stayed => "stayed".to_string(),
                Follow::Lost => "lost".to_string(),
            };
            assert_eq!(step, expected, "{second}");
            // The marks passed over are the last value's, where they repeat.
            assert_eq!(marks, repeat.marks[..marks.len()]);
        }
    }

    /// A skipped value with more values in it than marks are kept for is
    /// still followed as far as it has marks, then read.
    #[test]
    fn marks_are_kept_for_so_many_values() {
        let items = |last: &str| format!("[{}{last}]", "[1],".repeat(MAX_MARKS));
        let text = format!(r#"{{"items":[{{"x":{}}},{{"x":{}}}]}}"#, items("2"), items("3"));
        assert!(agrees(&text));
        let arena = Arena::new();
        let mut reader = Reader::new(&text, &arena);
        reader.at = text.find(":[[").unwrap() + 1;
        reader.skip_value(Some("x")).unwrap();
        assert_eq!(reader.repeats[0].marks.len(), MAX_MARKS);
        assert!(!agrees(&text.replace("3]", "3,]")));
    }

    /// Items whose skipped values repeat each other with a few bytes
    /// changed — still valid or not — read as serde_json reads them.
    #[test]
    fn repeated_skipped_values_agree_with_serde_json() {
        let mut rng = Rng(0xfeed);
        let (mut read, mut rounds) = (0, 0);
        for _ in 0..2000 {
            let layout = Layout { indent: [0, 2, 4][rng.below(3) as usize] };
            let mut base = String::new();
            write_value(&mut rng, &mut base, layout, 2, true);
            let mut text = String::from("{\"items\": [");
            for item in 0..=rng.below(5) {
                let mut value = base.clone().into_bytes();
                for _ in 0..rng.below(3) {
                    let at = rng.below(value.len() as u64) as usize;
                    // Mostly edits that keep the JSON valid.
                    let junk = b"a0 9zx_{}[]\",:\\\t\x01";
                    let junk = junk[rng.below(junk.len() as u64) as usize];
                    match rng.below(3) {
                        0 => value[at] = junk,
                        1 => value.insert(at, junk),
                        _ => drop(value.remove(at)),
                    }
                }
                if item > 0 {
                    text.push(',');
                }
                text.push_str(r#"{"managedFields": "#);
                text.push_str(&String::from_utf8_lossy(&value));
                text.push_str(r#", "name": "p"}"#);
            }
            text.push_str("]}");
            rounds += 1;
            if agrees(&text) {
                read += 1;
            } else {
                let arena = Arena::new();
                assert!(!serde_json_documents(&text, true, &arena).1.is_empty(), "declined {text}");
            }
        }
        assert!(read > rounds / 5 && read < rounds, "{read} of {rounds} read");
    }

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }
    }

    #[derive(Clone, Copy)]
    struct Layout {
        indent: usize,
    }

    impl Layout {
        fn newline(self, out: &mut String, depth: usize) {
            if self.indent > 0 {
                out.push('\n');
                out.push_str(&" ".repeat(self.indent * depth));
            }
        }
    }

    const KEYS: &[&str] = &[
        "kind",
        "items",
        "metadata",
        "name",
        "Name",
        "message",
        "reason",
        "labels",
        "spec",
        "status",
        "containers",
        "managedFields",
        "annotations",
        "f:metadata",
        "count",
        "x",
        "",
    ];
    const STRINGS: &[&str] = &[
        "",
        "Pod",
        "Back-off pulling image \"nginx:1.2\"",
        "a\\b",
        "line\nnext\ttab",
        "\u{1}",
        "é 日本 😀",
        "/",
    ];

    fn write_value(rng: &mut Rng, out: &mut String, layout: Layout, depth: usize, container: bool) {
        let kind = if container { 5 + rng.below(2) } else { rng.below(if depth > 5 { 5 } else { 7 }) };
        match kind {
            0 => out.push_str(["null", "true", "false"][rng.below(3) as usize]),
            1 => out.push_str(&rng.below(u64::MAX).to_string()),
            2 => out.push_str(
                ["-3", "0", "1.5", "-0", "2e10", "0.1", "123456789012345678901"][rng.below(7) as usize],
            ),
            3 | 4 => match rng.below(4) {
                0 => out.push_str(r#""A\u0041\/\u00e9""#),
                _ => out.push_str(
                    &serde_json::to_string(STRINGS[rng.below(STRINGS.len() as u64) as usize]).unwrap(),
                ),
            },
            5 => {
                let n = rng.below(4);
                write_items(rng, out, layout, depth, ('[', ']'), n, |rng, out| {
                    write_value(rng, out, layout, depth + 1, false);
                });
            }
            _ => {
                let n = rng.below(6);
                write_items(rng, out, layout, depth, ('{', '}'), n, |rng, out| {
                    let key = KEYS[rng.below(KEYS.len() as u64) as usize];
                    out.push_str(&serde_json::to_string(key).unwrap());
                    out.push_str(if layout.indent > 0 { ": " } else { ":" });
                    write_value(rng, out, layout, depth + 1, false);
                });
            }
        }
    }

    /// `n` items written by `item` between two brackets, a line each when
    /// the layout indents.
    fn write_items(
        rng: &mut Rng,
        out: &mut String,
        layout: Layout,
        depth: usize,
        (open, close): (char, char),
        n: u64,
        mut item: impl FnMut(&mut Rng, &mut String),
    ) {
        out.push(open);
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            layout.newline(out, depth + 1);
            item(rng, out);
        }
        if n > 0 {
            layout.newline(out, depth);
        }
        out.push(close);
    }
}
