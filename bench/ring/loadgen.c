// Load generator for bench/ring: waits for a byte on stdin, then calls getppid() as fast as
// one core allows for the given seconds, and prints how many calls it made.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3.0;
  char go;
  if (read(0, &go, 1) != 1) return 1;
  unsigned long calls = 0;
  double start = now(), end = start + seconds, t = start;
  while (t < end) {
    // Check the clock every 4096 calls: clock_gettime is cheaper than the syscall, but not free.
    for (int i = 0; i < 4096; i++) syscall(SYS_getppid);
    calls += 4096;
    t = now();
  }
  printf("%lu %.6f\n", calls, t - start);
  return 0;
}
