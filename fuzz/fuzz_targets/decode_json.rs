//! Object decoding of JSON: any bytes as a `.json` entry, or as stdin (`-`,
//! whose name promises JSON too), through `decode::decode`.
#![no_main]

use bundle_scan::decode::decode;
use bundle_scan::input::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // One name per run, picked by the length so seeds keep their meaning:
    // twice the executions per second of decoding every input under both.
    let path = if data.len() % 2 == 0 { "bundle/cluster-resources/events/default.json" } else { "-" };
    let decoded = decode(&Entry { path: path.to_string(), data: data.to_vec() });
    if !decoded.objects.events.is_empty() || !decoded.objects.pods.is_empty() {
        assert!(decoded.recognised);
    }
});
