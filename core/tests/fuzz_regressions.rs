//! Replays every input saved under core/fuzz/regressions/<target>/ (inputs that once broke a
//! property, kept when `make fuzz` found them) and every seed under core/fuzz/seeds/<target>/
//! through the same property functions the fuzz targets run.

use std::fs;
use std::path::Path;

use keyset_core::fuzzing;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["regressions", "seeds"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(dir)
            .join(target);
        let Ok(entries) = fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = fs::read(entry.path()).expect("readable input");
            check(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn saved_inputs_keep_every_property() {
    let total = replay("cursor_decode", fuzzing::cursor_decode)
        + replay("cursor_json", fuzzing::cursor_json)
        + replay("typed_value", fuzzing::typed_value)
        + replay("sort_spec", fuzzing::sort_spec)
        + replay("filter", fuzzing::filter)
        + replay("page_start", fuzzing::page_start);
    assert!(total >= 6, "only {total} saved inputs");
}

/// The properties themselves, on inputs that exercise each branch (so a broken property
/// function cannot pass silently).
#[test]
fn properties_hold_on_known_inputs() {
    fuzzing::cursor_decode(
        b"eyJzIjoiY3JlYXRlZF9hdCIsIm8iOiJkZXNjIiwidiI6IjE3MDY3NzgwMDAwMDAwMDAiLCJpZCI6IjQyIn0",
    );
    fuzzing::typed_value(b"\x09a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-");
    fuzzing::typed_value(b"\x0b1706778000000000");
    fuzzing::sort_spec("priority desc nulls last, \"Créé\"".as_bytes());
    fuzzing::filter(br#"{"a": {"in": [1, 2]}, "b": null, "c": {"<": "x", ">=": 3}}"#);
    fuzzing::page_start(b"eyJzIjoiYzAiLCJvIjoiYXNjIiwidiI6IjEiLCJpZCI6IjEifQ");
}
