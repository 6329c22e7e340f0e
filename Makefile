# barometer: the two commands a newcomer needs are `make report` and `make test`.
# Both use the release profile, so the heavy dependencies (Polars) build once.

CARGO ?= cargo
BIN := $(or $(CARGO_TARGET_DIR),target)/release/barometer

.PHONY: report test bench check synth reference clean

## Build and run the main job on the shipped inputs.
report:
	$(CARGO) build --release --locked
	$(BIN) validate
	$(BIN) build --strict

## Run every test (unit tests and the integration tests that run the binary),
## then open every page of the web site in headless Chromium (tests/web/run.sh;
## skipped loudly without node, chromium or `npm ci` in tests/web, unless
## BAROMETER_REQUIRE_BROWSER=1).
test:
	$(CARGO) test --release --locked
	BIN=$(BIN) tests/web/run.sh

## Benchmarks, written to BENCHMARKS.md: statistics, the shipped report
## (per chart, peak memory, a one-figure edit) and a 50-chapter report.
## BENCH_SIZES=1000000,10000000 make bench adds scaled waves (minutes the first
## time; the synthesised waves are kept in target/bench-waves/ and reused).
bench:
	mkdir -p target
	$(CARGO) bench --locked --bench stats | tee target/bench-stats.txt
	$(CARGO) bench --locked --bench build

## Fast inner loop.
check:
	$(CARGO) check --all-targets

## R's reference values for the statistics tests (needs R with survey and jsonlite).
reference:
	Rscript tests/reference/reference.R tests/reference/fixture.csv > tests/reference/expected.json

## Regenerate the shipped synthetic waves (documented seed).
synth:
	$(CARGO) run --release --locked -- synth

clean:
	rm -rf outputs/* outputs/.barometer outputs/.cache
	touch outputs/.gitkeep
