//! Text hygiene shared by the later stages: redacting credentials that
//! bundles leak into messages, and neutralising control characters before
//! bundle text reaches a terminal or a ticket.
//!
//! [`redact`] is applied to every string that comes from the bundle and goes
//! into the report (in `group` and `scan`), so no format ever carries a
//! credential; [`for_terminal`] is applied by the table and Markdown
//! renderers to everything they print (JSON escapes control characters
//! itself and keeps the bundle's text otherwise unchanged).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// The marker troubleshoot's redactors put in place of masked values.
pub const REDACTION_MARKER: &str = "***HIDDEN***";

/// Whether a collector masked something in `text`. Asked of every event
/// and pod message of a bundle: the searcher is built once, not per call.
pub fn is_masked(text: &str) -> bool {
    static MARKER: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(REDACTION_MARKER));
    MARKER.find(text.as_bytes()).is_some()
}

/// Patterns of credentials seen in registry and kubelet messages.
static CREDENTIALS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // https://user:password@registry/... — up to the last `@` before the
        // path, so a password holding `@` is not half kept.
        (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@\x22']+:[^/\s\x22']*@", "${1}<redacted>@"),
        // user:password@host.example without a scheme.
        (r"\b[A-Za-z0-9._%+-]+:[^\s/@\x22']+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", "<redacted>@${1}"),
        // Authorization: Bearer xxx / Basic xxx. The word alone is not
        // enough: registries say "may require authorization: server message".
        (r"(?i)\b((?:authorization:\s*)?(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", "${1}<redacted>"),
        // docker config JSON: "auth": "base64", "password": "..."
        (r#"(?i)("(?:auth|password|identitytoken|registrytoken)"\s*:\s*")[^"]*(")"#, "${1}<redacted>${2}"),
        // password=..., token=... in query strings or env-like text
        (r"(?i)\b((?:password|passwd|token|secret)=)[^&\s]+", "${1}<redacted>"),
    ]
    .into_iter()
    .map(|(re, with)| (Regex::new(re).expect("credential pattern compiles"), with))
    .collect()
});

/// Replaces credentials embedded in `text` with `<redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    if !may_hold_credential(text) {
        return Cow::Borrowed(text);
    }
    redact_all(text)
}

/// Whether a pattern of [`CREDENTIALS`] could match `text`. Each needs an
/// `@`, a `"`, an `=`, or the word bearer or basic in any case; text with
/// none (most names, namespaces and images, redacted by the hundred
/// thousand in a report) cannot match. Text that is not all ASCII is always
/// checked in full: case-insensitive patterns match some non-ASCII letters
/// (`ſ` for `s`).
fn may_hold_credential(text: &str) -> bool {
    let bytes = text.as_bytes();
    let word_at =
        |at: usize, word: &[u8]| bytes.get(at..at + word.len()).is_some_and(|w| w.eq_ignore_ascii_case(word));
    bytes.iter().enumerate().any(|(at, &byte)| match byte {
        b'@' | b'"' | b'=' | 0x80.. => true,
        b'b' | b'B' => word_at(at, b"bearer") || word_at(at, b"basic"),
        _ => false,
    })
}

/// [`redact`] without the quick check.
fn redact_all(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, with) in CREDENTIALS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out
}

/// Characters that change how a terminal or a browser lays text out
/// without being control characters: zero-width ones and the bidirectional
/// overrides that can make a message read differently than it is.
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Makes bundle text safe to print: newlines and tabs become spaces, every
/// other control character (ESC included, so no terminal escape sequence
/// survives) and every bidi override or zero-width character is shown as a
/// visible `\u{..}` escape.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_invisible_format(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_url_credentials() {
        let msg = r#"Failed to pull image "x": Get "https://bob:s3cret@reg.example.com/v2/": EOF"#;
        let out = redact(msg);
        assert!(!out.contains("s3cret"), "{out}");
        assert!(!out.contains("bob"), "{out}");
        assert!(out.contains("https://<redacted>@reg.example.com/v2/"), "{out}");
    }

    #[test]
    fn redacts_bearer_and_docker_config_auth() {
        let out = redact("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc");
        assert!(!out.contains("eyJhbGci"), "{out}");
        let out = redact(r#"{"auths":{"r.io":{"auth":"Ym9iOnMzY3JldA=="}}}"#);
        assert!(!out.contains("Ym9iOnMzY3JldA"), "{out}");
    }

    /// From review: a password holding `@` or `/`-free junk, credentials
    /// without a scheme, and the registry's "may require authorization"
    /// wording, which must stay readable.
    #[test]
    fn redaction_edge_cases() {
        let out = redact("Get https://bob:p@ss@reg.io/v2/: EOF");
        assert_eq!(out, "Get https://<redacted>@reg.io/v2/: EOF");
        let out = redact("pulling from bob:hunter2@reg.example.io/app");
        assert!(!out.contains("hunter2") && out.contains("@reg.example.io/app"), "{out}");
        let ambiguous = "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed";
        assert_eq!(redact(ambiguous), ambiguous);
        // Ports and digests are not credentials.
        let digest = "docker://reg.io:5000/app@sha256:146f0f1e4ecc55dfc396 and nginx:1.25@sha256:abcdef";
        assert_eq!(redact(digest), digest);
        assert!(!redact("Authorization: Basic Ym9iOmh1bnRlcjI=").contains("Ym9iOmh1bnRlcjI"));
    }

    #[test]
    fn bidi_overrides_are_made_visible() {
        let out = for_terminal("image \u{202e}txt.exe");
        assert_eq!(out, "image \\u{202e}txt.exe");
    }

    /// The quick check in `redact` never passes over a credential: on text
    /// made of the patterns' own pieces, it redacts what the patterns do.
    #[test]
    fn the_quick_check_changes_nothing() {
        let pieces = [
            "https://",
            "bob",
            ":",
            "s3cret",
            "@",
            "reg.io",
            "/v2/",
            " ",
            "Bearer ",
            "BASIC ",
            "token=",
            "x",
            "\"auth\": \"",
            "\"",
            "Authorization: ",
            "abcdefgh12345678",
            "=",
            "-",
            "é",
            "web-",
            "bearer\t",
            "bAsIc ",
            "baſic ",
            "BEAR",
        ];
        let mut state = 1u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..8 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            assert_eq!(redact(&text), redact_all(&text), "{text}");
        }
    }

    #[test]
    fn leaves_plain_messages_alone() {
        let msg = r#"Failed to pull image "nginx:1.99": manifest unknown"#;
        assert!(matches!(redact(msg), Cow::Borrowed(_)));
        assert!(matches!(for_terminal(msg), Cow::Borrowed(_)));
    }

    #[test]
    fn neutralises_escape_sequences() {
        let out = for_terminal("evil\x1b[2Jmessage\nnext");
        assert!(!out.contains('\x1b'));
        assert!(out.contains("\\u{1b}[2Jmessage next"), "{out}");
    }
}
