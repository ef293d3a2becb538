use serde::Deserialize;
use serde_json::Value;

use super::*;

/// The fast reader's documents as `serde_json::Value`s.
fn read(text: &str, mode: Mode) -> Option<Vec<Value>> {
    let arena = Arena::new();
    documents(text, mode, &arena).map(|docs| docs.iter().map(Node::to_value).collect())
}

/// serde_yaml's documents, nulls dropped, as the decoder keeps them.
fn reference(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).expect("serde_yaml reads it"))
        .filter(|v| !v.is_null())
        .collect()
}

/// The fast reader takes `text` and agrees with serde_yaml.
#[track_caller]
fn same(text: &str) {
    let fast = read(text, Mode::Full).unwrap_or_else(|| panic!("fell back on {text:?}"));
    assert_eq!(fast, reference(text), "{text}");
}

/// The fast reader declines `text`.
#[track_caller]
fn declined(text: &str) {
    assert_eq!(read(text, Mode::Full), None, "{text}");
}

#[test]
fn go_yaml_lists() {
    same("apiVersion: v1\nitems:\n- apiVersion: v1\n  count: 3\n  involvedObject:\n    kind: Pod\n    name: p\n  message: 'Error: ErrImagePull'\n  source: {}\n  type: Warning\n- kind: Event\n  series: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n");
    same("---\nkind: PodList\nitems:\n- spec:\n    containers:\n    - args:\n      - --v=2\n      - -x\n      image: a/b@sha256:00\n      ports:\n      - containerPort: 8080\n        protocol: TCP\n");
    same("a:\n  - indented: sequence\n  - 2\nb: c\n");
    same("- - nested\n  - seq\n- x\n-\n- y: 1\n  z:\n");
    same("a: 1\n---\nb: 2\n---\n\n---\n");
}

#[test]
fn scalars_resolve_like_serde_yaml() {
    for scalar in [
        "0",
        "007",
        "-0",
        "+1",
        "-12",
        "0x1f",
        "0o17",
        "0b101",
        "-0x10",
        "1.5",
        "-2.5e3",
        ".inf",
        "-.Inf",
        ".nan",
        "18446744073709551615",
        "-9223372036854775808",
        "true",
        "False",
        "TRUE",
        "yes",
        "no",
        "on",
        "null",
        "Null",
        "~",
        "100m",
        "1Gi",
        "10.128.0.5",
        "2021-09-14T14:27:14Z",
        "1_000",
        "0.",
        ".5",
        "+.inf",
        "inf",
        "NaN",
        "--flag",
        "-x",
        "?x",
        ":x",
        "a:b",
        "a#b",
        "x,y",
        "[x",
    ] {
        if scalar.starts_with(['[']) {
            declined(&format!("k: {scalar}\n"));
        } else {
            same(&format!("k: {scalar}\n"));
            same(&format!("- {scalar}\n"));
        }
    }
}

#[test]
fn folded_and_quoted_strings() {
    same(
        "message: Successfully pulled image \"quay.io/x@sha256:146f\"\n    in 5.504829231s\nreason: Pulled\n",
    );
    same("message: 'Failed to pull image \"q\":\n    rpc error: code = Unknown desc = too many requests'\nx: 1\n");
    same("m: 'it''s'\nd: \"tab\\tnl\\nuni\\u00e9\\x41\\U0001F600 \\\" \\\\ \\/ \\0\\a\\b\\e\\N\\_\\L\\P\"\n");
    same("m: \"folded\n  line\n\n  two breaks\\\n  \\ escaped\"\n");
    same("m: \"trailing   \n   spaces\"\n");
    same("m: 'a\n\n\n  b'\n");
    same("plain: a\n  b\n\n  c\nnext: 1\n");
    same("\"quoted key\": 1\n'single': 2\n\"\": 3\n");
    same("- \"multi\n  line\"\n- 'x'\n");
}

#[test]
fn literal_blocks() {
    same("s: |\n  line 1\n    indented\n\n  line 3\nnext: x\n");
    same("s: |-\n  a\n  b\n\n\nnext: x\n");
    same("s: |+\n  a\n\n\nnext: x\n");
    same("s: |\n\n  after blank\n");
    same("s: |\nt: empty\n");
    same("- |\n  item\n- |-\n  x\n");
    same("s: |\n  tab\there\n");
}

#[test]
fn unknown_shapes_are_declined() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: {b: 1}\n",
        "a: [1, 2]\n",
        "# comment\na: 1\n",
        "a: 1 # comment\n",
        "a: >\n  folded\n",
        "a: |2\n   x\n",
        "a:\r\n  b: 1\r\n",
        "a:\n\tb: 1\n",
        "? complex\n: key\n",
        "1: numeric key\n",
        "true: bool key\n",
        "a: b: c\n",
        "  indented: root\n",
        "just a scalar\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n",
        "a: 1\n b: 2\n",
        "a: 18446744073709551616\n",
        "a: \"unterminated\n",
        "a: \"bad \\q escape\"\n",
        "a: \"x\" trailing\n",
        "a: |\n  no final newline",
        "a: \u{85}\n",
        "a: \x01\n",
        "a:\n- 1\n - 2\n",
    ] {
        declined(text);
    }
}

