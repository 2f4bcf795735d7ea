// The benchmark's workload: open and close one file N times with openat(2), then print
// the nanoseconds it took (CLOCK_MONOTONIC) on stdout.
// usage: open-loop PATH N
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	struct timespec start, end;

	if (argc != 3) {
		fprintf(stderr, "usage: open-loop PATH N\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, argv[1], O_RDONLY);

		if (fd < 0) {
			perror("openat");
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%lld\n", (long long)(end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec));
	return 0;
}
