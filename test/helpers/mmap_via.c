/* mmap_via MODE FILE FIND REPLACE DELAY_MS: changes FILE through a mapping, never write(2).
 * Opens FILE read-write, maps it and closes the fd at once (so nothing happens at a close after
 * the stores), waits DELAY_MS, then overwrites the first FIND in the mapping with REPLACE (same
 * length) and exits without msync (the page cache already holds the stores). MODE:
 *   shared    mmap(PROT_READ|PROT_WRITE, MAP_SHARED)
 *   mprotect  mmap(PROT_READ, MAP_SHARED), then mprotect(PROT_READ|PROT_WRITE)
 *   fork      as shared, then forks: the parent exits at once, the child inherits the mapping and
 *             stores after DELAY_MS (the mapping outlives the process that made it)
 *   private   mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE): the stores never reach the file
 * Prints the pid of the process that maps first (for fork, the child's pid second). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: mmap_via shared|mprotect|fork|private FILE FIND REPLACE DELAY_MS\n");
		return 2;
	}
	const char *mode = argv[1], *find = argv[3], *replace = argv[4];
	long delay = atol(argv[5]);
	if (strlen(find) != strlen(replace) || strlen(find) == 0) {
		fprintf(stderr, "mmap_via: FIND and REPLACE must have the same, non-zero length\n");
		return 2;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	int fd = open(argv[2], O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
		perror("open");
		return 1;
	}
	int shared = strcmp(mode, "private") == 0 ? MAP_PRIVATE : MAP_SHARED;
	int prot = strcmp(mode, "mprotect") == 0 ? PROT_READ : PROT_READ | PROT_WRITE;
	char *map = mmap(NULL, (size_t)st.st_size, prot, shared, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);
	if (strcmp(mode, "mprotect") == 0 && mprotect(map, (size_t)st.st_size, PROT_READ | PROT_WRITE) != 0) {
		perror("mprotect");
		return 1;
	}
	if (strcmp(mode, "fork") == 0) {
		pid_t child = fork();
		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child > 0) {
			printf("%d\n", (int)child);
			fflush(stdout);
			return 0; /* the parent is gone before any store */
		}
		/* the caller reads until EOF: the child must not hold its pipes */
		fclose(stdout);
		fclose(stderr);
	}
	sleep_ms(delay);
	char *at = memmem(map, (size_t)st.st_size, find, strlen(find));
	if (!at) {
		fprintf(stderr, "mmap_via: %s not found in %s\n", find, argv[2]);
		return 1;
	}
	memcpy(at, replace, strlen(replace));
	return 0;
}
