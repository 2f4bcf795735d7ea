// Makes exactly the system calls the sensor tests name, through syscall(2): glibc's open()
// and creat() are openat() underneath. Usage: sensor-helper MODE ARGS...; prints each
// call's result and exits 0, because the attempt is what the tests look for.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, long result)
{
	printf("%s %ld\n", what, result < 0 ? -(long)errno : result);
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		perror(dir);
		exit(2);
	}
	return fd;
}

/* An IPv4 or IPv6 UDP socket and the destination address:port, from text. */
static int udp_destination(const char *host, const char *port, struct sockaddr_storage *dest, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)dest;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)dest;

	memset(dest, 0, sizeof(*dest));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(atoi(port));
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(atoi(port));
		*len = sizeof(*v6);
	} else {
		fprintf(stderr, "not an address: %s\n", host);
		exit(2);
	}
	return socket(dest->ss_family, SOCK_DGRAM, 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "chdir-open") && argc == 4) {
		if (chdir(argv[2]) != 0) {
			perror(argv[2]);
			return 2;
		}
		report("open", syscall(SYS_open, argv[3], O_RDONLY));
	} else if (!strcmp(mode, "open") && argc == 3) {
		report("open", syscall(SYS_open, argv[2], O_RDONLY));
	} else if (!strcmp(mode, "openat") && argc == 4) {
		report("openat", syscall(SYS_openat, open_dir(argv[2]), argv[3], O_RDONLY));
	} else if (!strcmp(mode, "openat2") && argc == 4) {
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH };

		report("openat2", syscall(SYS_openat2, open_dir(argv[2]), argv[3], &how, sizeof(how)));
	} else if (!strcmp(mode, "creat") && argc == 3) {
		report("creat", syscall(SYS_creat, argv[2], 0640));
	} else if (!strcmp(mode, "fchmod") && argc == 4) {
		int fd = open(argv[2], O_RDONLY);

		report("fchmod", syscall(SYS_fchmod, fd, strtol(argv[3], NULL, 8)));
	} else if (!strcmp(mode, "setuid") && argc == 3) {
		report("setuid", syscall(SYS_setuid, atoi(argv[2])));
	} else if (!strcmp(mode, "udp-sendto") && argc == 5) {
		struct sockaddr_storage dest;
		socklen_t len;
		int fd = udp_destination(argv[2], argv[3], &dest, &len);

		for (int i = atoi(argv[4]); i > 0; i--)
			report("sendto", sendto(fd, "ping", 4, 0, (struct sockaddr *)&dest, len));
	} else if (!strcmp(mode, "udp-sendmsg") && argc == 4) {
		struct sockaddr_storage dest;
		socklen_t len;
		int fd = udp_destination(argv[2], argv[3], &dest, &len);
		struct iovec iov = { .iov_base = "ping", .iov_len = 4 };
		struct msghdr msg = { .msg_name = &dest, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1 };

		report("sendmsg", sendmsg(fd, &msg, 0));
	} else if (!strcmp(mode, "finit-module-bad-fd") && argc == 2) {
		report("finit_module", syscall(SYS_finit_module, -1, "", 0));
	} else {
		fprintf(stderr, "usage: %s chdir-open DIR NAME | open PATH | openat DIR NAME | openat2 DIR NAME | creat PATH |"
				 " fchmod PATH OCTAL | setuid UID | udp-sendto HOST PORT COUNT | udp-sendmsg HOST PORT |"
				" finit-module-bad-fd\n",
			argv[0]);
		return 2;
	}
	return 0;
}
