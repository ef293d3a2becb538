//! Stage 2 — decode: bytes → normalised Kubernetes objects.
//!
//! Owns recognising, by content, what an [`Entry`] holds and turning the
//! kinds we use into [`model`](crate::model) structs:
//!
//! * syntax: JSON (one document, NDJSON or documents back to back, as
//!   `kubectl cluster-info dump` writes to stdout), YAML (single or
//!   multi-document, must-gather style with a leading `---`);
//! * shape: `List`/`EventList`/`PodList`/… with `items` or `Items`, a bare
//!   array, a single object;
//! * dialect: core/v1 and events.k8s.io/v1 events, the PascalCase internal
//!   types of kubectl 1.13-era dumps (ObjectMeta flattened into the item),
//!   the Insights compact event format, objects with no `kind` at all.
//!
//! Field access is lenient (`fields`) so every variant goes through one
//! code path. Entries that hold none of our kinds (logs, binaries, other
//! resources) come back unrecognised or empty, not as errors.
//!
//! Inside: documents are parsed into a `tree::Node` that borrows from the
//! entry, keeping only the keys the mapping reads (`prune`): JSON through a
//! reader of its own (`json`, serde_json for anything it does not vouch
//! for), go-yaml YAML through a line reader of its own (`yaml`, serde_yaml
//! for anything else); `objects` maps the tree to the model.
//! [`decode_reference`] keeps the plain serde path the tests compare with.

mod fields;
mod json;
mod nesting;
mod objects;
pub use objects::{EventGist, Sift};
mod prune;
mod tree;
mod yaml;

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;
use serde_json::Value;

use prune::Pruned;
use tree::{Arena, Node};

use crate::input::Entry;
use crate::model::Objects;

/// What one entry turned out to hold.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    pub objects: Objects,
    /// Parsing problems. With `objects` empty too, the entry failed.
    pub errors: Vec<String>,
    /// True when the entry was structured data (JSON or YAML), whatever it held.
    pub recognised: bool,
}

/// How much of an entry we look at to decide whether it is YAML at all.
const SNIFF_BYTES: usize = 4096;

/// Decodes one entry. Never panics on any input.
///
/// Parses only the fields the mapping reads (`prune`) and reads go-yaml
/// output with its own extractor (`yaml`); the result is the same as
/// [`decode_reference`]'s.
pub fn decode(entry: &Entry) -> Decoded {
    decode_as(entry, Parser::Fast, &mut |_| true)
}

/// [`decode`], asking `sift` about each event, from its [`EventGist`],
/// before building it: the events `sift` turns down are not built. A scan
/// keeps about one event in ten, and building the rest (a dozen strings
/// each) would cost more than deciding.
pub fn decode_sifted(entry: &Entry, sift: Sift) -> Decoded {
    decode_as(entry, Parser::Fast, sift)
}

/// Decodes one entry the slow, obvious way: whole documents into
/// `serde_json::Value`, all YAML through serde_yaml. The reference the tests
/// hold [`decode`] to; not used by the scan.
pub fn decode_reference(entry: &Entry) -> Decoded {
    decode_as(entry, Parser::Reference, &mut |_| true)
}

/// The go-yaml reader on its own: every document of `text`, whole, or
/// `None` where it leaves the text to serde_yaml. For tests and benchmarks
/// that hold it to serde_yaml's result.
pub fn read_go_yaml(text: &str) -> Option<Vec<Value>> {
    let arena = Arena::new();
    let documents = yaml::documents(text, yaml::Mode::Full, &arena)?;
    Some(documents.iter().map(Node::to_value).collect())
}

/// The JSON reader on its own beside serde_json reading the same text
/// through the same pruning (`pruned`) or whole: every document, or `None`
/// where the reader leaves the text to serde_json; serde_json's documents,
/// or its first error. For tests and fuzzing that hold the two to the same
/// result.
#[doc(hidden)]
pub fn read_json_both(text: &str, pruned: bool) -> (Option<Vec<Value>>, Result<Vec<Value>, String>) {
    let arena = Arena::new();
    let ours = json::documents(text, !pruned, &arena)
        .map(|documents| documents.iter().map(Node::to_value).collect());
    let (theirs, errors) = serde_json_documents(text, pruned, &arena);
    let theirs = match errors.first() {
        None => Ok(theirs.iter().map(Node::to_value).collect()),
        Some(error) => Err(error.clone()),
    };
    (ours, theirs)
}

