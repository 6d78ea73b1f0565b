/* ptrace_attach PID [attach|seize] [TIMES]: PTRACE_ATTACH (or PTRACE_SEIZE) to PID, wait for the
 * stop, detach; TIMES times (default 1) from this one process. Prints "attached PID" or
 * "failed PID errno=N (message)" and exits 0 or 1 (the first failure ends it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ptrace_attach PID [attach|seize] [TIMES]\n");
		return 2;
	}
	pid_t pid = (pid_t)atoi(argv[1]);
	int seize = argc > 2 && strcmp(argv[2], "seize") == 0;
	int times = argc > 3 ? atoi(argv[3]) : 1;
	for (int i = 0; i < times; i++) {
		long r = seize ? ptrace(PTRACE_SEIZE, pid, NULL, NULL) : ptrace(PTRACE_ATTACH, pid, NULL, NULL);
		if (r != 0) {
			int err = errno;
			printf("failed %d errno=%d (%s)\n", (int)pid, err, strerror(err));
			return 1;
		}
		if (!seize)
			waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	printf("attached %d\n", (int)pid);
	return 0;
}
