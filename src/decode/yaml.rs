//! YAML as go-yaml writes it, read at JSON speed.
//!
//! Must-gathers are `oc`/`kubectl` output: block style only, sorted keys,
//! two-space indentation, sequences written at their parent key's indent
//! (`items:\n- kind: Event`), strings quoted only where needed and folded at
//! 80 columns. [`documents`] reads exactly that subset line by line — keys,
//! plain/quoted/literal scalars, nested blocks, `{}`/`[]` — into the same
//! `serde_json::Value`s that serde_yaml builds, and skips the values the
//! mapping does not read ([`super::prune`]) by indentation alone, without
//! scanning them.
//!
//! It never guesses: on anything outside the subset (anchors, aliases, tags,
//! flow collections, comments, tabs in indentation, `>` scalars, odd
//! indentation, integers beyond 64 bits, control characters, CR line ends…)
//! it returns `None` and the caller hands the whole text to serde_yaml.
//! Scalars are resolved with serde_yaml_ng's own rules (copied below), and
//! quoted scalars are unfolded with libyaml's algorithm, so what it does
//! return is what serde_yaml would have. The tests hold it to that on every
//! real must-gather file and on generated lists.
//!
//! One difference is deliberate: a skipped value is not checked, so a
//! malformed document whose damage lies only in values we skip is read here
//! where serde_yaml would reject it.

use std::borrow::Cow;

use serde_json::Number;

use super::leading_spaces;
use super::prune::{relevance, Keep};
use super::tree::{self, Arena, Node, Object};

/// Whether to keep every value or only those the mapping reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Full,
    Pruned,
}

/// The text is outside the subset: let serde_yaml read it.
#[derive(Debug)]
struct Fallback;

type Parsed<T> = Result<T, Fallback>;

/// Deeper nesting than this goes to serde_yaml (which has its own limit).
const MAX_DEPTH: usize = 64;

/// The non-null documents of `text`, built in `arena`, or `None` if
/// serde_yaml must read it.
pub fn documents<'a>(text: &'a str, mode: Mode, arena: &'a Arena) -> Option<Vec<Node<'a>>> {
    if !plain_text(text.as_bytes()) {
        return None;
    }
    let lines = split_lines(text);
    let mut documents = Vec::new();
    let mut start = 0;
    for (index, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("---") {
            if !rest.is_empty() {
                return None; // `--- |`, `--- !tag`, `----`…
            }
            document(text, arena, &lines, start, index, mode, &mut documents).ok()?;
            start = index + 1;
        } else if line.starts_with("...") || line.starts_with('%') {
            return None; // document end markers, directives
        }
    }
    document(text, arena, &lines, start, lines.len(), mode, &mut documents).ok()?;
    Some(documents)
}

/// The lines of `text`, without their `\n` (and no empty last line after a
/// final `\n`).
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(text.len() / 32);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..end]);
        start = end + 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// False if the text holds anything libyaml treats specially that we don't:
/// control characters, CR, NEL/LS/PS line breaks, a BOM or non-characters.
fn plain_text(bytes: &[u8]) -> bool {
    // Printable ASCII and newlines, the common case, in one quick pass:
    // 64 bytes at a time, each chunk checked without stopping at the first
    // byte that fails, so that the check compiles to vector instructions
    // (byte by byte it took a fifth of a must-gather scan).
    let plain = |chunk: &[u8]| {
        chunk.iter().fold(true, |plain, &b| plain & ((b' '..=b'~').contains(&b) | (b == b'\n')))
    };
    bytes.chunks(64).all(plain) || no_special_characters(bytes)
}

/// [`plain_text`]'s careful pass, for text that is not all printable ASCII.
fn no_special_characters(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\t' | b'\n' => {}
            0..=0x1f | 0x7f => return false,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => return false,
            0xe2 if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) => {
                return false
            }
            0xef if bytes.get(i + 1) == Some(&0xbb) && bytes.get(i + 2) == Some(&0xbf) => return false,
            0xef if bytes.get(i + 1) == Some(&0xbf) && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) => {
                return false
            }
            _ => {}
        }
        i += 1;
    }
    true
}

