# Thin wrapper around CMake. `make run` and `make test` install missing Debian packages first.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
# Tests of the shell scripts alone (label "scripts") run in the plain run only: README.md.
ASAN_CTEST_ARGS ?= -LE scripts
# One test at a time: the unit tests take 30 s in all, and the backend contract tests time sockets.
CTEST_ARGS ?= --output-on-failure --timeout 300

.PHONY: all build deps run test asan asan-build bench bench-proxy fuzz soak format format-check clean \
	windows test-windows

all: build

deps:
	@scripts/deps.sh

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)
	@ln -sf $(BUILD)/compile_commands.json compile_commands.json

run: build
	$(BUILD)/server $(ARGS)

test: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

# -O1 -g1 compiles faster than RelWithDebInfo's -O2 -g and still gives stack traces with file and
# line; the micro-benchmarks are not built here (nothing runs them under the sanitizers).
$(ASAN_BUILD)/Makefile:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERCORE_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DPERCORE_BENCH=OFF

asan-build: deps $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)

asan: asan-build
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS) $(ASAN_CTEST_ARGS)

bench: build
	scripts/bench.sh

# The proxy section of `make bench` on its own (scripts/bench.sh runs it as section "proxy").
bench-proxy: build
	scripts/bench-proxy.sh

# libFuzzer targets, built with clang in build-fuzz; each runs FUZZ_SECONDS (default 60; 0 only builds).
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# Soak under faults (worker SIGKILLed every 5 s under wrk + ab + client http -R).
SOAK_SECONDS ?= 60
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) scripts/soak.sh

# Windows: server.exe, client.exe and unit_tests.exe cross-built with mingw-w64 (docs/windows.md),
# then run under Wine: the unit tests and an end-to-end suite against Linux curl, ab and client.
WIN_BUILD ?= build-win
windows:
	@scripts/deps.sh windows
	scripts/http-parser-src.sh $(WIN_BUILD)/http-parser
	@test -f $(WIN_BUILD)/CMakeCache.txt || cmake -S . -B $(WIN_BUILD) \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCMAKE_BUILD_TYPE=Release
	cmake --build $(WIN_BUILD) -j $(JOBS)

test-windows: windows build
	scripts/test-windows.sh $(WIN_BUILD) $(BUILD)

# Every C++ source and header, for `make format` and the CI check.
FORMAT_FILES = find core server client preload tests \( -name '*.h' -o -name '*.cc' \) -print0

format:
	$(FORMAT_FILES) | xargs -0 clang-format -i

# Fails, naming the files and lines, when any source is not as clang-format would write it.
format-check:
	$(FORMAT_FILES) | xargs -0 clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(WIN_BUILD) build-fuzz compile_commands.json
