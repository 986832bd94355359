# Thin wrapper over CMake. `make run`: install deps, build, run the headline comparison.
# `make test`: install deps, build, run every test. Developer builds treat warnings as errors.
# `make examples`: install the build to a temporary prefix and build and run examples/ against it.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench clean format examples

all: build

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIPEPOOL_WERROR=ON $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/pipe_bench -w 5 -r 5 -d 3 -t kernel,legacy,prealloc,unified

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/pipepool_bench

examples: build
	bash scripts/check-install.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.h')

clean:
	rm -rf $(BUILD)

# Reliability (issue 4).
# `make fuzz FUZZ_SECONDS=N`: build the libFuzzer target with clang (ASan+UBSan) in $(FUZZ_BUILD)
# and run it for N seconds over a copy of the seed corpus; crash inputs land in
# $(FUZZ_BUILD)/artifacts/. clang 14 needs -fsized-deallocation for the sized aligned operator
# delete the allocators call (GCC enables it by default).
# `make soak SOAK_ARGS=...`: the long soak, >= 10 GB per policy (not in CI; --help lists flags).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
SOAK_ARGS ?=
# `make shared-soak SHARED_SOAK_ARGS=...`: 10 GB between processes through one shared pipe, a
# writer process SIGKILLed and replaced every second (not in CI; --help lists flags).
SHARED_SOAK_ARGS ?=
# `make idle IDLE_ARGS=...`: pages held by 1,000 idle pipes per policy, before and after a
# pressure event (pipepool_idle; --help lists flags).
IDLE_ARGS ?=

.PHONY: fuzz soak shared-soak idle

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS=-fsized-deallocation \
	  -DPIPEPOOL_WERROR=ON -DPIPEPOOL_FUZZ=ON -DPIPEPOOL_SANITIZE=address,undefined
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target pipe_fuzzer
	rm -rf $(FUZZ_BUILD)/corpus && mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/artifacts
	cp fuzz/corpus/* $(FUZZ_BUILD)/corpus/
	$(FUZZ_BUILD)/fuzz/pipe_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=30 -max_len=4096 \
	  -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/ $(FUZZ_BUILD)/corpus

soak: build
	$(BUILD)/pipepool_soak $(SOAK_ARGS)

shared-soak: build
	$(BUILD)/pipepool_shared_soak $(SHARED_SOAK_ARGS)

idle: build
	$(BUILD)/pipepool_idle $(IDLE_ARGS)

# Measured results (issue 3). `make results`: every pipe_bench run docs/RESULTS.md cites, then
# regenerates docs/RESULTS.md and docs/plots/*.png (about 25 min; run it on a quiet machine).
# `make results RESULTS_ARGS="--quick --out /tmp/results"` checks the script in a few minutes.
RESULTS_ARGS ?=

.PHONY: results

results: build
	bash scripts/results.sh --build $(BUILD) $(RESULTS_ARGS)
