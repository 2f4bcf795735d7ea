# Builds the kernel programs, the native addon and the TypeScript, in that order:
# the decoder is generated from the compiled objects' BTF.
BPF_CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
BPF_BUILD := bpf/build
BPF_SOURCES := $(wildcard bpf/*.bpf.c)
BPF_OBJECTS := $(patsubst bpf/%.bpf.c,$(BPF_BUILD)/%.bpf.o,$(BPF_SOURCES))
BPF_HEADERS := $(wildcard bpf/include/*.h bpf/lib/*.bpf.h)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

.PHONY: all bpf native ts generate clean
all: bpf native ts

# ebpipe's Node.js (scripts/node.sh) runs every tool below, whatever `node` the shell finds.
EBPIPE_NODE := $(shell bash scripts/node.sh)
ifeq ($(EBPIPE_NODE),)
$(error no Node.js 24 or newer to build with: run scripts/setup.sh)
endif
export PATH := $(dir $(EBPIPE_NODE)):$(PATH)

bpf: $(BPF_OBJECTS)

$(BPF_BUILD)/vmlinux.h: | $(BPF_BUILD)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BPF_BUILD):
	mkdir -p $@

# -g keeps BTF (CO-RE relocations and the decoder generator need it); -mcpu=v3 for atomics.
$(BPF_BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) $(BPF_BUILD)/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
		-Wall -Werror -I$(BPF_BUILD) -Ibpf/include -Ibpf -c $< -o $@.tmp
	$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

# Node's own headers, next to that node, so node-gyp never downloads them (CI is offline).
NODEDIR ?= $(abspath $(dir $(EBPIPE_NODE))..)
NODE_GYP_FLAGS := $(if $(wildcard $(NODEDIR)/include/node/node.h),--nodedir=$(NODEDIR),)
# The addon is rebuilt for another Node.js ABI as for changed sources (node-gyp clears native/build).
NATIVE_STAMP := native/build/built-for-node-abi-$(shell $(EBPIPE_NODE) -p process.versions.modules)

native: $(NATIVE_STAMP)

$(NATIVE_STAMP): native/binding.gyp $(wildcard native/src/*)
	# Not through npx: npm hands node-gyp the user's npmrc nodedir (Debian's points at /usr).
	cd native && env -u npm_config_nodedir $(EBPIPE_NODE) ../node_modules/node-gyp/bin/node-gyp.js rebuild --silent $(NODE_GYP_FLAGS)
	touch $@

generate: bpf ts
	$(EBPIPE_NODE) dist/scripts/generate-decoder.js $(BPF_BUILD)/abi.bpf.o src/events/generated/abi.ts
	$(EBPIPE_NODE) dist/scripts/generate-otel-mapping.js src/exporters/otel/MAPPING.md
	$(EBPIPE_NODE) dist/scripts/generate-ocsf-mapping.js src/exporters/ocsf/MAPPING.md

ts:
	npx --no-install tsc -p tsconfig.json

clean:
	rm -rf $(BPF_BUILD) native/build dist
