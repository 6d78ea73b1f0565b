/* rename_race UNWATCHED WATCHED ROUNDS: the conformance suite's rename race. Each round makes
 * UNWATCHED/rN/f, starts a child that opens UNWATCHED/rN/f in a tight loop, renames the directory
 * to WATCHED/rN while the child spins, stops the child, and then appends one line to WATCHED/rN/f.
 * Every one of those appends is to a watched file and must be reported. Prints its pid first. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pause_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s UNWATCHED WATCHED ROUNDS\n", argv[0]);
		return 2;
	}
	int rounds = atoi(argv[3]);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	for (int i = 0; i < rounds; i++) {
		char dir[2048], file[4096], moved[2048], target[4096];
		snprintf(dir, sizeof(dir), "%s/r%d", argv[1], i);
		snprintf(file, sizeof(file), "%s/f", dir);
		snprintf(moved, sizeof(moved), "%s/r%d", argv[2], i);
		snprintf(target, sizeof(target), "%s/f", moved);
		if (mkdir(dir, 0755) != 0) {
			perror(dir);
			return 1;
		}
		int fd = open(file, O_WRONLY | O_CREAT, 0644);
		if (fd < 0) {
			perror(file);
			return 1;
		}
		close(fd);
		pid_t child = fork();
		if (child == 0) {
			for (;;) {
				int f = open(file, O_RDONLY);
				if (f >= 0)
					close(f);
			}
		}
		pause_us(2000); /* let the opener spin before the rename */
		if (rename(dir, moved) != 0) {
			perror("rename");
			return 1;
		}
		pause_us(500);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		fd = open(target, O_WRONLY | O_APPEND);
		if (fd < 0 || write(fd, "x\n", 2) != 2) {
			perror(target);
			return 1;
		}
		close(fd);
	}
	printf("done\n");
	return 0;
}
