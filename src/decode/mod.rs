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
//! Field access is lenient ([`fields`]) so every variant goes through one
//! code path. Entries that hold none of our kinds (logs, binaries, other
//! resources) come back unrecognised or empty, not as errors.

mod fields;
mod nesting;
mod objects;

use serde_json::Value;

use crate::input::Entry;
use crate::model::Objects;

/// What one entry turned out to hold.
#[derive(Debug, Default)]
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
pub fn decode(entry: &Entry) -> Decoded {
    let data = strip_bom(&entry.data);
    let head = &data[..data.len().min(SNIFF_BYTES)];
    if head.contains(&0) {
        return Decoded::default(); // binary
    }
    let mut decoded = Decoded::default();
    let start = data.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else { return decoded };
    let documents = match data[start] {
        b'{' | b'[' => {
            let documents = json_documents(&data[start..], &mut decoded.errors);
            // A log line such as `[INFO] plugin/reload` or `{"level":…` text
            // that is not JSON at all is a log, not a broken JSON file. Only
            // a file named .json is expected to be JSON from its first byte.
            if documents.is_empty() && !is_json_name(&entry.path) {
                return Decoded::default();
            }
            documents
        }
        _ if looks_like_yaml(&entry.path, head) => yaml_documents(data, &mut decoded.errors),
        _ => return decoded,
    };
    decoded.recognised = true;
    for document in &documents {
        objects::collect(document, &mut decoded.objects);
    }
    collector_files(&entry.path, &documents, &mut decoded.objects);
    decoded
}

/// Files a support-bundle collector writes about the cluster rather than
/// Kubernetes objects: troubleshoot's `<kind>-errors.json` (what it could not
/// list, usually RBAC) and `image-pull-secrets/<ns>/<secret>.json` (which pull
/// secrets exist; the file maps registries to user names, never passwords).
fn collector_files(path: &str, documents: &[Value], out: &mut crate::model::Objects) {
    let file = path.rsplit('/').next().unwrap_or(path);
    if file.ends_with("errors.json") {
        for document in documents {
            let mut messages = Vec::new();
            string_leaves(document, &mut messages);
            out.not_collected.extend(
                messages
                    .into_iter()
                    .map(|message| crate::model::NotCollected { entry: path.to_string(), message }),
            );
        }
    }
    let parts: Vec<&str> = path.split('/').collect();
    if let [.., "image-pull-secrets", namespace, file] = parts.as_slice() {
        if let Some(name) = file.strip_suffix(".json").filter(|n| !n.is_empty()) {
            out.secrets.push(crate::model::SecretName {
                namespace: namespace.to_string(),
                name: name.to_string(),
                secret_type: "kubernetes.io/dockerconfigjson".to_string(),
            });
        }
    }
}

/// Every non-empty string inside `value`, depth first.
fn string_leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| string_leaves(v, out)),
        Value::Object(map) => map.values().for_each(|v| string_leaves(v, out)),
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

fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)
}

/// Parses one or more JSON documents. Invalid UTF-8 inside strings is
/// replaced rather than rejected, so one bad byte does not cost the entry.
fn json_documents(data: &[u8], errors: &mut Vec<String>) -> Vec<Value> {
    let lossy;
    let data = match std::str::from_utf8(data) {
        Ok(_) => data,
        Err(_) => {
            lossy = String::from_utf8_lossy(data).into_owned();
            lossy.as_bytes()
        }
    };
    let mut documents = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    for document in stream.by_ref() {
        match document {
            Ok(value) => documents.push(value),
            Err(e) => {
                let rest = &data[stream.byte_offset().min(data.len())..];
                // `kubectl cluster-info dump` to stdout appends the pod logs
                // after its JSON documents; they start with "==== START logs".
                if documents.is_empty() || !trimmed_start(rest).starts_with(b"====") {
                    errors.push(format!("invalid JSON: {e}"));
                }
                break;
            }
        }
    }
    documents
}

fn trimmed_start(data: &[u8]) -> &[u8] {
    let start = data.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(data.len());
    &data[start..]
}

/// YAML is only attempted where it is plausible: a `.yaml`/`.yml` name, or a
/// first meaningful line that opens a document or a Kubernetes object.
/// Anything else (logs, text) is left alone, which keeps logs cheap.
fn looks_like_yaml(path: &str, head: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return true;
    }
    let text = String::from_utf8_lossy(head);
    let first = text.lines().map(str::trim_end).find(|l| !l.trim().is_empty() && !l.starts_with('#'));
    first.is_some_and(|l| {
        l == "---" || ["apiVersion:", "kind:", "items:", "metadata:"].iter().any(|k| l.starts_with(k))
    })
}

/// Parses every document of a YAML stream into JSON values. A broken
/// document costs itself and those after it (the parser cannot resync), but
/// the documents before it are kept.
fn yaml_documents(data: &[u8], errors: &mut Vec<String>) -> Vec<Value> {
    use serde::Deserialize;
    if nesting::flow_depth_exceeds(data, nesting::MAX_FLOW_DEPTH) {
        let max = nesting::MAX_FLOW_DEPTH;
        errors.push(format!("invalid YAML: collections nested more than {max} levels deep"));
        return Vec::new();
    }
    let text = String::from_utf8_lossy(data);
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(&text) {
        match Value::deserialize(document) {
            Ok(Value::Null) => {}
            Ok(value) => documents.push(value),
            Err(e) => {
                errors.push(format!("invalid YAML: {e}"));
                break;
            }
        }
    }
    documents
}

#[cfg(test)]
mod tests;