#[test]
fn pruning_skips_values_by_indentation() {
    let text = "kind: Pod\nmetadata:\n  managedFields:\n  - manager: x\n    fieldsV1:\n      f:a: {}\n  name: p\n  annotations:\n    k: |\n      a: b\n      - c\n    j: \"multi\n      line\"\n  labels:\n    app: a\nspec:\n  volumes:\n  - name: v\n  containers:\n  - name: c\n    env: &anchor\n      x: [1]\n";
    let pruned = read(text, Mode::Pruned).expect("read");
    let want = serde_json::json!({"kind":"Pod","metadata":{"name":"p","labels":{"app":"a"}},
        "spec":{"containers":[{"name":"c"}]}});
    assert_eq!(pruned, vec![want]);
}

/// xorshift64*: a deterministic source for the generated documents below.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % n as u64) as usize
    }
}

fn random_string(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "Pod",
        " ",
        "  ",
        ": ",
        "#",
        " #",
        "'",
        "\"",
        "\\",
        "\n",
        "\n\n",
        "\t",
        "-",
        "- ",
        "1",
        "0",
        "07",
        ".5",
        "true",
        "null",
        "~",
        "é",
        "日本",
        "{",
        "}",
        "[",
        "]",
        ",",
        "&",
        "*",
        "!",
        "|",
        ">",
        "%",
        "@",
        "`",
        "?",
        "e3",
        "0x1f",
        "Failed to pull image \"quay.io/x/y:latest\"",
        "rpc error: code = Unknown desc = failed to pull and unpack image",
        "a-very-long-word-that-go-yaml-would-have-to-fold-somewhere-around-eighty-columns",
    ];
    (0..rng.below(12)).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

/// Keys as Kubernetes writes them, plus a few that need quoting.
fn random_key(rng: &mut Rng) -> String {
    const KEYS: &[&str] = &[
        "kind",
        "metadata",
        "name",
        "app.kubernetes.io/name",
        "message",
        "reason",
        "items",
        "x",
        "",
        "with space",
        "'quoted'",
        "a: b",
        "#hash",
        "- dash",
        "true",
        "1",
        "~",
        "é",
    ];
    KEYS[rng.below(KEYS.len())].to_string()
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Number((rng.below(100_000) as i64 - 500).into()),
        3 | 4 => Value::String(random_string(rng)),
        5 | 6 => Value::Object(
            (0..rng.below(5)).map(|_| (random_key(rng), random_value(rng, depth + 1))).collect(),
        ),
        _ => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect()),
    }
}

/// Random documents written by serde_yaml's emitter (libyaml's, which
/// writes block style the way go-yaml does): whatever the fast reader
/// accepts, it must read as serde_yaml does.
#[test]
fn generated_documents_agree_with_serde_yaml() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut accepted, mut total) = (0, 0);
    for _ in 0..3000 {
        let value = Value::Object((0..4).map(|i| (format!("k{i}"), random_value(&mut rng, 0))).collect());
        let text = serde_yaml::to_string(&value).expect("serialise");
        total += 1;
        if let Some(fast) = read(&text, Mode::Full) {
            accepted += 1;
            assert_eq!(fast, reference(&text), "{text}");
        } else if std::env::var_os("SHOW_DECLINED").is_some() {
            eprintln!("declined:\n{text}");
        }
        // Pruned reading of the same text agrees with pruned serde_yaml.
        if let Some(fast) = read(&text, Mode::Pruned) {
            let arena = Arena::new();
            let slow: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
                .map(|d| super::super::prune::Pruned::new(false, &arena).deserialize_from(d).expect("read"))
                .filter(|v| !v.is_null())
                .map(|v| v.to_value())
                .collect();
            assert_eq!(fast, slow, "{text}");
        }
    }
    // Most of them are inside the subset; if not, the reader is too timid.
    assert!(accepted * 2 > total, "fast reader took only {accepted} of {total}");
}

/// The quick pass of `plain_text` (64 bytes at a time) decides as the
/// careful one does, wherever in a chunk the odd byte falls.
#[test]
fn plain_text_finds_an_odd_byte_anywhere() {
    for len in [0, 1, 63, 64, 65, 130] {
        let clean = vec![b'a'; len];
        assert!(plain_text(&clean));
        for at in 0..len {
            for odd in [0u8, b'\r', b'\t', 0x7f, 0x1b, b'~', b' ', b'\n', 0xc3] {
                let mut text = clean.clone();
                text[at] = odd;
                assert_eq!(plain_text(&text), no_special_characters(&text), "{odd:#x} at {at} of {len}");
            }
        }
    }
    // What the careful pass turns down: a C1 control in UTF-8 (NEL).
    assert!(!plain_text("a\u{85}b".as_bytes()));
}

#[test]
fn indent_counts_leading_spaces_only() {
    for spaces in 0..20 {
        for rest in ["", "a", "- x", "\tb", " ", "é"] {
            let line = format!("{}{rest}", " ".repeat(spaces));
            let expected = line.len() - line.trim_start_matches(' ').len();
            assert_eq!(indent_of(&line), expected, "{line:?}");
            assert_eq!(is_blank(&line), line.bytes().all(|b| b == b' '), "{line:?}");
        }
    }
}
