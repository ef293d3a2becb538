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

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::tree::{Node, Object};

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

/// Deserializes a document into a [`Node`] holding only what [`relevance`]
/// keeps (`all: true` keeps everything), borrowing strings from the input
/// where the deserializer allows.
#[derive(Clone, Copy, Debug)]
pub struct Pruned {
    pub all: bool,
}

impl Pruned {
    pub fn deserialize_from<'de, D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Node<'de>, D::Error> {
        DeserializeSeed::deserialize(self, deserializer)
    }
}

impl<'de> DeserializeSeed<'de> for Pruned {
    type Value = Node<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

// Mirrors `serde_json::Value`'s own visitor, so the kept parts are equal to
// what `Value::deserialize` builds.
impl<'de> Visitor<'de> for Pruned {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }

    // Whatever `Value` makes of integers beyond 64 bits (YAML has them).
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node<'de>, E> {
        let value: Value = serde::Deserialize::deserialize(de::IntoDeserializer::<E>::into_deserializer(v))?;
        Ok(Node::from_value(&value).into_owned())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node<'de>, E> {
        let value: Value = serde::Deserialize::deserialize(de::IntoDeserializer::<E>::into_deserializer(v))?;
        Ok(Node::from_value(&value).into_owned())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        self.deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            let keep = if self.all { Keep::All } else { relevance(&key) };
            let value = match keep {
                Keep::Skip => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Keep::Pruned => map.next_value_seed(Pruned { all: false })?,
                Keep::All => map.next_value_seed(Pruned { all: true })?,
            };
            entries.push((key, value));
        }
        Ok(Node::Object(Object::new(entries)))
    }
}

/// A map key, borrowed from the input when it holds no escapes. Read with
/// `deserialize_str`, as `serde_json::Value` reads its keys.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pruned(json: &str) -> Value {
        Pruned { all: false }.deserialize(&mut serde_json::Deserializer::from_str(json)).unwrap().to_value()
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
        let full = Pruned { all: true }
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
