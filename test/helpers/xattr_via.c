/* xattr_via CALL PATH NAME [HEX]: sets (set, lset, fset) or removes (remove, lremove, fremove) the
 * extended attribute NAME of PATH through the named system call; HEX is the value in hexadecimal
 * (a file capability, an ACL: the tests build the bytes). fset and fremove open PATH first
 * (O_RDONLY). Prints its pid first; exits 1 with the errno's text if the call fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static int hex_value(const char *hex, unsigned char *out, size_t max, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (unsigned char)byte;
	}
	*len = n / 2;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char value[4096];
	size_t len = 0;

	if (argc < 4 || argc > 5 || (argc == 5 && hex_value(argv[4], value, sizeof(value), &len) != 0)) {
		fprintf(stderr, "usage: xattr_via set|lset|fset|remove|lremove|fremove PATH NAME [HEX]\n");
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	const char *call = argv[1], *path = argv[2], *name = argv[3];
	int rc = -1;
	if (strcmp(call, "set") == 0) {
		rc = setxattr(path, name, value, len, 0);
	} else if (strcmp(call, "lset") == 0) {
		rc = lsetxattr(path, name, value, len, 0);
	} else if (strcmp(call, "remove") == 0) {
		rc = removexattr(path, name);
	} else if (strcmp(call, "lremove") == 0) {
		rc = lremovexattr(path, name);
	} else if (strcmp(call, "fset") == 0 || strcmp(call, "fremove") == 0) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror("open");
			return 1;
		}
		rc = call[1] == 's' ? fsetxattr(fd, name, value, len, 0) : fremovexattr(fd, name);
		close(fd);
	} else {
		fprintf(stderr, "xattr_via: unknown call %s\n", call);
		return 2;
	}
	if (rc != 0) {
		fprintf(stderr, "xattr_via %s %s: %s\n", call, name, strerror(errno));
		return 1;
	}
	return 0;
}
