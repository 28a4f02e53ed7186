# The commands (see README): `make demo`, `make test`, `make bench`. Each installs what it needs.
.PHONY: demo test bench bench-scale-out fuzz setup

setup:
	bash scripts/setup.sh

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