/// serde_json's reading of `text` into `arena`, pruned or whole: the
/// documents before the first error, and that error.
fn serde_json_documents<'a>(text: &'a str, pruned: bool, arena: &'a Arena) -> (Vec<Node<'a>>, Vec<String>) {
    let mut errors = Vec::new();
    let all = !pruned;
    // serde_json's stream, which finds where each document ends, reads only
    // `Deserialize` types, which cannot reach an arena: documents are
    // checked in the stream (same traversal, same errors), then built.
    let spans: Vec<Range<usize>> = if all {
        json_documents::<Checked<true>>(text, &mut errors).into_iter().map(|(_, span)| span).collect()
    } else {
        json_documents::<Checked<false>>(text, &mut errors).into_iter().map(|(_, span)| span).collect()
    };
    let mut documents = Vec::with_capacity(spans.len());
    for span in spans {
        let mut deserializer = serde_json::Deserializer::from_str(&text[span]);
        match Pruned::new(all, arena).deserialize_from(&mut deserializer) {
            Ok(document) => documents.push(document),
            Err(e) => {
                errors.push(format!("invalid JSON: {e}"));
                break;
            }
        }
    }
    (documents, errors)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parser {
    /// Pruned parsing: the JSON reader and the go-yaml reader, each with
    /// its serde fallback.
    Fast,
    /// The fast parsers, not pruned: for files read whole.
    Whole,
    /// serde_json and serde_yaml into `Value`.
    Reference,
}

/// How many first bytes of an entry [`may_hold_objects`] needs to see.
pub const HEAD_BYTES: usize = SNIFF_BYTES + 3; // a UTF-8 byte-order mark, then the sniff

/// Whether an entry whose path is `path` and whose first bytes are `head`
/// (its first [`HEAD_BYTES`], or all of it if shorter) can hold anything
/// [`decode`] reads. False means `decode` would find nothing in the whole
/// entry, so the input stage need not load the rest: binary content, or
/// text that is neither JSON nor YAML (a container log).
pub fn may_hold_objects(path: &str, head: &[u8]) -> bool {
    let data = strip_bom(head);
    match sniff(path, data) {
        Sniff::Json(_) | Sniff::Yaml => true,
        // Only blank so far: what follows decides.
        Sniff::Blank => head.len() >= HEAD_BYTES,
        Sniff::Neither => false,
    }
}

/// What the first bytes of an entry say it is.
enum Sniff {
    /// JSON, from this offset (the first byte that is not white space).
    Json(usize),
    Yaml,
    /// Nothing but white space.
    Blank,
    /// Binary, or text that is neither (a log).
    Neither,
}

/// Tells JSON and YAML from anything else by the path and the first
/// [`SNIFF_BYTES`] of `data` (after any byte-order mark): the one rule
/// [`decode`] and [`may_hold_objects`] share.
fn sniff(path: &str, data: &[u8]) -> Sniff {
    if is_log(path) {
        return Sniff::Neither;
    }
    let head = &data[..data.len().min(SNIFF_BYTES)];
    if head.contains(&0) {
        return Sniff::Neither; // binary
    }
    let Some(start) = data.iter().position(|b| !b.is_ascii_whitespace()) else { return Sniff::Blank };
    if matches!(data[start], b'{' | b'[') {
        Sniff::Json(start)
    } else if looks_like_yaml(path, head) {
        Sniff::Yaml
    } else {
        Sniff::Neither
    }
}

fn decode_as(entry: &Entry, parser: Parser, sift: Sift) -> Decoded {
    let data = strip_bom(&entry.data);
    let mut decoded = Decoded::default();
    let (json, start) = match sniff(&entry.path, data) {
        Sniff::Json(start) => (true, start),
        Sniff::Yaml => (false, 0),
        Sniff::Blank | Sniff::Neither => return decoded,
    };
    // Invalid UTF-8 is replaced rather than rejected, so one bad byte does
    // not cost the entry. The documents borrow from this text. Every byte
    // of every entry passes here (2% of a scan's CPU with std's check):
    // simdutf8 checks 100 GB/s in cache where std checks 56.
    let bytes = if json { &data[start..] } else { data };
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let parser = if parser == Parser::Fast && is_errors_file(&entry.path) { Parser::Whole } else { parser };
    let all = parser != Parser::Fast;
    if parser != Parser::Reference {
        // The readers of our own first, each tree in an arena of its own:
        // if a reader declines the text, what it built so far is let go
        // before serde reads the text again.
        let arena = Arena::new();
        let read = if json {
            json::documents(&text, all, &arena)
        } else {
            yaml::documents(&text, if all { yaml::Mode::Full } else { yaml::Mode::Pruned }, &arena)
        };
        if let Some(documents) = read {
            return objects_of(&entry.path, json, &documents, decoded, sift);
        }
    }
    // The reference parser's whole documents, which its nodes borrow from.
    let values: Vec<Value>;
    let arena = Arena::new();
    let errors = &mut decoded.errors;
    let documents: Vec<Node> = match (json, parser) {
        (true, Parser::Fast | Parser::Whole) => {
            let (documents, found) = serde_json_documents(&text, !all, &arena);
            errors.extend(found);
            documents
        }
        (true, Parser::Reference) => {
            values = json_documents(&text, errors).into_iter().map(|(value, _)| value).collect();
            values.iter().map(|value| Node::from_value(value, &arena)).collect()
        }
        (false, Parser::Fast | Parser::Whole) => {
            yaml_documents(&text, errors, |d| Pruned::new(all, &arena).deserialize_from(d))
        }
        (false, Parser::Reference) => {
            values = yaml_documents(&text, errors, Value::deserialize);
            values.iter().map(|value| Node::from_value(value, &arena)).collect()
        }
    };
    objects_of(&entry.path, json, &documents, decoded, sift)
}

/// Maps the `documents` of the entry at `path` into `decoded`'s objects.
fn objects_of(path: &str, json: bool, documents: &[Node], mut decoded: Decoded, sift: Sift) -> Decoded {
    // A log line such as `[INFO] plugin/reload` or `{"level":…` text that is
    // not JSON at all is a log, not a broken JSON file. Only a file named
    // .json is expected to be JSON from its first byte.
    if json && documents.is_empty() && !is_json_name(path) {
        return Decoded::default();
    }
    decoded.recognised = true;
    for document in documents {
        objects::collect(document, &mut decoded.objects, sift);
    }
    collector_files(path, documents, &mut decoded.objects);
    decoded
}

/// Files a support-bundle collector writes about the cluster rather than
/// Kubernetes objects: troubleshoot's `<kind>-errors.json` (what it could not
/// list, usually RBAC) and `image-pull-secrets/<ns>/<secret>.json` (which pull
/// secrets exist; the file maps registries to user names, never passwords).
fn collector_files(path: &str, documents: &[Node], out: &mut crate::model::Objects) {
    if is_errors_file(path) {
        for document in documents {
            let mut messages = Vec::new();
            string_leaves(document, &mut messages);
            out.not_collected.extend(
                messages.into_iter().map(|message| crate::model::NotCollected {
                    entry: path.into(),
                    message: message.into(),
                }),
            );
        }
    }
    let parts: Vec<&str> = path.split('/').collect();
    if let [.., "image-pull-secrets", namespace, file] = parts.as_slice() {
        if let Some(name) = file.strip_suffix(".json").filter(|n| !n.is_empty()) {
            out.secrets.push(crate::model::SecretName {
                namespace: (*namespace).into(),
                name: name.into(),
                secret_type: "kubernetes.io/dockerconfigjson".into(),
            });
        }
    }
}

/// troubleshoot's `<kind>-errors.json`: every string in it is read, so it
/// is parsed whole, not pruned.
fn is_errors_file(path: &str) -> bool {
    path.rsplit('/').next().unwrap_or(path).ends_with("errors.json")
}

/// Every non-empty string inside `value`, depth first (keys in order).
fn string_leaves(value: &Node, out: &mut Vec<String>) {
    match value {
        Node::String(s) if !s.trim().is_empty() => out.push(s.to_string()),
        Node::Array(items) => items.iter().for_each(|v| string_leaves(v, out)),
        Node::Object(map) => map.iter().for_each(|(_, v)| string_leaves(v, out)),
        _ => {}
    }
}

/// Names that promise JSON: a `.json`-like extension, or `-` (stdin, which
/// the user handed over as the whole input).
fn is_json_name(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower == "-" {
        return true;
    }
    [".json", ".ndjson", ".jsonl"].iter().any(|ext| lower.ends_with(ext))
}

/// How many spaces `bytes` starts with, counted eight at a time: both
/// readers pass over indentation (a third to a half of a pretty-printed
/// bundle) and the YAML reader skips unread values by it.
#[inline]
fn leading_spaces(bytes: &[u8]) -> usize {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        // Spaces XOR spaces are zero bytes: the first other byte ends it.
        let differs = u64::from_le_bytes(chunk.try_into().expect("8 bytes")) ^ SPACES;
        if differs != 0 {
            return at + differs.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + bytes[at..].iter().take_while(|&&b| b == b' ').count()
}

fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)
}

