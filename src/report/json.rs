//! `--format json`: the [`Report`] as one pretty-printed JSON document.
//!
//! The document is the serde serialisation of the model, field order as
//! declared, so the model *is* the contract (DESIGN §5). Strings are written
//! as they are, and consumers get the bundle's text unaltered apart from the
//! redaction `group` applied. JSON escapes C0 control characters itself; the
//! [`Escaping`] formatter also writes DEL, the C1 controls (U+0080–U+009F,
//! where U+009B is a one-character CSI to some terminals) and the bidi and
//! zero-width characters as `\uXXXX`, so `bundle-scan -f json` on a terminal
//! is as safe as the table. The parsed strings are the same either way.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::Report;

pub(super) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, Escaping(PrettyFormatter::new()));
    report.serialize(&mut serializer)?;
    writeln!(out)
}

/// Pretty-printing, plus `\uXXXX` for the characters a terminal would act on
/// that JSON allows raw.
struct Escaping<'a>(PrettyFormatter<'a>);

fn needs_escape(c: char) -> bool {
    c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) || crate::text::is_invisible_format(c)
}

impl Formatter for Escaping<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c)) {
            out.write_all(&rest.as_bytes()[..at])?;
            write!(out, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        out.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.begin_array(out)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.end_array(out)
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(out, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.end_array_value(out)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.begin_object(out)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.end_object(out)
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(out, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.begin_object_value(out)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.0.end_object_value(out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testdata;
    use super::*;

    fn to_value(report: &Report) -> (String, Value) {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    }

    /// The object's keys, sorted (serde_json's map does not keep order).
    fn keys(v: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = v.as_object().expect("an object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// Asserts that `keys` occur in this order in the document's text.
    fn assert_in_order(text: &str, keys: &[&str]) {
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("no {k}")))
            .collect();
        assert!(positions.is_sorted(), "{keys:?} out of order in\n{text}");
    }

    #[test]
    fn terminal_controls_json_allows_raw_are_escaped_too() {
        let mut report = testdata::report();
        report.findings[0].sample = "a\u{1b}[2J b\u{9b}31m c\u{7f} d\u{202e}e é".to_string();
        let (text, v) = to_value(&report);
        assert!(text.contains(r#"a\u001b[2J b\u009b31m c\u007f d\u202ee é"#), "{text}");
        assert_eq!(v["findings"][0]["sample"], report.findings[0].sample);
    }

    #[test]
    fn document_has_the_contract_keys() {
        let (text, v) = to_value(&testdata::report());
        assert!(text.ends_with("}\n"), "ends with one newline");
        assert_eq!(keys(&v), ["findings", "schema_version", "summary", "unclassified", "warnings"]);
        assert_in_order(&text, &["schema_version", "findings", "unclassified", "summary", "warnings"]);
        assert_eq!(v["schema_version"], 1);

        let finding = &v["findings"][0];
        let finding_keys = [
            "id",
            "title",
            "severity",
            "pods",
            "objects",
            "events",
            "first_seen",
            "last_seen",
            "sample",
            "evidence",
            "fix",
            "runbook_source",
        ];
        assert_in_order(&text, &finding_keys);
        let mut sorted = finding_keys;
        sorted.sort_unstable();
        assert_eq!(keys(finding), sorted);
        assert_eq!(finding["id"], "image-pull/rate-limit");
        assert_eq!(finding["severity"], "critical");
        assert_eq!(finding["events"], 412);
        assert_eq!(finding["first_seen"], "2023-07-11T05:34:12Z");

        let pod = &finding["pods"][0];
        assert_eq!(keys(pod), ["container", "image", "name", "namespace", "node", "owner", "state"]);
        assert_eq!(keys(&pod["owner"]), ["kind", "name"]);
        assert_eq!(pod["owner"]["kind"], "Deployment");
        // A bare pod has a null owner, not a missing one.
        assert_eq!(v["findings"][1]["pods"][0]["owner"], Value::Null);
        // No recorded time is null too.
        assert_eq!(v["findings"][2]["first_seen"], Value::Null);

        assert_eq!(keys(&v["unclassified"][0]), ["count", "example", "objects", "reasons", "template"]);
        assert_eq!(v["unclassified"][0]["count"], 1234);
        assert_eq!(keys(&v["warnings"][0]), ["entry", "message"]);
        for key in
            ["input", "entries", "entries_skipped", "entries_failed", "events", "pods", "pods_affected"]
        {
            assert!(!v["summary"][key].is_null(), "summary.{key}");
        }
        assert_eq!(v["summary"]["input"], "support-bundle-2023-07-11T06-30-00.tar.gz");
    }

    #[test]
    fn control_characters_are_json_escaped_not_raw() {
        let (text, v) = to_value(&testdata::report());
        assert!(!text.contains('\x1b'));
        assert!(text.contains("\\u001b[31m"));
        // The value itself is unaltered.
        assert!(v["unclassified"][0]["example"].as_str().unwrap().contains("\x1b[31m|"));
    }

    #[test]
    fn empty_report_is_still_a_full_document() {
        let (_, v) = to_value(&testdata::empty_report());
        assert_eq!(v["findings"], Value::Array(vec![]));
        assert_eq!(v["unclassified"], Value::Array(vec![]));
        assert_eq!(v["summary"]["pods"], 12);
    }
}
