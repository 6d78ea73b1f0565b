# lsmwatch build and test entry point. Everything generated goes to build/ (make clean removes it).
#   make build      install missing tools, compile BPF, skeletons, addon, TypeScript, manifest
#   make test       unit + integration tests on this kernel + VM tests on BPF-LSM kernels (CI runs this)
#   make bench      performance ratios (not part of make test)
SHELL := /bin/bash
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

BUILD := build
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= $(shell command -v clang-16 || command -v clang || echo clang-16)
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
NODE_INCLUDE := $(shell node -p "require('path').resolve(process.execPath, '../../include/node')" 2>/dev/null)
UVU := node --import tsx node_modules/uvu/bin.js

# Debian packages: what building needs, and what the VM test bed needs on top.
BUILD_PACKAGES := clang-16 libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config g++ make
# prometheus: promtool checks the metrics; systemd: systemd-analyze verify; tmux: lsmwatch top in a real terminal
TEST_PACKAGES := qemu-system-x86 busybox-static cpio strace jq sed coreutils curl tmux prometheus systemd util-linux

BPF_SOURCES := $(wildcard bpf/lsm/*.bpf.c bpf/tracepoint/*.bpf.c)
BPF_HEADERS := $(wildcard bpf/include/*.h bpf/lsm/*.h bpf/tracepoint/*.h)
BPF_OBJECTS := $(patsubst %.bpf.c,$(BUILD)/bpf/%.bpf.o,$(notdir $(BPF_SOURCES)))
SKELETONS := $(BUILD)/bpf/lsmwatch_lsm.skel.h $(BUILD)/bpf/lsmwatch_tp.skel.h
ADDON := $(BUILD)/native/lsmwatch.node
ADDON_SOURCES := $(wildcard native/src/*.cc native/src/*.h)
TS_SOURCES := $(shell find src -name '*.ts' 2>/dev/null)
TS_STAMP := $(BUILD)/dist/.stamp
TEST_STAMP := $(BUILD)/test/.stamp
TEST_SOURCES := $(wildcard test/integration/*.ts)
HELPERS := $(patsubst test/helpers/%.c,$(BUILD)/helpers/%,$(wildcard test/helpers/*.c))
MANIFEST := $(BUILD)/manifest.json

.PHONY: build deps deps-test clean test test-unit test-integration test-vm vm-kernels bench check-root install

build: deps $(BPF_OBJECTS) $(SKELETONS) $(ADDON) $(TS_STAMP) $(HELPERS) $(MANIFEST)

# integration tests compiled to JavaScript, so the VM image needs no TypeScript toolchain
$(TEST_STAMP): $(TEST_SOURCES) tsconfig.integration.json node_modules/.package-lock.json
	rm -rf $(BUILD)/test
	npx tsc -p tsconfig.integration.json
	@touch $@

# ---- tools: install what is missing, or say in one line what to install ----
deps: $(BUILD)/.deps-build node_modules/.package-lock.json

$(BUILD)/.deps-build: scripts/ensure-packages.sh
	@mkdir -p $(BUILD)
	@scripts/ensure-packages.sh build $(BUILD_PACKAGES)
	@touch $@

deps-test: $(BUILD)/.deps-test
$(BUILD)/.deps-test: scripts/ensure-packages.sh
	@mkdir -p $(BUILD)
	@scripts/ensure-packages.sh test $(TEST_PACKAGES)
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "lsmwatch: npm is missing: install Node.js 20, 22 or 24 with npm" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# ---- BPF: vmlinux.h from this kernel's BTF (CO-RE relocates to the running kernel at load) ----
$(BUILD)/bpf/vmlinux.h: | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	@test -r /sys/kernel/btf/vmlinux || { echo "lsmwatch: /sys/kernel/btf/vmlinux is missing: build on a kernel with CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

vpath %.bpf.c bpf/lsm bpf/tracepoint
$(BUILD)/bpf/%.bpf.o: %.bpf.c $(BPF_HEADERS) $(BUILD)/bpf/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(BUILD)/bpf -Ibpf/include -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# ---- native addon (node-addon-api over libbpf); plain g++ against Node's own headers ----
$(ADDON): $(ADDON_SOURCES) $(SKELETONS) bpf/include/lsmwatch.h node_modules/.package-lock.json
	@mkdir -p $(@D)
	@test -f "$(NODE_INCLUDE)/node_api.h" || { echo "lsmwatch: Node's headers are missing ($(NODE_INCLUDE)/node_api.h): install Node.js with its headers" >&2; exit 1; }
	g++ -std=c++17 -O2 -g -fPIC -shared -Wall -Wextra -Werror -Wno-missing-field-initializers \
		-DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS \
		-I$(NODE_INCLUDE) -Inode_modules/node-addon-api -Ibpf/include -I$(BUILD)/bpf \
		$(filter %.cc,$(ADDON_SOURCES)) -o $@ -lbpf -lelf -lz

# ---- TypeScript ----
$(TS_STAMP): $(TS_SOURCES) tsconfig.json node_modules/.package-lock.json
	rm -rf $(BUILD)/dist
	npx tsc -p tsconfig.json
	@touch $@

# ---- small C programs the tests use (static, so they also run inside the VM) ----
$(BUILD)/helpers/%: test/helpers/%.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -static -o $@ $<

# ---- self-integrity manifest of everything the agent runs from ----
$(MANIFEST): $(TS_STAMP) $(ADDON) $(BPF_OBJECTS) bin/lsmwatch.js
	node $(BUILD)/dist/integrity/buildManifest.js --root . --out $@ \
		$(BUILD)/dist bin/lsmwatch.js $(ADDON) $(BPF_OBJECTS)

# ---- install: the runtime tree under $(PREFIX)/lib/lsmwatch, a command link, the systemd unit ----
#   sudo make install [PREFIX=/usr/local] [DESTDIR=/staging]; then: systemctl daemon-reload && systemctl enable --now lsmwatch
PREFIX ?= /usr/local
LIBDIR := $(PREFIX)/lib/lsmwatch
install: build
	rm -rf "$(DESTDIR)$(LIBDIR)"
	mkdir -p "$(DESTDIR)$(LIBDIR)/build/bpf" "$(DESTDIR)$(PREFIX)/bin"
	cp -a bin package.json package-lock.json policy.json README.md "$(DESTDIR)$(LIBDIR)/"
	cp -a $(BUILD)/dist $(BUILD)/native $(MANIFEST) "$(DESTDIR)$(LIBDIR)/build/"
	cp -a $(BPF_OBJECTS) "$(DESTDIR)$(LIBDIR)/build/bpf/"
	cp -a node_modules "$(DESTDIR)$(LIBDIR)/"
	cd "$(DESTDIR)$(LIBDIR)" && npm prune --omit=dev --no-audit --no-fund >/dev/null && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete
	ln -sfn "$(LIBDIR)/bin/lsmwatch.js" "$(DESTDIR)$(PREFIX)/bin/lsmwatch"
	node "$(DESTDIR)$(LIBDIR)/bin/lsmwatch.js" install-service --destdir "$(DESTDIR)" --package-root "$(LIBDIR)"

# ---- tests ----
check-root:
	@[ "$$(id -u)" = 0 ] || { echo "lsmwatch: the tests load BPF programs: run them as root (sudo make test)" >&2; exit 1; }

TEST_LOG := $(BUILD)/test-output.log

test: check-root build deps-test
	npx tsc -p tsconfig.test.json
	@rm -f $(TEST_LOG)
	set -o pipefail; $(MAKE) --no-print-directory test-unit 2>&1 | tee -a $(TEST_LOG)
	set -o pipefail; $(MAKE) --no-print-directory test-integration 2>&1 | tee -a $(TEST_LOG)
	set -o pipefail; $(MAKE) --no-print-directory test-vm 2>&1 | tee -a $(TEST_LOG)
	@scripts/check-no-leftovers.sh
	@scripts/test-summary.sh $(TEST_LOG)

test-unit: build
	$(UVU) test/unit

test-integration: check-root build
	$(UVU) test/integration '\.test\.ts$$'
	@scripts/check-no-leftovers.sh

test-vm: check-root build $(TEST_STAMP) deps-test
	test/vm/run-all.sh --timeout 600 -- sh test/vm/guest-tests.sh

vm-kernels: deps-test
	test/vm/fetch-kernels.sh

bench: check-root build deps-test
	node --import tsx test/bench/run.ts $(ARGS)

clean:
	rm -rf $(BUILD)
