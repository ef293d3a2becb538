//! Runbook parsing: any text as a runbook file through the frontmatter
//! parser, and a parsed runbook's fix section lookup.
#![no_main]

use bundle_scan::runbook::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(runbook) = parse("fuzz.md", &text, "fuzz.md") {
        let _ = runbook.fix();
    }
});
