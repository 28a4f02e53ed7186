# The commands (README, Install; all of them in docs/testing.md). Each installs what it needs.
.PHONY: demo test bench bench-scale-out fuzz setup package install

setup:
	bash scripts/setup.sh

# From source: the release build into the system's PostgreSQL 15.
install:
	bash scripts/setup.sh
	PATH="$${CARGO_HOME:-$$HOME/.cargo}/bin:$$PATH" cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config

# target/debian/postgresql-15-pg-keyset_<version>_amd64.deb (apt-get install ./that.deb; no Rust needed).
package:
	bash scripts/package.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

# BENCH_ROWS=10000000 for 10M rows; BENCH_SECONDS, BENCH_REPS per case.
bench:
	bash scripts/bench.sh

# The scale-out cases alone (Citus, postgres_fdw); `make bench` runs them after its own.
bench-scale-out:
	bash scripts/bench_scale_out.sh --install

# cargo-fuzz on keyset_core's parsers (nightly); FUZZ_RUNS per target (default 2,000,000).
fuzz:
	bash scripts/fuzz.sh
