/* write_via METHOD SRC DST: changes DST without write(2): METHOD is copy_file_range, sendfile or
 * splice (SRC's content into DST, through a pipe for splice), fallocate (DST grows by 4096 bytes,
 * SRC unused) or aio (Linux AIO: one io_submit of three IOCB_CMD_PWRITEs, to /dev/null twice and
 * then SRC's content into DST, so the write to DST is not the first iocb). Opens DST for writing (no O_TRUNC, O_CREAT or O_APPEND) at its end. Prints its pid first. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* Linux AIO through the raw syscalls (no libaio): the write at off of out, and two before it to null. */
static ssize_t aio_write_last(int out, off_t off, int in, size_t len)
{
	char *buf = malloc(len);
	aio_context_t ctx = 0;
	int null = open("/dev/null", O_WRONLY);
	if (!buf || null < 0 || read(in, buf, len) != (ssize_t)len || syscall(SYS_io_setup, 8, &ctx) != 0)
		return -1;
	struct iocb cbs[3] = {};
	struct iocb *list[3] = { &cbs[0], &cbs[1], &cbs[2] };
	for (int i = 0; i < 3; i++) {
		cbs[i].aio_lio_opcode = IOCB_CMD_PWRITE;
		cbs[i].aio_fildes = i < 2 ? null : out;
		cbs[i].aio_buf = (__u64)(unsigned long)buf;
		cbs[i].aio_nbytes = len;
		cbs[i].aio_offset = i < 2 ? 0 : off;
	}
	if (syscall(SYS_io_submit, ctx, 3, list) != 3)
		return -1;
	struct io_event events[3];
	long done = 0;
	while (done < 3) {
		long n = syscall(SYS_io_getevents, ctx, 1, 3 - done, events, NULL);
		if (n <= 0)
			return -1;
		for (long i = 0; i < n; i++)
			if (events[i].res < 0)
				return -1;
		done += n;
	}
	syscall(SYS_io_destroy, ctx);
	return (ssize_t)len;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: write_via copy_file_range|sendfile|splice|fallocate|aio SRC DST\n");
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
	} else if (strcmp(how, "aio") == 0) {
		off_t end = lseek(out, 0, SEEK_END);
		n = aio_write_last(out, end, in, (size_t)st.st_size);
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
