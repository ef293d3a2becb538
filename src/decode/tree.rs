//! The parsed form of a document that the mapping reads: [`Node`], a JSON
//! value whose strings and keys borrow from the entry's bytes wherever they
//! need no unescaping, and whose maps are short sorted vectors rather than
//! `BTreeMap`s. Both parsers build it (serde for JSON and the serde_yaml
//! fallback, [`super::yaml`] for go-yaml output), and the reference decoder
//! converts whole `serde_json::Value`s into it, so one mapping serves all.
//!
//! A map behaves as `serde_json::Map` does: keys sorted, a repeated key
//! keeps its last value. That is what makes lookups and iteration (label
//! order, the case-insensitive fallback) the same whichever parser ran.

use std::borrow::Cow;

use serde_json::{Number, Value};

/// The tag is a whole word (`repr(u64)`): the readers move millions of
/// nodes from the call that built them into their parent's vector, and
/// with rustc's default one-byte tag those copies stalled on loads that
/// straddle the callee's stores (about 8% of the JSON reader's time).
#[derive(Clone, Debug, PartialEq)]
#[repr(u64)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Object<'a>),
}

// The word-sized tag costs no room: the payload is word-aligned anyway.
const _: () = assert!(std::mem::size_of::<Node>() == 32);

/// Map entries sorted by key, each key once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Node<'a>)>);

impl<'a> Object<'a> {
    /// Builds a map from entries in document order: sorted (stably), and of
    /// a repeated key only the last value kept, as `serde_json::Map` does.
    pub fn new(mut entries: Vec<(Cow<'a, str>, Node<'a>)>) -> Object<'a> {
        if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            // Keep the last of each run of equal keys.
            let mut kept: Vec<(Cow<'a, str>, Node<'a>)> = Vec::with_capacity(entries.len());
            for entry in entries {
                match kept.last_mut() {
                    Some(last) if last.0 == entry.0 => *last = entry,
                    _ => kept.push(entry),
                }
            }
            entries = kept;
        }
        Object(entries)
    }

    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node<'a>)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl<'a> Node<'a> {
    /// A whole `serde_json::Value`, borrowing its strings.
    pub fn from_value(value: &'a Value) -> Node<'a> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::String(Cow::Borrowed(s)),
            Value::Array(items) => Node::Array(items.iter().map(Node::from_value).collect()),
            Value::Object(map) => Node::Object(Object(
                map.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), Node::from_value(v))).collect(),
            )),
        }
    }

    /// The same tree, owning its strings.
    pub fn into_owned(self) -> Node<'static> {
        match self {
            Node::Null => Node::Null,
            Node::Bool(b) => Node::Bool(b),
            Node::Number(n) => Node::Number(n),
            Node::String(s) => Node::String(Cow::Owned(s.into_owned())),
            Node::Array(items) => Node::Array(items.into_iter().map(Node::into_owned).collect()),
            Node::Object(map) => Node::Object(Object(
                map.0.into_iter().map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned())).collect(),
            )),
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
        let node = |s: &'static str| Node::String(Cow::Borrowed(s));
        let object = Object::new(vec![
            ("b".into(), node("1")),
            ("a".into(), node("2")),
            ("b".into(), node("3")),
            ("a".into(), node("4")),
        ]);
        assert_eq!(object.iter().collect::<Vec<_>>(), vec![("a", &node("4")), ("b", &node("3"))]);
        let value: Value = serde_json::from_str(r#"{"b":"1","a":"2","b":"3","a":"4"}"#).unwrap();
        assert_eq!(Node::Object(object).to_value(), value);
    }
}
