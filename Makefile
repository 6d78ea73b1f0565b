# lsmwatch build and test entry point. Everything generated goes to build/ (make clean removes it).
#   make build      install missing tools, compile BPF, skeletons, addon, TypeScript, manifest
#   make test       unit + integration tests on this kernel + VM tests on BPF-LSM kernels (CI runs this)
#   make package    the npm tarball build/package/lsmwatch-<version>.tgz (prebuilt BPF objects and addon)
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
comma := ,
VERSION := $(shell node -p "require('./package.json').version" 2>/dev/null)

# Debian packages: what building needs, and what the VM test bed needs on top.
BUILD_PACKAGES := clang-16 libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config g++ make dpkg-dev binutils
# prometheus: promtool checks the metrics; systemd: systemd-analyze verify; tmux: lsmwatch top in a real terminal
TEST_PACKAGES := qemu-system-x86 busybox-static cpio strace jq sed coreutils curl tmux prometheus systemd util-linux \
	openssh-client ninja-build

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

.PHONY: build deps deps-test clean test test-unit test-integration test-vm vm-kernels bench check-root install \
	package test-package test-node

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
$(BUILD)/.deps-test: scripts/ensure-packages.sh Makefile
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
# Self-contained: Node-API 8 (one build loads on Node 20, 22 and 24), libbpf and libstdc++ linked in,
# only libc, libelf and zlib needed where it runs, glibc 2.28 symbols at most (glibc_compat.cc);
# scripts/check-addon.sh enforces all of it.
LIBBPF := $(BUILD)/libbpf
# symbols pinned to old glibc versions in native/src/glibc_compat.cc (references from our code,
# libbpf and the static libstdc++ all go through its __wrap_ definitions)
GLIBC_WRAP := pthread_create pthread_join pthread_detach pthread_once __pthread_key_create \
	pthread_key_create pthread_key_delete pthread_getspecific pthread_setspecific pthread_cond_clockwait
$(LIBBPF)/libbpf.a: scripts/build-libbpf.sh | $(BUILD)/.deps-build
	scripts/build-libbpf.sh $(LIBBPF)

$(ADDON): $(ADDON_SOURCES) $(SKELETONS) bpf/include/lsmwatch.h node_modules/.package-lock.json $(LIBBPF)/libbpf.a scripts/check-addon.sh native/exports.map
	@mkdir -p $(@D)
	@test -f "$(NODE_INCLUDE)/node_api.h" || { echo "lsmwatch: Node's headers are missing ($(NODE_INCLUDE)/node_api.h): install Node.js with its headers" >&2; exit 1; }
	g++ -std=c++17 -O2 -g -fPIC -shared -fvisibility=hidden -fvisibility-inlines-hidden \
		-Wall -Wextra -Werror -Wno-missing-field-initializers \
		-DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS \
		-I$(LIBBPF)/include -I$(NODE_INCLUDE) -Inode_modules/node-addon-api -Ibpf/include -I$(BUILD)/bpf \
		$(filter %.cc,$(ADDON_SOURCES)) -o $@.tmp \
		-static-libstdc++ $(addprefix -Wl$(comma)--wrap=,$(GLIBC_WRAP)) -Wl,--exclude-libs,ALL -Wl,--version-script=native/exports.map \
		$(LIBBPF)/libbpf.a -lelf -lz -Wl,--no-as-needed -l:libpthread.so.0
	scripts/check-addon.sh $@.tmp
	mv $@.tmp $@

# ---- TypeScript ----
$(TS_STAMP): $(TS_SOURCES) tsconfig.json node_modules/.package-lock.json
	rm -rf $(BUILD)/dist
	npx tsc -p tsconfig.json
	@touch $@

# ---- small C programs the tests use (static, so they also run inside the VM) ----
$(BUILD)/helpers/%: test/helpers/%.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -static -o $@ $<

# ---- self-integrity manifest of everything the agent runs: its build, the runtime node_modules
# (from package-lock.json) and the node executable that runs the build ----
$(MANIFEST): $(TS_STAMP) $(ADDON) $(BPF_OBJECTS) bin/lsmwatch.js package.json package-lock.json node_modules/.package-lock.json
	node $(BUILD)/dist/integrity/buildManifest.js --root . --out $@ --runtime-dependencies \
		--executable "$$(node -p process.execPath)" \
		$(BUILD)/dist bin/lsmwatch.js package.json $(ADDON) $(BPF_OBJECTS)

