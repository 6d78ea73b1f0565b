/* pid_reuse PID MAX_FORKS PROGRAM ARGS...: forks children that exit at once until one gets PID,
 * then that child executes PROGRAM: a new process with the pid of an earlier one. Before each fork
 * it asks for PID through /proc/sys/kernel/ns_last_pid (as CRIU does: the next pid is the one after
 * it), and where that is not allowed the kernel's cyclic pid allocation brings PID round anyway.
 * Prints the pid reached. Exits 3 if MAX_FORKS forks did not reach it (another process has it). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: pid_reuse PID MAX_FORKS PROGRAM ARGS...\n");
		return 2;
	}
	pid_t target = (pid_t)atoi(argv[1]);
	long max = atol(argv[2]);
	int pipefd[2];

	char last[32];
	int last_len = snprintf(last, sizeof(last), "%d", (int)target - 1);
	for (long n = 0; n < max; n++) {
		int ns = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
		if (ns >= 0) {
			if (write(ns, last, (size_t)last_len) < 0) { /* not allowed: cycle round instead */ }
			close(ns);
		}
		if (pipe(pipefd) != 0) {
			perror("pipe");
			return 1;
		}
		pid_t child = fork();
		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			char go = 0;
			close(pipefd[1]);
			if (getpid() != target)
				_exit(0);
			/* wait until the parent has printed the pid, so output stays in order */
			if (read(pipefd[0], &go, 1) != 1)
				_exit(1);
			execvp(argv[3], &argv[3]);
			perror("execvp");
			_exit(127);
		}
		close(pipefd[0]);
		if (child == target) {
			int status = 0;
			printf("%d\n", (int)child);
			fflush(stdout);
			if (write(pipefd[1], "g", 1) != 1)
				return 1;
			close(pipefd[1]);
			waitpid(child, &status, 0);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		}
		close(pipefd[1]);
		waitpid(child, NULL, 0);
	}
	fprintf(stderr, "pid_reuse: %ld forks did not reach pid %d\n", max, (int)target);
	return 3;
}
