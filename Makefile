# Tern: the two commands a user needs.
#   make demo  - install dependencies, build (release), train LeNet-5 on Fashion-MNIST
#   make test  - install dependencies, build, run the unit and dist suites (ctest -L '^(unit|dist)$')
#   make install [PREFIX=/usr/local] [DESTDIR=] - build, then install `tern`
#       (bin/), libtern.so (lib/), the headers (include/tern/), the CMake
#       package (lib/cmake/Tern: find_package(Tern), Tern::tern) and
#       lib/pkgconfig/tern.pc and, when built, the Python package `tern`
#       (lib/python3.X/dist-packages/tern on Debian: on /usr/bin/python3's
#       path for PREFIX /usr/local) under DESTDIR/PREFIX (cmake --install)
# and one for kernel work:
#   make test-reference - build with the reference kernels alone (preset
#       `reference` in build-reference/: no OpenBLAS, oneDNN or OpenMP) and run
#       the unit tests of base, core, ops, autograd, nn and graph (ctest's
#       module labels, see tern_test). Tests that need a fast kernel live in
#       tern/ops/cpu, which that build leaves out. Measured here (2 cores,
#       -j2): 28 s for the 105 tests (55 s of test time; 58 s once on a busier
#       machine), after a first build of 5.5 min. The whole unit|dist suite
#       passes there too, in about 3 min.
BUILD ?= build
JOBS  ?= $(shell nproc)
CTEST_LABELS ?= ^(unit|dist)$$
PREFIX ?= /usr/local

REF_MODULES ?= base|core|ops|autograd|nn|graph

.PHONY: all bootstrap build install demo test test-slow test-reference test-asan bench clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Only the installed targets are built; `sudo make install` after `make`
# finds them up to date. DESTDIR reaches cmake --install as the environment
# variable it reads.
install: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target tern tern_shared $$(grep -qs '^build tern_python:' $(BUILD)/build.ninja && echo tern_python)
	DESTDIR='$(DESTDIR)' cmake --install $(BUILD) --prefix '$(PREFIX)'
	@# A real install as root: ld.so's cache learns libtern.so, for programs built with pkg-config.
	@if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" -eq 0 ]; then ldconfig; fi

demo: build
	$(BUILD)/tools/tern/tern train --model lenet5 --dataset fashion-mnist --epochs 3 --batch-size 64 --optimizer sgd --lr 0.05

test: build
	cd $(BUILD) && ctest -L '$(CTEST_LABELS)' --output-on-failure -j $(JOBS) --timeout 900

test-slow: build
	cd $(BUILD) && ctest -L '^slow$$' --output-on-failure

test-reference: bootstrap
	cmake --preset reference
	cmake --build build-reference -j $(JOBS)
	cd build-reference && ctest -L '^unit$$' -L '^($(REF_MODULES))$$' --output-on-failure -j $(JOBS) --timeout 900

# Sanitizers: clang with AddressSanitizer + UBSan (preset asan, build-asan/):
# the unit suite, then every libFuzzer target for TERN_FUZZ_SECONDS.
test-asan: bootstrap
	cmake --preset asan
	cmake --build build-asan -j $(JOBS)
	cd build-asan && LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan_mpi.supp:print_suppressions=0 \
	  ctest -L '^unit$$' --output-on-failure -j $(JOBS) --timeout 1800
	cd build-asan && ctest -L '^fuzz$$' --output-on-failure

clean:
	rm -rf $(BUILD)