fn document<'a>(
    text: &'a str,
    arena: &'a Arena,
    lines: &[&'a str],
    start: usize,
    end: usize,
    mode: Mode,
    out: &mut Vec<Node<'a>>,
) -> Parsed<()> {
    let mut parser = Parser {
        text,
        arena,
        lines: &lines[..end],
        pos: start,
        pending: None,
        depth: 0,
        last_line_unterminated: end == lines.len() && !text.ends_with('\n'),
    };
    let Some((indent, _)) = parser.peek()? else { return Ok(()) };
    if indent != 0 {
        return Err(Fallback);
    }
    let value = parser.block(0, mode)?;
    if parser.peek()?.is_some() {
        return Err(Fallback);
    }
    if !value.is_null() {
        out.push(value);
    }
    Ok(())
}

struct Parser<'l, 'a> {
    /// The whole input, which every line is a slice of.
    text: &'a str,
    arena: &'a Arena,
    /// The lines up to the end of this document.
    lines: &'l [&'a str],
    /// The next line to read.
    pos: usize,
    /// What is left of line `pos` after a `- ` was read off it, and the
    /// column it starts at: `- kind: Event` continues as `kind: Event`.
    pending: Option<(usize, &'a str)>,
    depth: usize,
    /// The input ends without a newline (it matters to block scalars).
    last_line_unterminated: bool,
}

/// Count of leading spaces: the values skipped are passed over line by
/// line by their indentation alone.
fn indent_of(line: &str) -> usize {
    leading_spaces(line.as_bytes())
}

fn is_blank(line: &str) -> bool {
    indent_of(line) == line.len()
}

/// `- item` or a lone `-`.
fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

