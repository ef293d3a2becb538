//! Writes a JSON value as YAML the way go-yaml v2 (`oc`, `kubectl -o yaml`,
//! must-gathers) does: a leading `---`, keys in sorted order (serde_json's
//! map is sorted), two-space indentation, sequences at their key's indent,
//! strings plain where YAML would read them back as strings and quoted where
//! not (`"21439"`, `"2024-05-14T10:00:00Z"`, `'Error: ErrImagePull'`),
//! multi-line strings as `|` blocks, and long plain and single-quoted
//! strings folded after column 80.

use serde_json::{Map, Value};

/// go-yaml's `best_width`.
const WIDTH: usize = 80;

pub fn to_yaml(value: &Value) -> Vec<u8> {
    let mut out = String::from("---\n");
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0, false),
        other => {
            scalar(&mut out, other, 0);
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `inline`: the first key goes on the current line (after `- `).
fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        string(out, key, indent + 2);
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                mapping(out, inner, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(out, items, indent, false);
            }
            _ => {
                out.push(' ');
                scalar(out, value, indent + 2);
                out.push('\n');
            }
        }
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize, inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, map, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => sequence(out, inner, indent + 2, true),
            _ => {
                scalar(out, item, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar, or `{}`/`[]`; continuation lines are indented by `indent`.
fn scalar(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(out, s, indent),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn string(out: &mut String, s: &str, indent: usize) {
    let printable = s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control());
    if !printable || s.starts_with([' ', '\n']) || (s.contains('\n') && s.lines().any(|l| l.ends_with(' '))) {
        double_quoted(out, s);
    } else if s.contains('\n') && !s.trim_end_matches('\n').is_empty() {
        literal(out, s, indent);
    } else if s.contains('\n') || s.is_empty() || resolves_to_non_string(s) {
        double_quoted(out, s);
    } else if needs_quotes(s) {
        out.push('\'');
        folded(out, &s.replace('\'', "''"), indent);
        out.push('\'');
    } else {
        folded(out, s, indent);
    }
}

/// Whether a plain scalar would be read back as something other than this
/// string (go-yaml v2 resolves YAML 1.1 booleans, numbers and timestamps).
fn resolves_to_non_string(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let words =
        ["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf", ".nan"];
    if words.contains(&lower.as_str()) {
        return true;
    }
    let numeric = s.trim_start_matches(['+', '-']);
    let looks_numeric = numeric.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let timestamp = s.len() >= 10 && s.as_bytes()[4] == b'-' && s[..4].bytes().all(|b| b.is_ascii_digit());
    looks_numeric
        && (s.parse::<f64>().is_ok() || numeric.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || timestamp
}

fn needs_quotes(s: &str) -> bool {
    s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
    ]) || s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || s.contains('\t')
}

/// Writes `s`, breaking at a single space once past [`WIDTH`] (never
/// before a word that starts with an indicator, which would read differently
/// at the start of a line).
fn folded(out: &mut String, s: &str, indent: usize) {
    let mut column = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let breakable = c == ' '
            && column > WIDTH
            && i > 0
            && chars[i - 1] != ' '
            && chars.get(i + 1).is_some_and(|n| *n != ' ' && !"-#?:,[]{}&*!|>'\"%@`".contains(*n));
        if breakable {
            out.push('\n');
            pad(out, indent);
            column = indent;
        } else {
            out.push(c);
            column += 1;
        }
    }
}

fn literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    for line in s[..body.len()].split('\n').chain(std::iter::repeat_n("", trailing.saturating_sub(1))) {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
