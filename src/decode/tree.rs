//! The parsed form of a document that the mapping reads: [`Node`], a JSON
//! value whose strings and keys borrow from the entry's bytes wherever they
//! need no unescaping, and whose maps are short sorted slices rather than
//! `BTreeMap`s. Both parsers build it (serde for JSON and the serde_yaml
//! fallback, [`super::yaml`] for go-yaml output), and the reference decoder
//! converts whole `serde_json::Value`s into it, so one mapping serves all.
//!
//! A tree lives in an [`Arena`] of its own: its arrays, maps and unescaped
//! strings are laid out one after another in a few large blocks and all
//! let go at once when the entry is done, with no walk over the nodes. Built
//! from vectors, every map and array was an allocation of its own, freed
//! again node by node: a scan took 8% more CPU.
//!
//! A map behaves as `serde_json::Map` does: keys sorted, a repeated key
//! keeps its last value. That is what makes lookups and iteration (label
//! order, the case-insensitive fallback) the same whichever parser ran.

use std::borrow::Cow;

use serde_json::{Number, Value};

/// Where a tree's arrays, maps and unescaped strings are kept.
pub use bumpalo::Bump as Arena;

/// The tag is a whole word (`repr(u64)`): the readers move millions of
/// nodes from the call that built them into their parent's list, and
/// with rustc's default one-byte tag those copies stalled on loads that
/// straddle the callee's stores (about 8% of the JSON reader's time).
#[derive(Clone, Debug, PartialEq)]
#[repr(u64)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(&'a str),
    Array(&'a [Node<'a>]),
    Object(Object<'a>),
}

// The word-sized tag costs no room: the payload is word-aligned anyway.
const _: () = assert!(std::mem::size_of::<Node>() == 24);
// Nothing in a tree needs dropping: the arena frees it without a walk.
const _: () = assert!(!std::mem::needs_drop::<Node>());

/// One entry of a map.
pub type Entry<'a> = (&'a str, Node<'a>);

/// Map entries sorted by key, each key once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object<'a>(&'a [Entry<'a>]);

impl<'a> Object<'a> {
    /// Builds a map in `arena` from the entries of `pending` from `base` on,
    /// in document order, taking them off `pending`: sorted (stably), and of
    /// a repeated key only the last value kept, as `serde_json::Map` does.
    /// The readers collect the entries of every map being read on one
    /// shared `pending` list, innermost last.
    pub fn new(arena: &'a Arena, pending: &mut Vec<Entry<'a>>, base: usize) -> Object<'a> {
        let entries = &mut pending[base..];
        if !entries.windows(2).all(|w| key_before(w[0].0, w[1].0)) {
            entries.sort_by(|a, b| a.0.cmp(b.0));
            // Keep the last of each run of equal keys.
            let mut kept = base;
            for at in base..pending.len() {
                if kept > base && pending[kept - 1].0 == pending[at].0 {
                    pending.swap(kept - 1, at);
                } else {
                    pending.swap(kept, at);
                    kept += 1;
                }
            }
            pending.truncate(kept);
        }
        Object(arena.alloc_slice_fill_iter(pending.drain(base..)))
    }

    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &Node<'a>)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }
}

/// `a < b`, deciding most pairs by their first bytes: keys of one map
/// seldom share one, and a whole comparison is a call to `memcmp`.
fn key_before(a: &str, b: &str) -> bool {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a < b,
    }
}

/// `text` kept for as long as the tree: borrowed text as it is, owned
/// text copied into the arena.
pub fn keep<'a>(arena: &'a Arena, text: Cow<'a, str>) -> &'a str {
    match text {
        Cow::Borrowed(text) => text,
        Cow::Owned(text) => arena.alloc_str(&text),
    }
}

/// `items` moved into the arena as an array node.
pub fn array<'a>(arena: &'a Arena, items: impl ExactSizeIterator<Item = Node<'a>>) -> Node<'a> {
    Node::Array(arena.alloc_slice_fill_iter(items))
}

impl<'a> Node<'a> {
    /// A whole `serde_json::Value`, borrowing its strings.
    pub fn from_value(value: &'a Value, arena: &'a Arena) -> Node<'a> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::String(s),
            Value::Array(items) => array(arena, items.iter().map(|v| Node::from_value(v, arena))),
            Value::Object(map) => Node::Object(Object(
                arena
                    .alloc_slice_fill_iter(map.iter().map(|(k, v)| (k.as_str(), Node::from_value(v, arena)))),
            )),
        }
    }

    /// A scalar `serde_json::Value` (what a number token reads as), or
    /// `None` for anything that would have to borrow from it.
    pub fn scalar(value: &Value) -> Option<Node<'static>> {
        match value {
            Value::Null => Some(Node::Null),
            Value::Bool(b) => Some(Node::Bool(*b)),
            Value::Number(n) => Some(Node::Number(n.clone())),
            _ => None,
        }
    }

    /// Back to a `serde_json::Value` (for tests that compare with serde).
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(n.clone()),
            Node::String(s) => Value::String(s.to_string()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect())
            }
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Node::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Node::Object(_))
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Node::Object(map) => Some(map),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_sort_and_keep_the_last_of_a_repeated_key() {
        let arena = Arena::new();
        let node = |s: &'static str| Node::String(s);
        let mut pending = vec![("x", node("0"))];
        pending.extend([
            ("b", node("1")),
            ("a", node("2")),
            ("b", node("3")),
            ("a", node("4")),
            ("c", node("5")),
        ]);
        let object = Object::new(&arena, &mut pending, 1);
        assert_eq!(pending, vec![("x", node("0"))], "the map's entries are taken, the rest left");
        assert_eq!(
            object.iter().collect::<Vec<_>>(),
            vec![("a", &node("4")), ("b", &node("3")), ("c", &node("5"))]
        );
        let value: Value = serde_json::from_str(r#"{"b":"1","a":"2","b":"3","a":"4","c":"5"}"#).unwrap();
        assert_eq!(Node::Object(object).to_value(), value);
    }

    #[test]
    fn key_order_is_str_order() {
        let keys = ["", "a", "A", "ab", "aB", "b", "é", "e", "ea", "\u{0}"];
        for a in keys {
            for b in keys {
                assert_eq!(key_before(a, b), a < b, "{a:?} {b:?}");
            }
        }
    }
}
