/* write_file TEXT FILE... [-- IGNORED...]: appends TEXT to each FILE and exits at once, without
 * closing them (the process is gone a moment after its last write). Arguments after "--" are
 * ignored: tests put secrets there to see them redacted. Prints its pid first. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: write_file TEXT FILE... [-- IGNORED...]\n");
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || write(fd, argv[1], strlen(argv[1])) < 0) {
			perror(argv[i]);
			return 1;
		}
	}
	_exit(0);
}
