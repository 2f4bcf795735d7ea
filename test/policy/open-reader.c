// A process for the policy tests: opens a file with one exact system call, reads what it can
// and copies it to stdout, COUNT times; or connects to a TCP port.
//
// usage: open-reader open|openat|openat2|creat|trunc PATH [COUNT]
//        open-reader connect IPV4 PORT
// exit status: 0 done; 3 the open or connect failed (its errno name on stderr, e.g. "openat: EPERM").
// A process a policy kills never gets to its read: stdout stays empty.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *what) {
	fprintf(stderr, "%s: %s\n", what, strerrorname_np(errno));
	return 3;
}

static int open_with(const char *mode, const char *path) {
	if (strcmp(mode, "open") == 0)
		return (int)syscall(SYS_open, path, O_RDONLY);
	if (strcmp(mode, "openat") == 0)
		return (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
	if (strcmp(mode, "openat2") == 0) {
		struct open_how how = {.flags = O_RDONLY};
		return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	}
	if (strcmp(mode, "creat") == 0)
		return (int)syscall(SYS_creat, path, 0644);
	if (strcmp(mode, "trunc") == 0)
		return (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_TRUNC);
	errno = EINVAL;
	return -1;
}

static int connect_to(const char *address, const char *port) {
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port))};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, address, &to.sin_addr) != 1)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0)
		return fail("connect");
	close(fd);
	return 0;
}

int main(int argc, char **argv) {
	char buf[4096];
	ssize_t n;

	if (argc >= 4 && strcmp(argv[1], "connect") == 0)
		return connect_to(argv[2], argv[3]);
	if (argc < 3) {
		fprintf(stderr, "usage: open-reader open|openat|openat2|creat|trunc PATH [COUNT] | connect IPV4 PORT\n");
		return 2;
	}
	long count = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
	for (long i = 0; i < count; i++) {
		int fd = open_with(argv[1], argv[2]);

		if (fd < 0)
			return fail(argv[1]);
		while (i == 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		close(fd);
	}
	return 0;
}
