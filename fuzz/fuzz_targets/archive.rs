//! Archive reading: any bytes as the top-level stream (tar, gzip, nested
//! archives, plain content) through the input stage, in memory, with the
//! scan's own filter passing over what cannot hold objects. Checks the
//! containment rules on every item it gets back.
#![no_main]

use std::ops::ControlFlow;

use bundle_scan::decode::may_hold_objects;
use bundle_scan::input::{read_reader_while, Item, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small caps so a bomb costs the fuzzer milliseconds, not minutes; the
    // limit logic is the same at any size.
    let limits = Limits { max_entry_bytes: 1 << 20, max_total_bytes: 8 << 20, max_depth: 4 };
    let mut total = 0u64;
    read_reader_while("fuzz.tar.gz", data, &limits, &may_hold_objects, &mut |item| {
        let path = match &item {
            Item::Entry(entry) => {
                assert!(entry.data.len() as u64 <= limits.max_entry_bytes);
                total += entry.data.len() as u64;
                &entry.path
            }
            Item::Unreadable { path, .. } | Item::Ignored { path, .. } | Item::NotLoaded { path } => path,
        };
        // A member name never climbs out of the bundle or becomes absolute.
        assert!(!path.starts_with('/'), "absolute path {path:?}");
        assert!(!path.split('/').any(|c| c == ".."), "climbing path {path:?}");
        ControlFlow::Continue(())
    });
    assert!(total <= limits.max_total_bytes);
});