/// Parses one or more JSON documents: one, NDJSON, or documents back to
/// back. Stops at the first error, keeping the documents before it, each
/// with where it lies in `text`.
fn json_documents<'a, T: Deserialize<'a>>(text: &'a str, errors: &mut Vec<String>) -> Vec<(T, Range<usize>)> {
    let data = text.as_bytes();
    let mut documents = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<T>();
    let mut start = 0;
    while let Some(document) = stream.next() {
        let end = stream.byte_offset();
        match document {
            Ok(value) => documents.push((value, start..end)),
            Err(e) => {
                let rest = &data[end.min(data.len())..];
                // `kubectl cluster-info dump` to stdout appends the pod logs
                // after its JSON documents; they start with "==== START logs".
                if documents.is_empty() || !trimmed_start(rest).starts_with(b"====") {
                    errors.push(format!("invalid JSON: {e}"));
                }
                break;
            }
        }
        start = end;
    }
    documents
}

fn trimmed_start(data: &[u8]) -> &[u8] {
    let start = data.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(data.len());
    &data[start..]
}

/// Container and node logs, by where bundles keep them: a `*.log` file (or
/// a rotated `*.log.<date>`) under a `logs/` or `all-logs/` directory
/// (troubleshoot's `pods/logs/<ns>/<pod>/<container>.log`, a must-gather's
/// `<container>/logs/current.log`, Insights' `pod/<ns>/logs/<pod>/*.log`).
/// A log holds no Kubernetes objects even when its lines are JSON
/// (structured logging) or look like YAML, so its name alone decides:
/// parsing a JSON-lines log document by document would cost as much as
/// an event list of the same size and find nothing.
fn is_log(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or_default().as_bytes();
    let log_name = name.len() >= 4 && name[name.len() - 4..].eq_ignore_ascii_case(b".log")
        || name.windows(5).any(|part| part.eq_ignore_ascii_case(b".log."));
    log_name && parts.any(|dir| dir == "logs" || dir == "all-logs")
}

