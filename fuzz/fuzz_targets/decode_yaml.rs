//! Object decoding of YAML: any bytes as a `.yaml` entry (must-gather
//! style), or as an entry without an extension (where YAML is sniffed from
//! the content), through `decode::decode`. Alias bombs and deep nesting must
//! end quickly: libFuzzer's `-timeout` turns a slow input into a finding.
#![no_main]

use bundle_scan::decode::decode;
use bundle_scan::input::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // One name per run, picked by the length so seeds keep their meaning.
    let path = if data.len() % 2 == 0 { "namespaces/default/core/events.yaml" } else { "x" };
    let decoded = decode(&Entry { path: path.to_string(), data: data.to_vec() });
    if !decoded.objects.events.is_empty() || !decoded.objects.pods.is_empty() {
        assert!(decoded.recognised);
    }
});
