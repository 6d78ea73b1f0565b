/* write_loop reopen|keep PATH COUNT INTERVAL_US: COUNT times (open,) write one byte (, close), with
 * INTERVAL_US between them: a writer with a known number of operations (reopen: COUNT opens and
 * COUNT writes; keep: one open, COUNT writes). Prints its pid first and "done COUNT" at the end. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "reopen") != 0 && strcmp(argv[1], "keep") != 0)) {
		fprintf(stderr, "usage: write_loop reopen|keep PATH COUNT INTERVAL_US\n");
		return 2;
	}
	int reopen = strcmp(argv[1], "reopen") == 0;
	long count = atol(argv[3]);
	useconds_t interval = (useconds_t)atol(argv[4]);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	int fd = -1;
	for (long i = 0; i < count; i++) {
		if (fd < 0) {
			fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (fd < 0) {
				perror("open");
				return 1;
			}
		}
		if (write(fd, "x", 1) != 1) {
			perror("write");
			return 1;
		}
		if (reopen) {
			close(fd);
			fd = -1;
		}
		if (interval) usleep(interval);
	}
	if (fd >= 0) close(fd);
	printf("done %ld\n", count);
	return 0;
}
