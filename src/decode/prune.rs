//! Parsing only what the mapping reads.
//!
//! Owns [`relevance`], which says of every key whether the mapping in
//! [`super::objects`] ever looks it up, and [`Pruned`], a serde seed that
//! builds the same tree a plain `Value::deserialize` would (as a [`Node`]),
//! minus every map entry whose key it never looks up: `managedFields`,
//! annotations, pod spec volumes, container env and so on are skipped with
//! `IgnoredAny` (no allocation), which is most of the bytes of an API object.
//! The JSON and go-yaml readers prune by the same [`relevance`]; `Pruned`
//! serves their serde fallbacks.
//!
//! Which keys are kept is decided by name alone, ignoring ASCII case (the
//! mapping looks keys up case-insensitively) and wherever the key sits, so
//! the pruned tree holds every path the mapping can reach: the mapping reads
//! the same values from it as from the full tree, whatever the document's
//! shape. Under a few keys whose values are free-form maps (`labels`,
//! `requests`, `limits`, `allocatable`) everything is kept.
//!
//! Adding a field to the mapping means adding its key to [`KEYS`];
//! [`super::fields::get`] asserts that in debug builds, and the tests compare
//! pruned and full decoding on every fixture.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::tree::{self, Arena, Node, Object};

/// What to do with the value of a map entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Not read by the mapping: skipped.
    Skip,
    /// Read; its own entries are pruned in turn.
    Pruned,
    /// A free-form map the mapping copies whole: kept entirely.
    All,
}

/// Every key the mapping reads, lowercase, with what to keep of its value.
const KEYS: &[(&str, Keep)] = &[
    // Free-form maps copied whole.
    ("labels", Keep::All),
    ("requests", Keep::All),
    ("limits", Keep::All),
    ("allocatable", Keep::All),
    // Lists, kinds and object metadata.
    ("kind", Keep::Pruned),
    ("items", Keep::Pruned),
    ("metadata", Keep::Pruned),
    ("objectmeta", Keep::Pruned),
    ("name", Keep::Pruned),
    ("namespace", Keep::Pruned),
    ("uid", Keep::Pruned),
    ("creationtimestamp", Keep::Pruned),
    ("ownerreferences", Keep::Pruned),
    ("controller", Keep::Pruned),
    // Events: core/v1, events.k8s.io/v1 and the Insights compact format.
    ("involvedobject", Keep::Pruned),
    ("regarding", Keep::Pruned),
    ("fieldpath", Keep::Pruned),
    ("reason", Keep::Pruned),
    ("message", Keep::Pruned),
    ("note", Keep::Pruned),
    ("type", Keep::Pruned),
    ("count", Keep::Pruned),
    ("series", Keep::Pruned),
    ("deprecatedcount", Keep::Pruned),
    ("lastobservedtime", Keep::Pruned),
    ("eventtime", Keep::Pruned),
    ("firsttimestamp", Keep::Pruned),
    ("lasttimestamp", Keep::Pruned),
    ("deprecatedfirsttimestamp", Keep::Pruned),
    ("deprecatedlasttimestamp", Keep::Pruned),
    ("reportingcontroller", Keep::Pruned),
    ("reportingcomponent", Keep::Pruned),
    ("reportinginstance", Keep::Pruned),
    ("source", Keep::Pruned),
    ("deprecatedsource", Keep::Pruned),
    ("host", Keep::Pruned),
    // Pods and their containers.
    ("spec", Keep::Pruned),
    ("status", Keep::Pruned),
    ("containers", Keep::Pruned),
    ("initcontainers", Keep::Pruned),
    ("image", Keep::Pruned),
    ("resources", Keep::Pruned),
    ("nodename", Keep::Pruned),
    ("imagepullsecrets", Keep::Pruned),
    ("serviceaccountname", Keep::Pruned),
    ("serviceaccount", Keep::Pruned),
    ("phase", Keep::Pruned),
    ("conditions", Keep::Pruned),
    ("containerstatuses", Keep::Pruned),
    ("initcontainerstatuses", Keep::Pruned),
    ("ready", Keep::Pruned),
    ("restartcount", Keep::Pruned),
    ("state", Keep::Pruned),
    ("laststate", Keep::Pruned),
    ("lastterminationstate", Keep::Pruned),
    ("waiting", Keep::Pruned),
    ("terminated", Keep::Pruned),
    ("exitcode", Keep::Pruned),
    // Nodes.
    ("nodeinfo", Keep::Pruned),
    ("architecture", Keep::Pruned),
    ("operatingsystem", Keep::Pruned),
    ("unschedulable", Keep::Pruned),
];

/// Longest key in [`KEYS`]; longer keys are never relevant.
const LONGEST_KEY: usize = 24;

/// [`KEYS`] grouped by length and first letter: most keys of a document
/// are rejected by those alone, and the rest compared with one candidate
/// or two. This runs for every key of every object in a bundle.
fn keys_by_shape() -> &'static [Vec<(&'static str, Keep)>] {
    static TABLE: std::sync::OnceLock<Vec<Vec<(&'static str, Keep)>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![Vec::new(); (LONGEST_KEY + 1) * 32];
        for &(key, keep) in KEYS {
            table[shape(key).expect("KEYS are short and not empty")].push((key, keep));
        }
        table
    })
}