/// YAML is only attempted where it is plausible: a `.yaml`/`.yml` name, or a
/// first meaningful line that opens a document or a Kubernetes object.
/// Anything else (logs, text) is left alone, which keeps logs cheap.
fn looks_like_yaml(path: &str, head: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return true;
    }
    // Line by line, so that a log's first line is all that gets converted.
    let first = head
        .split(|&b| b == b'\n')
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match std::str::from_utf8(line) {
                Ok(line) => Cow::Borrowed(line),
                Err(_) => String::from_utf8_lossy(line),
            }
        })
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'));
    first.is_some_and(|l| {
        let l = l.trim_end();
        l == "---" || ["apiVersion:", "kind:", "items:", "metadata:"].iter().any(|k| l.starts_with(k))
    })
}

/// Parses every document of a YAML stream with serde_yaml, dropping the
/// empty ones. A broken document costs itself and those after it (the
/// parser cannot resync), but the documents before it are kept. Absurd
/// flow nesting is refused first: libyaml's time grows with its square.
fn yaml_documents<'a, T: IsNull>(
    text: &'a str,
    errors: &mut Vec<String>,
    parse: impl Fn(serde_yaml::Deserializer<'a>) -> Result<T, serde_yaml::Error>,
) -> Vec<T> {
    if nesting::flow_depth_exceeds(text.as_bytes(), nesting::MAX_FLOW_DEPTH) {
        let max = nesting::MAX_FLOW_DEPTH;
        errors.push(format!("invalid YAML: collections nested more than {max} levels deep"));
        return Vec::new();
    }
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        match parse(document) {
            Ok(value) if value.is_null() => {}
            Ok(value) => documents.push(value),
            Err(e) => {
                errors.push(format!("invalid YAML: {e}"));
                break;
            }
        }
    }
    documents
}

trait IsNull {
    fn is_null(&self) -> bool;
}

impl IsNull for Value {
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
}

impl IsNull for Node<'_> {
    fn is_null(&self) -> bool {
        Node::is_null(self)
    }
}

/// A JSON document [`Pruned::check`]ed: read as [`Pruned`] reads it
/// (everything if `ALL`), keeping nothing.
struct Checked<const ALL: bool>;

impl<'de, const ALL: bool> Deserialize<'de> for Checked<ALL> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Pruned::check(ALL).deserialize_from(deserializer).map(|_| Checked)
    }
}

#[cfg(test)]
mod tests;
