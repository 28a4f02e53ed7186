//! Throughput of the pure-Rust codec: encode + decode of a typical single-column cursor.
//! Run: cargo run --release -p keyset_core --example codec_bench
//! A benchmark, not a test: it asserts nothing and reports the median of several rounds.

use std::hint::black_box;
use std::time::Instant;

use keyset_core::{decode, encode, Direction};

fn main() {
    let rounds = 7;
    let per_round: u32 = 1_000_000;
    let cases = [
        ("created_at", "1706778000000000", "123456"),
        (
            "name",
            "<b>Tom & Jerry</b> — café",
            "0b9f4f2e-9a43-4c49-8a7a-2f3c1d5e6f70",
        ),
    ];
    for (sort, value, id) in cases {
        let mut rates = Vec::new();
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..per_round {
                let c = encode(
                    black_box(sort),
                    Direction::Desc,
                    Some(black_box(value)),
                    black_box(id),
                )
                .unwrap();
                let d = decode(black_box(&c)).unwrap();
                black_box(d);
            }
            rates.push(per_round as f64 / start.elapsed().as_secs_f64());
        }
        rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let median = rates[rates.len() / 2];
        println!(
            "codec round trip (encode+decode), sort={sort:<10} value={:>2} chars: {:.2} M/s per core (median of {rounds} x {per_round}), {:.0} ns each",
            value.chars().count(),
            median / 1e6,
            1e9 / median
        );
    }
}
