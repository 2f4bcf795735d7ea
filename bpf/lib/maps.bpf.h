/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps every program object shares. Each object declares them with the same
 * definition; the loader (native/src/loader.c) creates them once and makes the
 * other objects reuse them by name, so all sensors feed one ring buffer and
 * one set of counters.
 */
#ifndef EBPIPE_MAPS_BPF_H
#define EBPIPE_MAPS_BPF_H

#include "events.h"

/* Scratch space for building variable-length records and paths. */
enum ebpipe_scratch_sizes {
	/* Record tail: three parts of at most 4 KiB at masked offsets below 8 KiB. */
	EBPIPE_SCRATCH_EVENT_SIZE = 16384,
	/* Paths are assembled right-aligned below EBPIPE_PATH_MAX_LEN; a name of up to 255 bytes is copied at a masked offset. */
	EBPIPE_SCRATCH_PATH_SIZE = EBPIPE_PATH_MAX_LEN + 256,
};

struct scratch {
	/* Non-zero while a program on this CPU builds a record (see scratch_acquire). */
	__u64 busy;
	char event[EBPIPE_SCRATCH_EVENT_SIZE];
	char path[EBPIPE_SCRATCH_PATH_SIZE];
};

/* Size is set by the loader before load (ring_bytes option). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Index reason * EBPIPE_OP_MAX + op; per-CPU values, so user space sees op x CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EBPIPE_OP_MAX * EBPIPE_DROP_REASON_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Per-CPU count of records each CPU tried to emit (event_header.seq). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sequence SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_space SEC(".maps");

#endif /* EBPIPE_MAPS_BPF_H */