/// The slot of `key` in [`keys_by_shape`]: its length and its first byte's
/// low five bits, which are the same for a letter in either case.
fn shape(key: &str) -> Option<usize> {
    let first = *key.as_bytes().first()?;
    (key.len() <= LONGEST_KEY).then(|| key.len() * 32 + usize::from(first & 0x1f))
}

/// Whether the mapping reads the key `key` anywhere (ignoring ASCII case).
pub fn relevance(key: &str) -> Keep {
    shape(key)
        .and_then(|slot| keys_by_shape()[slot].iter().find(|(k, _)| lowercase_letters_match(k, key)))
        .map_or(Keep::Skip, |&(_, keep)| keep)
}

/// `key.eq_ignore_ascii_case(letters)` for `letters` of the same length
/// made only of `a`–`z`, eight bytes at a time: a byte ORed with 0x20
/// equals a lowercase letter only if it is that letter in either case.
fn lowercase_letters_match(letters: &str, key: &str) -> bool {
    const CASE: u64 = u64::from_ne_bytes([0x20; 8]);
    let (mut letters, mut key) = (letters.as_bytes(), key.as_bytes());
    debug_assert_eq!(letters.len(), key.len());
    while let (Some((l, l_rest)), Some((k, k_rest))) =
        (letters.split_first_chunk::<8>(), key.split_first_chunk::<8>())
    {
        if u64::from_ne_bytes(*k) | CASE != u64::from_ne_bytes(*l) {
            return false;
        }
        (letters, key) = (l_rest, k_rest);
    }
    letters.iter().zip(key).all(|(&l, &k)| k | 0x20 == l)
}

/// Deserializes a document into a [`Node`] in an arena holding only what
/// [`relevance`] keeps (`all: true` keeps everything), borrowing strings
/// from the input where the deserializer allows.
///
/// Without an arena ([`Pruned::check`]) it builds nothing, but walks the
/// document exactly as it would build it, so the deserializer finds the
/// same errors at the same places.
#[derive(Clone, Copy, Debug)]
pub struct Pruned<'a> {
    all: bool,
    arena: Option<&'a Arena>,
}

impl<'a> Pruned<'a> {
    pub fn new(all: bool, arena: &'a Arena) -> Self {
        Pruned { all, arena: Some(arena) }
    }

    /// Walks a document as [`Pruned::new`] reads it, keeping nothing: what
    /// it returns is always `Node::Null`.
    pub fn check(all: bool) -> Self {
        Pruned { all, arena: None }
    }

    pub fn deserialize_from<'de: 'a, D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Node<'a>, D::Error> {
        DeserializeSeed::deserialize(self, deserializer)
    }

    fn with(self, all: bool) -> Self {
        Pruned { all, ..self }
    }
}

