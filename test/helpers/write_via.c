/* write_via METHOD SRC DST: changes DST without write(2): METHOD is copy_file_range, sendfile or
 * splice (SRC's content into DST, through a pipe for splice) or fallocate (DST grows by 4096 bytes,
 * SRC unused). Opens DST for writing (no O_TRUNC, O_CREAT or O_APPEND) at its end. Prints its pid first. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: write_via copy_file_range|sendfile|splice|fallocate SRC DST\n");
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	const char *how = argv[1];
	int in = open(argv[2], O_RDONLY);
	/* at the end, without O_APPEND (which copy_file_range, sendfile and splice refuse) */
	int out = open(argv[3], O_WRONLY);
	struct stat st;
	if (in < 0 || out < 0 || fstat(in, &st) != 0 || lseek(out, 0, SEEK_END) < 0) {
		perror("open");
		return 1;
	}
	ssize_t n = -1;
	if (strcmp(how, "copy_file_range") == 0) {
		n = copy_file_range(in, NULL, out, NULL, (size_t)st.st_size, 0);
	} else if (strcmp(how, "sendfile") == 0) {
		n = sendfile(out, in, NULL, (size_t)st.st_size);
	} else if (strcmp(how, "splice") == 0) {
		int p[2];
		if (pipe(p) == 0 && splice(in, NULL, p[1], NULL, (size_t)st.st_size, 0) >= 0)
			n = splice(p[0], NULL, out, NULL, (size_t)st.st_size, 0);
	} else if (strcmp(how, "fallocate") == 0) {
		struct stat now;
		n = fstat(out, &now) == 0 ? fallocate(out, 0, now.st_size, 4096) : -1;
	} else {
		fprintf(stderr, "write_via: unknown method %s\n", how);
		return 2;
	}
	if (n < 0) {
		perror(how);
		return 1;
	}
	return 0;
}