# ---- the npm package: what package.json's "files" lists, checked by scripts/check-package.sh ----
PACKAGE := $(BUILD)/package/lsmwatch-$(VERSION).tgz
package: $(PACKAGE)
$(PACKAGE): build package.json README.md scripts/check-package.sh scripts/stage-package.sh
	@rm -rf $(@D) && mkdir -p $(@D)
	scripts/stage-package.sh $(@D)/stage
	cd $(@D)/stage && npm pack --silent --pack-destination .. >/dev/null
	@rm -rf $(@D)/stage
	scripts/check-package.sh $@
	@echo "lsmwatch: package: $@"

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

# Each stage's wall time goes to the log as "stage: NAME Ns" (scripts/test-summary.sh sums them up).
STAGE = set -o pipefail; t=$$SECONDS; $(MAKE) --no-print-directory $(1) 2>&1 | tee -a $(TEST_LOG); rc=$$?; \
	echo "stage: $(1) $$((SECONDS - t))s$$( ((rc)) && echo " FAILED")" | tee -a $(TEST_LOG); exit $$rc
test: check-root build deps-test
	npx tsc -p tsconfig.test.json
	@rm -f $(TEST_LOG)
	@$(call STAGE,test-unit)
	@$(call STAGE,test-integration)
	@$(call STAGE,test-node)
	@$(call STAGE,test-package)
	@$(call STAGE,test-vm)
	@scripts/check-no-leftovers.sh
	@scripts/test-summary.sh $(TEST_LOG)

test-unit: build
	$(UVU) test/unit

test-integration: check-root build
	test/vm/run-uvu.sh $(UVU) test/integration '\.test\.ts$$'
	@scripts/check-no-leftovers.sh

# Node 22 and 24 (Node 20 is the one above): unit tests and the smoke integration test, with the
# same built addon (Node-API) and a better-sqlite3 built for each (scripts/test-node.sh).
TEST_NODE_MAJORS := 22 24
test-node: check-root build $(TEST_STAMP)
	@for major in $(TEST_NODE_MAJORS); do scripts/test-node.sh $$major || exit 1; done
	@scripts/check-no-leftovers.sh

# Debian's 5.10, 6.1 and 6.12 kernels, two VMs at a time (a guest alone keeps about one of the two
# cores busy); the longest run (6.12, which also runs the agent-side tests) starts first
VM_KERNELS := 6.12 6.1 5.10
VM_PARALLEL := 2
test-vm: check-root build $(TEST_STAMP) deps-test
	test/vm/run-all.sh --kernels "$(VM_KERNELS)" --parallel $(VM_PARALLEL) --timeout 2700 -- sh test/vm/guest-tests.sh

# The tarball installed with npm in a clean prefix on this host (tracepoint sensor here); its addon
# loaded in Debian 11's userland (glibc 2.31); then that installed tree alone (with node) in a VM
# guest on a BPF-LSM kernel.
VM_PACKAGE_KERNEL := 6.12
test-package: check-root $(PACKAGE) deps-test
	scripts/test-package.sh $(PACKAGE) $(CURDIR)/$(BUILD)/package/prefix
	scripts/test-old-glibc.sh $(BUILD)/package/prefix/usr/lib/node_modules/lsmwatch/build/native/lsmwatch.node
	test/vm/build-initramfs.sh --package $(BUILD)/package/prefix/usr . $(BUILD)/vm/package.cpio.gz
	test/vm/run-in-vm.sh --kernel $(VM_PACKAGE_KERNEL) --timeout 300 --image $(BUILD)/vm/package.cpio.gz \
		-- sh -c "$$(cat test/vm/guest-package.sh)"

vm-kernels: deps-test
	test/vm/fetch-kernels.sh

bench: check-root build deps-test
	node --import tsx test/bench/run.ts $(ARGS)

clean:
	rm -rf $(BUILD)
