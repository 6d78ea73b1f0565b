/* rename_exchange A B: renameat2(A, B, RENAME_EXCHANGE), swapping two names atomically (the
 * conformance suite's directory-exchange case). Prints its pid, then "exchanged". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s A B\n", argv[0]);
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
		perror("renameat2(RENAME_EXCHANGE)");
		return 1;
	}
	printf("exchanged\n");
	return 0;
}
