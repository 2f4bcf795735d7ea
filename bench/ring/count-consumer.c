// Baseline consumer for bench/ring: libbpf's ring_buffer with a callback that only counts.
// Usage: count-consumer OBJECT PID RING_BYTES WAKEUP_BYTES LATENCY_MS; prints "ready", runs
// until SIGINT, then prints "records drops cpu_ns". It wakes as the agent's reader does: the
// kernel signals only past WAKEUP_BYTES, the poll timeout picks up the rest.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "events.h"

static volatile sig_atomic_t stopping;
static unsigned long long records;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static int count(void *ctx, void *data, size_t size) {
  (void)ctx; (void)data; (void)size;
  records++;
  return 0;
}

/* Writes a const volatile global, found through the object's BTF, before load. */
static int set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size) {
  const struct btf *btf = bpf_object__btf(obj);
  int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
  size_t data_size;
  char *data = map ? (char *)bpf_map__initial_value(map, &data_size) : NULL;
  if (id < 0 || !data) return -1;
  const struct btf_type *sec = btf__type_by_id(btf, id);
  const struct btf_var_secinfo *var = btf_var_secinfos(sec);
  for (int i = 0; i < btf_vlen(sec); i++, var++) {
    const struct btf_type *t = btf__type_by_id(btf, var->type);
    if (strcmp(btf__name_by_offset(btf, t->name_off), name) == 0 && var->size == size) {
      memcpy(data + var->offset, value, size);
      return 0;
    }
  }
  return -1;
}

static unsigned long long ring_full_drops(struct bpf_object *obj) {
  int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "drops"));
  int cpus = libbpf_num_possible_cpus();
  unsigned long long *values = calloc(cpus, sizeof(*values)), total = 0;
  unsigned int key = EBPIPE_DROP_RING_FULL * EBPIPE_OP_MAX + EBPIPE_OP_BENCH;
  if (bpf_map_lookup_elem(fd, &key, values) == 0)
    for (int i = 0; i < cpus; i++) total += values[i];
  free(values);
  return total;
}

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
  __u32 target = (__u32)atoi(argv[2]);
  __u64 wakeup = strtoull(argv[4], NULL, 10);
  int latency_ms = atoi(argv[5]);
  if (!obj || set_rodata(obj, "target_tgid", &target, sizeof(target)) ||
      set_rodata(obj, "ring_wakeup_bytes", &wakeup, sizeof(wakeup)))
    return 1;
  bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "events"), (unsigned int)atoi(argv[3]));
  if (bpf_object__load(obj)) return 1;
  struct bpf_program *prog = bpf_object__find_program_by_name(obj, "handle_bench_syscall");
  struct bpf_link *link = bpf_program__attach(prog);
  if (!link) return 1;
  struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), count, NULL, NULL);
  signal(SIGINT, on_signal);
  printf("ready\n");
  fflush(stdout);
  while (!stopping) ring_buffer__poll(rb, latency_ms);
  bpf_link__destroy(link);
  ring_buffer__consume(rb);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  unsigned long long cpu_ns = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000000ull +
                              (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000ull;
  printf("%llu %llu %llu\n", records, ring_full_drops(obj), cpu_ns);
  ring_buffer__free(rb);
  bpf_object__close(obj);
  return 0;
}
