/* bind_write [--unshare] SRC DST FILE LINE: bind-mounts SRC on DST, appends LINE and a newline to
 * DST/FILE (creating it), then unmounts. With --unshare it first enters a new mount namespace
 * (with private propagation, so nothing reaches the caller's namespace) and writes from there.
 * Prints its pid first. The conformance suite's bind-mount and mount-namespace cases. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int unshare_ns = argc > 1 && strcmp(argv[1], "--unshare") == 0;
	char **a = argv + unshare_ns;

	if (argc - unshare_ns != 5) {
		fprintf(stderr, "usage: %s [--unshare] SRC DST FILE LINE\n", argv[0]);
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (unshare_ns) {
		if (unshare(CLONE_NEWNS) != 0) {
			perror("unshare(CLONE_NEWNS)");
			return 1;
		}
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
			perror("mount --make-rprivate /");
			return 1;
		}
	}
	if (mount(a[1], a[2], NULL, MS_BIND, NULL) != 0) {
		perror("mount --bind");
		return 1;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", a[2], a[3]);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	int rc = 0;
	if (fd < 0) {
		perror(path);
		rc = 1;
	} else {
		char line[4096];
		int n = snprintf(line, sizeof(line), "%s\n", a[4]);
		if (write(fd, line, n) != n) {
			perror("write");
			rc = 1;
		}
		close(fd);
	}
	if (umount2(a[2], MNT_DETACH) != 0) {
		perror("umount");
		rc = 1;
	}
	return rc;
}