/// What serde_json's `Value` makes of a number it reads differently from
/// its parts (integers beyond 64 bits).
fn as_value<'a, E: de::Error>(value: Result<Value, E>) -> Result<Node<'a>, E> {
    Node::scalar(&value?).ok_or_else(|| E::custom("a number read as neither a number nor null"))
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Pruned<'a> {
    type Value = Node<'a>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node<'a>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

// Mirrors `serde_json::Value`'s own visitor, so the kept parts are equal to
// what `Value::deserialize` builds.
impl<'de: 'a, 'a> Visitor<'de> for Pruned<'a> {
    type Value = Node<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node<'a>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node<'a>, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node<'a>, E> {
        Ok(Node::Number(v.into()))
    }

    // Whatever `Value` makes of integers beyond 64 bits (YAML has them).
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node<'a>, E> {
        as_value(serde::Deserialize::deserialize(de::IntoDeserializer::<E>::into_deserializer(v)))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node<'a>, E> {
        as_value(serde::Deserialize::deserialize(de::IntoDeserializer::<E>::into_deserializer(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node<'a>, E> {
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'a>, E> {
        Ok(Node::String(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node<'a>, E> {
        Ok(self.arena.map_or(Node::Null, |arena| Node::String(arena.alloc_str(v))))
    }

    fn visit_none<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node<'a>, D::Error> {
        self.deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
        let Some(arena) = self.arena else {
            while seq.next_element_seed(self)?.is_some() {}
            return Ok(Node::Null);
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(tree::array(arena, items.into_iter()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, keep)) = map.next_key_seed(Key(self))? {
            let value = match keep {
                Keep::Skip => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Keep::Pruned => map.next_value_seed(self.with(false))?,
                Keep::All => map.next_value_seed(self.with(true))?,
            };
            if self.arena.is_some() {
                entries.push((key, value));
            }
        }
        Ok(self.arena.map_or(Node::Null, |arena| Node::Object(Object::new(arena, &mut entries, 0))))
    }
}

/// Reads a map key and what to keep of its value: borrowed from the input
/// when it holds no escapes, else copied into the arena (empty when only
/// checking). Read with `deserialize_str`, as `serde_json::Value` reads
/// its keys.
struct Key<'a>(Pruned<'a>);

impl Key<'_> {
    fn keep(&self, key: &str) -> Keep {
        if self.0.all {
            Keep::All
        } else {
            relevance(key)
        }
    }
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Key<'a> {
    type Value = (&'a str, Keep);

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Key<'a> {
    type Value = (&'a str, Keep);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok((v, self.keep(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((self.0.arena.map_or("", |arena| arena.alloc_str(v)), self.keep(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pruned(json: &str) -> Value {
        let arena = Arena::new();
        Pruned::new(false, &arena)
            .deserialize(&mut serde_json::Deserializer::from_str(json))
            .unwrap()
            .to_value()
    }

    #[test]
    fn keeps_what_the_mapping_reads_and_nothing_else() {
        let v = pruned(
            r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","managedFields":[{"x":1}],
            "labels":{"app":"a","anything":{"deep":1}},"annotations":{"a":"b"}},
            "spec":{"volumes":[{"name":"v"}],"containers":[{"name":"c","env":[{"name":"E"}],
            "resources":{"requests":{"cpu":"1"},"claims":[]}}]},"Status":{"Phase":"Running"}}"#,
        );
        let want = serde_json::json!({"kind":"Pod","metadata":{"name":"p",
            "labels":{"app":"a","anything":{"deep":1}}},
            "spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]},
            "Status":{"Phase":"Running"}});
        assert_eq!(v, want);
    }

    #[test]
    fn relevance_ignores_ascii_case_and_nothing_else() {
        // `lowercase_letters_match` is only right for keys of a–z alone.
        assert!(KEYS.iter().all(|(key, _)| key.bytes().all(|b| b.is_ascii_lowercase())));
        for &(key, keep) in KEYS {
            assert_eq!(relevance(key), keep, "{key}");
            assert_eq!(relevance(&key.to_ascii_uppercase()), keep, "{key}");
            // One byte changed to one that is not the letter in either
            // case: the bytes just outside `A`–`Z` and `a`–`z`, a digit,
            // punctuation.
            for at in 0..key.len() {
                for other in [b'@', b'`', b'{', b'[', b'0', b'-', b'_', b'.'] {
                    let mut changed = key.as_bytes().to_vec();
                    changed[at] = other;
                    let changed = String::from_utf8(changed).unwrap();
                    assert_eq!(relevance(&changed), Keep::Skip, "{changed}");
                }
            }
        }
        assert_eq!(relevance("managedFields"), Keep::Skip);
        assert_eq!(relevance("involvedObject"), Keep::Pruned);
        assert_eq!(relevance("InvolvedObject"), Keep::Pruned);
        assert_eq!(relevance("involvedObjecT"), Keep::Pruned);
        assert_eq!(relevance("involvedobjec"), Keep::Skip);
        assert_eq!(relevance("Labels"), Keep::All);
        assert_eq!(relevance("ſtatus"), Keep::Skip); // not ASCII: no case folding
    }

    #[test]
    fn all_keeps_everything_like_value() {
        let text = r#"{"a":[1,-2,3.5,true,null,"s\"q"],"b":{"c":{}},"a":18446744073709551616}"#;
        let arena = Arena::new();
        let full = Pruned::new(true, &arena)
            .deserialize(&mut serde_json::Deserializer::from_str(text))
            .unwrap()
            .to_value();
        assert_eq!(full, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn the_key_table_is_lowercase_and_fits() {
        for (key, _) in KEYS {
            assert_eq!(key.to_ascii_lowercase(), *key);
            assert!(key.len() <= LONGEST_KEY, "{key}");
        }
    }

    #[test]
    fn relevance_ignores_case_and_long_keys() {
        assert_eq!(relevance("InvolvedObject"), Keep::Pruned);
        assert_eq!(relevance("LABELS"), Keep::All);
        assert_eq!(relevance("managedFields"), Keep::Skip);
        assert_eq!(relevance(&"k".repeat(100)), Keep::Skip);
        assert_eq!(relevance(""), Keep::Skip);
        // Same length, first byte with the same low bits as `k`.
        assert_eq!(relevance("+ind"), Keep::Skip);
        for &(key, keep) in KEYS {
            assert_eq!(relevance(&key.to_ascii_uppercase()), keep, "{key}");
            // Every one-byte change, against a plain search of the table.
            for at in 0..key.len() {
                for byte in 0..=127u8 {
                    let mut changed = key.as_bytes().to_vec();
                    changed[at] = byte;
                    let changed = String::from_utf8(changed).unwrap();
                    let expected = KEYS.iter().find(|(k, _)| k.eq_ignore_ascii_case(&changed));
                    assert_eq!(
                        relevance(&changed),
                        expected.map_or(Keep::Skip, |&(_, keep)| keep),
                        "{changed:?}"
                    );
                }
            }
        }
    }
}
