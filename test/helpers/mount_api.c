/* mount_api SRC DST: bind-mounts SRC on DST with the new mount API (open_tree(OPEN_TREE_CLONE)
 * then move_mount of the detached copy), as util-linux 2.39+ does for `mount --bind`. Prints its
 * pid first. The conformance suite's mount-source-watched case. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OPEN_TREE_CLONE_ 1
#define MOVE_MOUNT_F_EMPTY_PATH_ 0x00000004

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE_ | O_CLOEXEC);
	if (fd < 0) {
		perror("open_tree");
		return 1;
	}
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH_) != 0) {
		perror("move_mount");
		return 1;
	}
	close(fd);
	return 0;
}