impl<'a> Parser<'_, 'a> {
    /// The next meaningful line as (indent, text without indent and trailing
    /// spaces); blank lines are passed over.
    fn peek(&mut self) -> Parsed<Option<(usize, &'a str)>> {
        if let Some(pending) = self.pending {
            return Ok(Some(pending));
        }
        while let Some(line) = self.lines.get(self.pos) {
            let indent = indent_of(line);
            if indent == line.len() {
                self.pos += 1; // blank
                continue;
            }
            let text = line[indent..].trim_end_matches(' ');
            if text.starts_with(['\t', '#']) {
                return Err(Fallback); // tab indentation, comments
            }
            return Ok(Some((indent, text)));
        }
        Ok(None)
    }

    fn advance(&mut self) {
        self.pending = None;
        self.pos += 1;
    }

    /// A mapping or sequence whose first line (already peeked) sits at `indent`.
    fn block(&mut self, indent: usize, mode: Mode) -> Parsed<Node<'a>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fallback);
        }
        let (_, text) = self.peek()?.ok_or(Fallback)?;
        let value = if is_item(text) {
            self.sequence(indent, mode)?
        } else if split_key(text)?.is_some() {
            self.mapping(indent, mode)?
        } else {
            return Err(Fallback); // a scalar on a line of its own
        };
        self.depth -= 1;
        Ok(value)
    }

    fn mapping(&mut self, indent: usize, mode: Mode) -> Parsed<Node<'a>> {
        let mut entries = Vec::new();
        while let Some((at, text)) = self.peek()? {
            if at < indent {
                break;
            }
            if at > indent || is_item(text) {
                return Err(Fallback);
            }
            let (key, rest) = split_key(text)?.ok_or(Fallback)?;
            self.advance();
            let keep = match mode {
                Mode::Full => Keep::All,
                Mode::Pruned => relevance(&key),
            };
            let child = if keep == Keep::All { Mode::Full } else { Mode::Pruned };
            if keep == Keep::Skip {
                self.skip_value(indent, rest)?;
            } else {
                let value = self.value(indent, rest, true, child)?;
                entries.push((tree::keep(self.arena, key), value));
            }
        }
        Ok(Node::Object(Object::new(self.arena, &mut entries, 0)))
    }

    fn sequence(&mut self, indent: usize, mode: Mode) -> Parsed<Node<'a>> {
        let mut items = Vec::new();
        while let Some((at, text)) = self.peek()? {
            if at < indent || (at == indent && !is_item(text)) {
                break;
            }
            if at > indent {
                return Err(Fallback);
            }
            let after = &text[1..];
            let content = after.trim_start_matches(' ');
            if content.starts_with('\t') {
                return Err(Fallback);
            }
            let column = at + 1 + (after.len() - content.len());
            let item = if !content.is_empty() && (is_item(content) || split_key(content)?.is_some()) {
                // `- kind: Event` or `- - x`: a block that starts mid-line.
                self.pending = Some((column, content));
                self.block(column, mode)?
            } else {
                self.advance();
                self.value(indent, content, false, mode)?
            };
            items.push(item);
        }
        Ok(tree::array(self.arena, items.into_iter()))
    }

    /// The value after `key:` (or `-`) on a line at `indent`; `rest` is what
    /// follows on that line. `same_indent_items` allows a sequence written
    /// at the key's own indent.
    fn value(
        &mut self,
        indent: usize,
        rest: &'a str,
        same_indent_items: bool,
        mode: Mode,
    ) -> Parsed<Node<'a>> {
        if rest.is_empty() {
            return match self.peek()? {
                Some((at, _)) if at > indent => self.block(at, mode),
                Some((at, text)) if at == indent && same_indent_items && is_item(text) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(Fallback);
                    }
                    let value = self.sequence(at, mode);
                    self.depth -= 1;
                    value
                }
                _ => Ok(Node::Null),
            };
        }
        match rest.as_bytes()[0] {
            b'"' | b'\'' => self.quoted(indent, rest).map(|s| Node::String(tree::keep(self.arena, s))),
            b'|' => self.literal(indent, &rest[1..]).map(|s| Node::String(self.arena.alloc_str(&s))),
            _ if rest == "{}" => Ok(Node::Object(Object::default())),
            _ if rest == "[]" => Ok(Node::Array(&[])),
            _ => {
                let text = self.plain(indent, rest)?;
                Ok(scalar(&text)?.unwrap_or_else(|| Node::String(tree::keep(self.arena, text))))
            }
        }
    }

    /// Passes over the value after `key:` without reading it: everything
    /// indented deeper than the key, and a sequence at the key's indent.
    fn skip_value(&mut self, indent: usize, rest: &'a str) -> Parsed<()> {
        if rest.starts_with(['"', '\'']) {
            return self.quoted(indent, rest).map(drop);
        }
        let items_here =
            rest.is_empty() && matches!(self.peek()?, Some((at, text)) if at == indent && is_item(text));
        while let Some(line) = self.lines.get(self.pos) {
            let at = indent_of(line);
            let deeper = at > indent || at == line.len();
            if !(deeper || (items_here && at == indent && is_item(line[at..].trim_end_matches(' ')))) {
                break;
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// A plain scalar starting with `first` and continued on the following
    /// lines indented deeper than `indent`, folded as YAML folds it.
    fn plain(&mut self, indent: usize, first: &'a str) -> Parsed<Cow<'a, str>> {
        let starts_badly = first
            .starts_with(['&', '*', '!', '|', '>', '%', '@', '`', '#', ',', '[', ']', '{', '}'])
            || (first.starts_with(['-', '?', ':']) && matches!(first.as_bytes().get(1), None | Some(b' ')));
        if starts_badly || !plain_line(first) {
            return Err(Fallback);
        }
        let mut text = Cow::Borrowed(first);
        let mut next = self.pos;
        let mut blank = 0;
        while let Some(line) = self.lines.get(next) {
            let at = indent_of(line);
            if at == line.len() {
                blank += 1;
                next += 1;
                continue;
            }
            if at <= indent {
                break;
            }
            let more = line[at..].trim_end_matches(' ');
            if is_item(more) || more.starts_with(['#', '\t']) || !plain_line(more) {
                return Err(Fallback);
            }
            let text = text.to_mut();
            if blank == 0 {
                text.push(' ');
            } else {
                text.extend(std::iter::repeat_n('\n', blank));
            }
            text.push_str(more);
            blank = 0;
            next += 1;
            self.pos = next;
        }
        Ok(text)
    }

    /// A `|`, `|-` or `|+` block scalar on the lines after the current one.
    fn literal(&mut self, indent: usize, header: &str) -> Parsed<String> {
        #[derive(PartialEq)]
        enum Chomp {
            Clip,
            Strip,
            Keep,
        }
        let chomp = match header {
            "" => Chomp::Clip,
            "-" => Chomp::Strip,
            "+" => Chomp::Keep,
            _ => return Err(Fallback),
        };
        let mut content_indent = None;
        let mut text = String::new();
        // Line breaks seen since the last content line.
        let mut breaks = 0;
        let mut leading_spaces = 0;
        let mut last_content = None;
        let mut next = self.pos;
        while let Some(line) = self.lines.get(next) {
            let at = indent_of(line);
            if at == line.len() {
                match content_indent {
                    Some(k) if at > k => return Err(Fallback),
                    None => leading_spaces = leading_spaces.max(at),
                    _ => {}
                }
                breaks += 1;
                next += 1;
                continue;
            }
            let k = match content_indent {
                Some(k) => k,
                None if at > indent && leading_spaces <= at => *content_indent.insert(at),
                None if at > indent => return Err(Fallback),
                None => break,
            };
            if at < k {
                break;
            }
            if last_content.is_some() {
                breaks += 1; // the break ending the previous content line
            }
            text.extend(std::iter::repeat_n('\n', breaks));
            text.push_str(&line[k..]);
            breaks = 0;
            last_content = Some(next);
            next += 1;
        }
        let Some(last) = last_content else {
            if chomp == Chomp::Keep && breaks > 0 {
                return Err(Fallback);
            }
            self.pos = next;
            return Ok(String::new());
        };
        if last + 1 == self.lines.len() && self.last_line_unterminated {
            return Err(Fallback);
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => text.push('\n'),
            Chomp::Keep => text.extend(std::iter::repeat_n('\n', breaks + 1)),
        }
        self.pos = next;
        Ok(text)
    }

    /// A single- or double-quoted scalar opening at `start` (on the current
    /// line, already advanced past), possibly folded over the next lines.
    fn quoted(&mut self, indent: usize, start: &'a str) -> Parsed<Cow<'a, str>> {
        let offset = start.as_ptr() as usize - self.text.as_ptr() as usize;
        let (value, length, breaks) = unquote(&self.text[offset..], Some(indent))?;
        // The rest of the closing line must be empty.
        let end = offset + length;
        let line_end = self.text[end..].find('\n').map_or(self.text.len(), |i| end + i);
        if !self.text[end..line_end].bytes().all(|b| b == b' ') {
            return Err(Fallback);
        }
        self.pos += breaks;
        if self.pos > self.lines.len() {
            return Err(Fallback);
        }
        Ok(value)
    }
}

/// Splits `key: rest` (or `key:`); `None` if the line is not a mapping entry.
fn split_key(text: &str) -> Parsed<Option<(Cow<'_, str>, &str)>> {
    if text.starts_with(['"', '\'']) {
        let line = text.split('\n').next().unwrap_or(text);
        let Ok((key, length, 0)) = unquote(line, None) else { return Ok(None) };
        return Ok(text[length..].strip_prefix(':').and_then(|rest| {
            (rest.is_empty() || rest.starts_with(' ')).then(|| (key, rest.trim_start_matches(' ')))
        }));
    }
    let bytes = text.as_bytes();
    let Some(colon) =
        memchr::memchr_iter(b':', bytes).find(|&i| i + 1 == bytes.len() || bytes[i + 1] == b' ')
    else {
        return Ok(None);
    };
    let key = &text[..colon];
    if key.is_empty()
        || key.ends_with(' ')
        || key.starts_with([
            '?', '-', '<', '&', '*', '!', '|', '>', '%', '@', '`', '#', '{', '[', ',', ']', '}',
        ])
        || !plain_line(key)
        || !resolves_to_string(key)?
    {
        return Err(Fallback);
    }
    Ok(Some((Cow::Borrowed(key), text[colon + 1..].trim_start_matches(' '))))
}

/// Whether a piece of plain scalar is free of what would end or break it.
fn plain_line(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.iter().enumerate().any(|(i, &b)| match b {
        b':' => matches!(bytes.get(i + 1), None | Some(b' ')),
        b'#' => i > 0 && bytes[i - 1] == b' ',
        b'\t' => true,
        _ => false,
    })
}

/// Reads a quoted scalar at the start of `text` the way libyaml does:
/// returns its value, its length in bytes (quotes included) and how many
/// line breaks it spans. `indent`: continuation lines must be deeper;
/// `None` forbids them.
fn unquote(text: &str, indent: Option<usize>) -> Parsed<(Cow<'_, str>, usize, usize)> {
    let bytes = text.as_bytes();
    let quote = bytes[0];
    // Most quoted scalars are a timestamp or a number on one line, with
    // nothing to unescape: borrow them.
    let simple = bytes[1..].iter().position(|&b| b == quote || b == b'\\' || b == b'\n');
    if let Some(end) = simple.map(|i| i + 1).filter(|&end| bytes[end] == quote) {
        if bytes.get(end + 1) != Some(&quote) {
            return Ok((Cow::Borrowed(&text[1..end]), end + 1, 0));
        }
    }
    unquote_folded(text, indent).map(|(s, length, breaks)| (Cow::Owned(s), length, breaks))
}

/// [`unquote`] for scalars with escapes, doubled quotes or line breaks.
fn unquote_folded(text: &str, indent: Option<usize>) -> Parsed<(String, usize, usize)> {
    let bytes = text.as_bytes();
    let quote = bytes[0];
    let single = quote == b'\'';
    let mut out = String::new();
    let mut i = 1;
    let mut breaks = 0;
    // Checks the line starting at byte `at` (just after a break).
    let next_line = |at: usize| -> Parsed<()> {
        let line = text[at..].split('\n').next().unwrap_or("");
        let Some(indent) = indent else { return Err(Fallback) };
        if line.starts_with("---") || line.starts_with("...") {
            return Err(Fallback);
        }
        if !is_blank(line) && indent_of(line) <= indent {
            return Err(Fallback);
        }
        Ok(())
    };
    loop {
        let mut leading_blanks = false;
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\n') {
            let b = bytes[i];
            if single && b == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
            } else if b == quote {
                break;
            } else if !single && b == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                breaks += 1;
                next_line(i)?;
                leading_blanks = true;
                break;
            } else if !single && b == b'\\' {
                i = escape(text, i, &mut out)?;
            } else {
                let c = text[i..].chars().next().ok_or(Fallback)?;
                out.push(c);
                i += c.len_utf8();
            }
        }
        if i >= bytes.len() {
            return Err(Fallback); // unterminated
        }
        if bytes[i] == quote {
            return Ok((out, i + 1, breaks));
        }
        let mut whitespace = String::new();
        let mut leading_break = false;
        let mut trailing_breaks = 0;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n') {
            if bytes[i] == b'\n' {
                breaks += 1;
                next_line(i + 1)?;
                if leading_blanks {
                    trailing_breaks += 1;
                } else {
                    whitespace.clear();
                    leading_break = true;
                    leading_blanks = true;
                }
            } else if !leading_blanks {
                whitespace.push(char::from(bytes[i]));
            }
            i += 1;
        }
        if leading_blanks {
            if leading_break && trailing_breaks == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', trailing_breaks));
            }
        } else {
            out.push_str(&whitespace);
        }
    }
}

