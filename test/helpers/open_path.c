/* open_path PATH: open PATH with O_PATH (a descriptor that only names the file), then open the file
 * again for reading through /proc/self/fd/N, the way an O_PATH descriptor of another process's fd
 * link becomes a real one. Prints "reopened PATH" or "failed STEP errno=N" and exits 0 or 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: open_path PATH\n");
		return 2;
	}
	int fd = open(argv[1], O_PATH | O_CLOEXEC);
	if (fd < 0) {
		printf("failed open errno=%d\n", errno);
		return 1;
	}
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	int again = open(self, O_RDONLY | O_CLOEXEC);
	if (again < 0) {
		printf("failed reopen errno=%d\n", errno);
		return 1;
	}
	printf("reopened %s\n", argv[1]);
	return 0;
}
