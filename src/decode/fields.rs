//! Lenient field access over a parsed [`Node`], so one code path reads
//! camelCase API objects and the PascalCase internal types of old kubectl
//! dumps alike. A key is looked up exactly first, then ignoring ASCII case.

use std::borrow::Cow;

use super::tree::{Node, Object};
use crate::model::Text;

/// `value[key]`, exact match first, then case-insensitive.
pub fn get<'a, 'd>(value: &'a Node<'d>, key: &str) -> Option<&'a Node<'d>> {
    debug_assert!(
        super::prune::relevance(key) != super::prune::Keep::Skip,
        "`{key}` is read but pruned away: add it to decode::prune::KEYS"
    );
    let map = value.as_object()?;
    lookup(map, key)
}

fn lookup<'a, 'd>(map: &'a Object<'d>, key: &str) -> Option<&'a Node<'d>> {
    if let Some(v) = map.get(key) {
        return Some(v);
    }
    map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// The first of `keys` that is present and not null.
pub fn any<'a, 'd>(value: &'a Node<'d>, keys: &[&str]) -> Option<&'a Node<'d>> {
    keys.iter().filter_map(|k| get(value, k)).find(|v| !v.is_null())
}

/// Follows a path of keys, each looked up leniently.
pub fn path<'a, 'd>(value: &'a Node<'d>, keys: &[&str]) -> Option<&'a Node<'d>> {
    keys.iter().try_fold(value, |v, k| get(v, k).filter(|v| !v.is_null()))
}

/// A string field; numbers and booleans are rendered, everything else is empty.
pub fn text(value: Option<&Node>) -> Text {
    match value {
        Some(Node::String(s)) => Text::from(&**s),
        Some(Node::Number(n)) => n.to_string().into(),
        Some(Node::Bool(b)) => Text::from(if *b { "true" } else { "false" }),
        _ => Text::default(),
    }
}

/// [`text`], borrowed from the document when the field is a string.
pub fn borrowed<'a>(value: Option<&'a Node>) -> Cow<'a, str> {
    match value {
        Some(Node::String(s)) => Cow::Borrowed(s),
        other => Cow::Owned(text(other).into_string()),
    }
}

/// A non-empty string field, as an option.
pub fn opt_text(value: Option<&Node>) -> Option<Text> {
    Some(text(value)).filter(|s| !s.is_empty())
}

/// An unsigned number, also accepted as a numeric string.
pub fn number(value: Option<&Node>) -> Option<u64> {
    match value? {
        Node::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Node::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A signed number (exit codes can be negative).
pub fn signed(value: Option<&Node>) -> Option<i64> {
    match value? {
        Node::Number(n) => n.as_i64(),
        Node::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn boolean(value: Option<&Node>) -> bool {
    matches!(value, Some(Node::Bool(true))) || matches!(value, Some(Node::String(s)) if *s == "true")
}

/// The elements of an array field (empty for null or anything else).
pub fn array<'a, 'd>(value: Option<&'a Node<'d>>) -> &'a [Node<'d>] {
    match value {
        Some(Node::Array(items)) => items,
        _ => &[],
    }
}

/// A field of the object's metadata: `metadata.<key>`, else `ObjectMeta`,
/// else the key at top level (old internal types flatten ObjectMeta).
pub fn meta<'a, 'd>(object: &'a Node<'d>, key: &str) -> Option<&'a Node<'d>> {
    path(object, &["metadata", key])
        .or_else(|| path(object, &["ObjectMeta", key]))
        .or_else(|| get(object, key).filter(|v| !v.is_null() && !v.is_object()))
}

/// `metadata.namespace` and `metadata.name` as strings.
pub fn namespace_and_name(object: &Node) -> (Text, Text) {
    (text(meta(object, "namespace")), text(meta(object, "name")))
}

/// The controlling owner reference (`controller: true`), else the first.
pub fn owner(object: &Node) -> Option<crate::model::OwnerRef> {
    let refs = array(meta(object, "ownerReferences"));
    let chosen = refs.iter().find(|r| boolean(get(r, "controller"))).or_else(|| refs.first())?;
    let kind = text(get(chosen, "kind"));
    let name = text(get(chosen, "name"));
    (!kind.is_empty() && !name.is_empty()).then_some(crate::model::OwnerRef { kind, name })
}

/// Names from a `[{name: …}]` list such as `imagePullSecrets`.
pub fn names(value: Option<&Node>) -> Vec<Text> {
    array(value).iter().filter_map(|v| opt_text(get(v, "name"))).collect()
}

/// `metadata.labels` as pairs.
pub fn labels(object: &Node) -> Vec<(Text, Text)> {
    pairs(meta(object, "labels"))
}

/// A string map (`labels`, `resources.requests`, `status.allocatable`) as pairs.
pub fn pairs(value: Option<&Node>) -> Vec<(Text, Text)> {
    match value {
        Some(Node::Object(map)) => map.iter().map(|(k, v)| (Text::from(k), text(Some(v)))).collect(),
        _ => Vec::new(),
    }
}