/// One `\` escape of a double-quoted scalar at `text[at]`; returns the index after it.
fn escape(text: &str, at: usize, out: &mut String) -> Parsed<usize> {
    let bytes = text.as_bytes();
    let code = *bytes.get(at + 1).ok_or(Fallback)?;
    let simple = match code {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' | b'\t' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\'' => '\'',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' | b'u' | b'U' => {
            let digits = match code {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = text.get(at + 2..at + 2 + digits).ok_or(Fallback)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Fallback);
            }
            let value = u32::from_str_radix(hex, 16).map_err(|_| Fallback)?;
            out.push(char::from_u32(value).ok_or(Fallback)?);
            return Ok(at + 2 + digits);
        }
        _ => return Err(Fallback),
    };
    out.push(simple);
    Ok(at + 2)
}

/// Whether a plain scalar is read as a string, without building it.
fn resolves_to_string(text: &str) -> Parsed<bool> {
    if text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '/' || !c.is_ascii()) {
        let special =
            matches!(text, "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE");
        return Ok(!special);
    }
    Ok(scalar(text)?.is_none())
}

/// What a plain scalar means, by serde_yaml_ng's rules (`de.rs`:
/// `visit_untagged_scalar`) as `serde_json::Value` receives it: null, a
/// boolean or a number, or `None` for a string (the text itself).
fn scalar(text: &str) -> Parsed<Option<Node<'static>>> {
    if text.is_empty() || matches!(text, "null" | "Null" | "NULL" | "~") {
        return Ok(Some(Node::Null));
    }
    match text {
        "true" | "True" | "TRUE" => return Ok(Some(Node::Bool(true))),
        "false" | "False" | "FALSE" => return Ok(Some(Node::Bool(false))),
        _ => {}
    }
    // Only text that starts like a number can be one (`.inf`, `+1`, `0x1f`).
    if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return Ok(None);
    }
    if let Some(int) = parse_unsigned_int(text, u64::from_str_radix) {
        return Ok(Some(Node::Number(int.into())));
    }
    if let Some(int) = parse_negative_int(text, i64::from_str_radix) {
        return Ok(Some(Node::Number(int.into())));
    }
    if parse_unsigned_int(text, u128::from_str_radix).is_some()
        || parse_negative_int(text, i128::from_str_radix).is_some()
    {
        return Err(Fallback);
    }
    if !digits_but_not_number(text) {
        if let Some(float) = parse_f64(text) {
            return Ok(Some(Number::from_f64(float).map_or(Node::Null, Node::Number)));
        }
    }
    Ok(None)
}

// The four functions below are serde_yaml_ng 0.10's (src/de.rs), unchanged
// but for formatting, so that scalars resolve exactly as it resolves them.

type Radix<T> = fn(&str, u32) -> Result<T, std::num::ParseIntError>;

fn parse_unsigned_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) {
        return None;
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix) {
            if let Ok(int) = from_str_radix(&format!("-{rest}"), radix) {
                return Some(int);
            }
        }
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(scalar, 10).ok()
}

fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = if let Some(unpositive) = scalar.strip_prefix('+') {
        if unpositive.starts_with(['+', '-']) {
            return None;
        }
        unpositive
    } else {
        scalar
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = scalar {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = scalar {
        return Some(f64::NAN.copysign(1.0));
    }
    if let Ok(float) = unpositive.parse::<f64>() {
        if float.is_finite() {
            return Some(float);
        }
    }
    None
}

fn digits_but_not_number(scalar: &str) -> bool {
    // Leading zero(s) followed by numeric characters is a string according to
    // the YAML 1.2 spec.
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
