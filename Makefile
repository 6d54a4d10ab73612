# Tern: the two commands a user needs.
#   make demo  - install dependencies, build (release), train LeNet-5 on Fashion-MNIST
#   make test  - install dependencies, build, run the unit test suite (ctest -L unit)
BUILD ?= build
JOBS  ?= $(shell nproc)
CTEST_LABELS ?= unit|dist

.PHONY: all bootstrap build demo test test-slow bench clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/tools/tern/tern train --model lenet5 --dataset fashion-mnist --epochs 3 --batch-size 64 --optimizer sgd --lr 0.05

test: build
	cd $(BUILD) && ctest -L '$(CTEST_LABELS)' --output-on-failure -j $(JOBS) --timeout 900

test-slow: build
	cd $(BUILD) && ctest -L slow --output-on-failure

clean:
	rm -rf $(BUILD)
