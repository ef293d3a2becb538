//! Object decoding of JSON: any bytes as a `.json` entry (events, or one of
//! the collector files decoded by their path), or as stdin (`-`, whose name
//! promises JSON too), through `decode::decode`; and the JSON reader on its
//! own, which must read whatever it reads exactly as serde_json does.
#![no_main]

use bundle_scan::decode::{decode, read_json_both};
use bundle_scan::input::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // One name per run, picked by the length so seeds keep their meaning:
    // an events file, stdin (whose name promises JSON too), and the two
    // troubleshoot collector files decoded by their path.
    let path = match data.len() % 4 {
        0 => "bundle/cluster-resources/events/default.json",
        1 => "-",
        2 => "bundle/cluster-resources/pods-errors.json",
        _ => "bundle/cluster-resources/image-pull-secrets/shop/regcred.json",
    };
    let decoded = decode(&Entry { path: path.to_string(), data: data.to_vec() });
    if !decoded.objects.events.is_empty() || !decoded.objects.pods.is_empty() {
        assert!(decoded.recognised);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let (ours, theirs) = read_json_both(text, data.len() % 2 == 0);
        if let Some(ours) = ours {
            assert_eq!(Ok(ours), theirs);
        }
    }
});
