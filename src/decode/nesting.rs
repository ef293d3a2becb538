//! A guard in front of the YAML parser against absurd flow nesting.
//!
//! libyaml (under `serde_yaml`) keeps one "simple key" slot per open flow
//! collection and re-checks all of them for every token, so a document that
//! opens N `[` or `{` costs O(N²): a 1 MB entry of `[` (1 KB gzipped) takes
//! many minutes before the deserializer's own depth limit (128) ever sees
//! it. [`flow_depth_exceeds`] finds such nesting in one linear pass first.
//!
//! The scan follows YAML's rules only as far as needed to never undercount
//! a real flow collection: quoted scalars and comments are skipped, and in
//! block context a bracket counts only where a node begins (after `key:`,
//! `- `, `? ` or at the start of a line), so `message: Back-off [x` is text.
//! What it may overcount (brackets in block scalars) is far below the limit
//! in any real file, and anything deeper than 128 fails to deserialize anyway.

/// Flow nesting deeper than this is rejected before parsing; 1000 levels
/// cost libyaml about a millisecond.
pub(super) const MAX_FLOW_DEPTH: usize = 1000;

/// Whether `text` opens more than `limit` nested flow collections.
pub(super) fn flow_depth_exceeds(text: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    // The last byte that is not a space or tab on the current line, if any.
    let mut last: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let after_space = i == 0 || matches!(text[i - 1], b' ' | b'\t' | b'\n' | b'\r');
        let node_start = match last {
            None => true,
            Some(prev) if depth > 0 => matches!(prev, b'[' | b'{' | b',' | b':' | b'?') || after_space,
            Some(prev) => matches!(prev, b':' | b'-' | b'?') && after_space,
        };
        match b {
            b'\n' => last = None,
            b'#' if after_space => {
                // A comment runs to the end of the line.
                i = text[i..].iter().position(|&c| c == b'\n').map_or(text.len(), |n| i + n);
                continue;
            }
            b'\'' | b'"' if node_start => {
                i = skip_quoted(text, i);
                last = Some(b);
                continue;
            }
            // An anchor or tag sits between `key:` and its value (`key: &a
            // [...]`): skip it and leave `last` alone, so the node still
            // begins after it. libyaml wants a blank after either.
            b'&' | b'!' if node_start => {
                i += 1;
                while text.get(i).is_some_and(|&c| {
                    !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}')
                }) {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' if depth > 0 || node_start => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            last = Some(b);
        }
        i += 1;
    }
    false
}

/// The index just past the quoted scalar opening at `start` (`''` escapes a
/// single quote, `\` escapes in double quotes), or the end of the text.
fn skip_quoted(text: &[u8], start: usize) -> usize {
    let quote = text[start];
    let mut i = start + 1;
    while let Some(&b) = text.get(i) {
        if quote == b'"' && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            if quote == b'\'' && text.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_over(text: &str, limit: usize) -> bool {
        flow_depth_exceeds(text.as_bytes(), limit)
    }

    #[test]
    fn counts_flow_collections() {
        assert!(!depth_over("items: [[[a]]]\n", 3));
        assert!(depth_over("items: [[[[a]]]]\n", 3));
        assert!(depth_over("a: {b: [{c: [d]}]}\n", 3));
        assert!(depth_over(&"[".repeat(1_000_000), MAX_FLOW_DEPTH));
        assert!(depth_over(&format!("- {}", "{a: ".repeat(2000)), MAX_FLOW_DEPTH));
        // Closing brackets bring the depth back down.
        assert!(!depth_over(&"- [[a], [b]]\n".repeat(1000), 2));
        // Anchors and tags before the collection do not hide it.
        assert!(depth_over(&format!("a: &x !!seq {}", "[".repeat(50)), 40));
        assert!(depth_over(&format!("--- {}", "[&y ".repeat(50)), 40));
        assert!(depth_over(&format!("\"k\": {}", "[".repeat(50)), 40));
    }

    #[test]
    fn text_that_only_looks_like_brackets_is_not_counted() {
        let messages = "- message: Back-off [pulling {image\n\
                        - message: 'unbalanced [[[[ and it''s [ fine'\n\
                        - message: \"also [[[[ \\\" [[[\"\n\
                        - note: x # a comment [[[[\n\
                        - {msg: \"[[[[[\", other: '{{{{'}\n";
        assert!(!depth_over(&messages.repeat(1000), 2));
    }
}
