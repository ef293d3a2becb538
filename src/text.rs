//! Text hygiene shared by the later stages: redacting credentials that
//! bundles leak into messages, and neutralising control characters before
//! bundle text reaches a terminal or a ticket.
//!
//! Both are applied to every string that comes from the bundle and goes into
//! the report (samples, examples, templates), in `group`; the renderers apply
//! [`for_terminal`] once more as a last line of defence.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Patterns of credentials seen in registry and kubelet messages.
static CREDENTIALS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // https://user:password@registry/...
        (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", "${1}<redacted>@"),
        // Authorization: Bearer xxx / Basic xxx
        (r"(?i)\b(authorization:?\s*(?:bearer|basic)?\s+)[A-Za-z0-9._~+/=-]{6,}", "${1}<redacted>"),
        (r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{12,}", "${1}<redacted>"),
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
    let mut out = Cow::Borrowed(text);
    for (re, with) in CREDENTIALS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out
}

/// Makes bundle text safe to print: newlines and tabs become spaces, every
/// other control character (ESC included, so no terminal escape sequence
/// survives) is shown as a visible `\u{..}` escape.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Both of the above: what every bundle string goes through before it is shown.
pub fn clean(text: &str) -> String {
    for_terminal(&redact(text)).into_owned()
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
