//! The fast decoder against the reference one on generated bundles (the
//! benchmark's generator, both layouts): same objects from every entry, and
//! the go-yaml reader reading every must-gather YAML file as serde_yaml does.

use bundle_scan::decode::{decode, decode_reference, read_go_yaml};
use bundle_scan::input::Entry;
use serde::Deserialize;

#[allow(dead_code)] // the benchmarks use the rest
#[path = "../benches/common/mod.rs"]
mod generator;

use generator::Layout;

fn entries(layout: Layout) -> Vec<Entry> {
    let bundle = generator::generate_as(3_000_000, 42, layout);
    let root = layout.root();
    bundle.files.into_iter().map(|(path, data)| Entry { path: format!("{root}/{path}"), data }).collect()
}

#[test]
fn fast_decode_equals_reference_on_generated_bundles() {
    for layout in [Layout::Troubleshoot, Layout::MustGather] {
        let mut events = 0;
        for entry in entries(layout) {
            let fast = decode(&entry);
            assert_eq!(fast, decode_reference(&entry), "{}", entry.path);
            events += fast.objects.events.len();
        }
        assert!(events > 500, "{layout:?}: {events} events");
    }
}

#[test]
fn go_yaml_reader_equals_serde_yaml_on_generated_must_gather() {
    let mut read = 0;
    for entry in entries(Layout::MustGather) {
        if !entry.path.ends_with(".yaml") {
            continue;
        }
        let text = std::str::from_utf8(&entry.data).expect("generated YAML is UTF-8");
        let fast =
            read_go_yaml(text).unwrap_or_else(|| panic!("{} not read by the go-yaml reader", entry.path));
        let reference: Vec<serde_json::Value> = serde_yaml::Deserializer::from_str(text)
            .map(|d| serde_json::Value::deserialize(d).expect("serde_yaml reads it"))
            .filter(|v| !v.is_null())
            .collect();
        assert_eq!(fast, reference, "{}", entry.path);
        read += 1;
    }
    assert!(read > 5, "{read} YAML files");
}
