/* notify_listen PATH: binds a unix datagram socket at PATH (what systemd's $NOTIFY_SOCKET is) and
 * prints every datagram received as one line, newlines shown as "|". Prints "listening" first. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: notify_listen PATH\n");
		return 2;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (fd < 0 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		perror("socket");
		return 1;
	}
	strcpy(addr.sun_path, argv[1]);
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("bind");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	char buf[4096];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) continue;
		buf[n] = '\0';
		for (ssize_t k = 0; k < n; k++)
			if (buf[k] == '\n') buf[k] = '|';
		printf("%s\n", buf);
		fflush(stdout);
	}
}
