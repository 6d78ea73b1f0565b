/* hold_open PATH: opens PATH for appending and keeps it open; each "w" line on stdin writes one byte
 * through that same descriptor (answering "wrote"), "q" closes and exits. Tests what happens to a
 * file opened before a policy reload and written after it. Prints its pid first, then "open". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hold_open PATH\n");
		return 2;
	}
	printf("%d\n", (int)getpid());
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	printf("open\n");
	fflush(stdout);
	char line[64];
	while (fgets(line, sizeof(line), stdin)) {
		if (line[0] == 'q') break;
		if (line[0] == 'w') {
			if (write(fd, "x", 1) != 1) {
				perror("write");
				return 1;
			}
			printf("wrote\n");
			fflush(stdout);
		}
	}
	close(fd);
	return 0;
}
