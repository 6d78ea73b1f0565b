/* openat_write DIR NAME TEXT: opens DIR, then openat(dirfd, NAME, O_WRONLY|O_CREAT|O_APPEND) and
 * writes TEXT: exercises path resolution through a directory fd. Prints its pid first. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: openat_write DIR NAME TEXT\n");
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dirfd < 0) {
		perror("open dir");
		return 1;
	}
	int fd = openat(dirfd, argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		perror("openat");
		return 1;
	}
	if (write(fd, argv[3], strlen(argv[3])) < 0) {
		perror("write");
		return 1;
	}
	close(fd);
	close(dirfd);
	return 0;
}
