// The exec+open+connect workload of bench/workload: a loop that runs short processes, each
// opening files, creating and removing one, and connecting to a local TCP listener, one
// after the other. Prints the loop's wall time as JSON.
// Usage: workload ITERATIONS DIR   (the driver)
//        workload --child PORT DIR (one iteration's process, exec'd by the driver)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int child(int port, const char *dir)
{
	const char *reads[] = { "/etc/hostname", "/etc/passwd", "/etc/os-release" };
	char buf[256], scratch[4096];
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	int dirfd, fd;

	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		fd = open(reads[i], O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				return 1;
			close(fd);
		}
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(scratch, sizeof(scratch), "w-%d", getpid());
	fd = openat(dirfd, scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1)
		return 1;
	close(fd);
	unlinkat(dirfd, scratch, 0);
	close(dirfd);

	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return 1;
	close(fd);
	return 0;
}

/* Accepts and closes connections until killed. */
static pid_t start_acceptor(int *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
		perror("listen");
		exit(2);
	}
	*port = ntohs(addr.sin_port);
	pid = fork();
	if (pid == 0) {
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}
	close(fd);
	return pid;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child(atoi(argv[2]), argv[3]);
	if (argc != 3) {
		fprintf(stderr, "usage: %s ITERATIONS DIR\n", argv[0]);
		return 2;
	}
	long iterations = atol(argv[1]), failed = 0;
	char port_text[16];
	int port;
	pid_t acceptor = start_acceptor(&port);
	struct timespec start, end;

	snprintf(port_text, sizeof(port_text), "%d", port);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < iterations; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			execl("/proc/self/exe", "workload-child", "--child", port_text, argv[2], (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	kill(acceptor, SIGKILL);
	waitpid(acceptor, NULL, 0);
	printf("{\"iterations\":%ld,\"failed\":%ld,\"seconds\":%.6f}\n", iterations, failed,
	       (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
	return failed ? 1 : 0;
}
