/* exit_without_close DIR WRITES CHURN: a child opens DIR/victim, writes WRITES single bytes and
 * exits without close(2) (its struct file goes away without a close the tracepoint sensor sees);
 * the parent then opens and closes CHURN distinct files in DIR, so the kernel reuses the child's
 * struct file and evicts the victim from the agent's inode-path cache. The aggregated writes are
 * then flushed by the kernel with LW_F_PATH_UNKNOWN. Prints the victim's inode number. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s DIR WRITES CHURN\n", argv[0]);
		return 2;
	}
	char victim[4096];
	snprintf(victim, sizeof(victim), "%s/victim", argv[1]);
	long writes = atol(argv[2]), churn = atol(argv[3]);
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		int fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(1);
		for (long i = 0; i < writes; i++)
			if (write(fd, "x", 1) != 1)
				_exit(1);
		_exit(0); /* no close(2) */
	}
	int status = 0;
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	char name[4096];
	for (long i = 0; i < churn; i++) {
		snprintf(name, sizeof(name), "%s/churn-%ld", argv[1], i);
		int fd = open(name, O_WRONLY | O_CREAT, 0600);
		if (fd >= 0)
			close(fd);
	}
	struct stat st;
	if (stat(victim, &st) != 0)
		return 1;
	printf("%llu\n", (unsigned long long)st.st_ino);
	return 0;
}
