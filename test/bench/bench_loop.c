// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_loop: the syscall loops of the lsmwatch benchmark (make bench), in C so that what is measured
 * is the syscalls and the sensor's hooks on them, not an interpreter. Built statically by
 * test/bench/run.ts into build/bench/bench_loop, so it also runs inside the VM test bed.
 *
 * Every command prints one JSON object on stdout; "ns" is the elapsed CLOCK_MONOTONIC time of the
 * measured part only (file set-up and clean-up are outside it); "events" is how many file events a
 * sensor watching PATH/DIR should report for the measured part (opens for writing, writes, unlinks).
 *
 *   bench_loop open PATH N r|w           open(PATH, O_RDONLY|O_WRONLY) + close, N times
 *   bench_loop write PATH SIZE N         N write()s of SIZE bytes to one fd (wraps at 1 MiB by lseek)
 *   bench_loop rate PATH RATE SECONDS    1-byte writes at RATE per second (0: as fast as possible)
 *   bench_loop count PATH N              N 1-byte writes as fast as possible
 *   bench_loop touch DIR N RATE          N distinct paths DIR/pNNNNNNN: create+write 1 byte+close+unlink,
 *                                        paced at RATE paths per second (0: as fast as possible)
 *   bench_loop churn DIR RATE SECONDS    fork RATE short-lived writers per second; each opens
 *                                        DIR/c<seq % 1000>, writes 4 x 16 bytes, closes and exits
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WRAP_BYTES (1u << 20)

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void sleep_until(uint64_t when_ns)
{
	struct timespec t = { .tv_sec = (time_t)(when_ns / 1000000000ull), .tv_nsec = (long)(when_ns % 1000000000ull) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "bench_loop: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
	exit(1);
}

/* seconds, fractions allowed: returns nanoseconds */
static uint64_t seconds_ns(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || v < 0 || v > 1e6) {
		fprintf(stderr, "bench_loop: bad SECONDS '%s'\n", s);
		exit(2);
	}
	return (uint64_t)(v * 1e9);
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s) {
		fprintf(stderr, "bench_loop: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* Pacing: with RATE > 0, how many operations are due by now; sleeps a little when none is. */
struct pacer {
	uint64_t t0, rate;
};

static uint64_t pacer_due(struct pacer *p, uint64_t done, uint64_t now)
{
	if (p->rate == 0)
		return done + 256;
	uint64_t due = (uint64_t)((unsigned __int128)(now - p->t0) * p->rate / 1000000000ull);
	if (due > done)
		return due - done > 256 ? done + 256 : due;
	/* ahead of schedule: sleep until the next operation (or a small batch of them) is due */
	uint64_t step = p->rate / 10000 ? p->rate / 10000 : 1; /* batches of ~100 us */
	sleep_until(p->t0 + (uint64_t)((unsigned __int128)(done + step) * 1000000000ull / p->rate));
	return done;
}

static int cmd_open(const char *path, uint64_t n, const char *mode)
{
	int flags = mode[0] == 'w' ? O_WRONLY : O_RDONLY;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		int fd = open(path, flags);
		if (fd < 0)
			die("open", path);
		close(fd);
	}
	uint64_t t1 = now_ns();
	printf("{\"ns\":%llu,\"ops\":%llu,\"events\":%llu}\n", (unsigned long long)(t1 - t0), (unsigned long long)n,
	       (unsigned long long)(flags == O_WRONLY ? n : 0));
	return 0;
}

static int cmd_write(const char *path, uint64_t size, uint64_t n)
{
	static char buf[1 << 16];
	if (size == 0 || size > sizeof(buf)) {
		fprintf(stderr, "bench_loop: write size 1..%zu\n", sizeof(buf));
		return 2;
	}
	memset(buf, 'x', size);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open", path);
	uint64_t off = 0;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (off + size > WRAP_BYTES) {
			lseek(fd, 0, SEEK_SET);
			off = 0;
		}
		if (write(fd, buf, size) != (ssize_t)size)
			die("write", path);
		off += size;
	}
	uint64_t t1 = now_ns();
	close(fd);
	/* the open for writing (outside the timed part) is an event too */
	printf("{\"ns\":%llu,\"ops\":%llu,\"events\":%llu}\n", (unsigned long long)(t1 - t0), (unsigned long long)n,
	       (unsigned long long)(n + 1));
	return 0;
}

/* 1-byte writes, paced (rate > 0) for `seconds`, or as fast as possible for `limit` writes. */
static int cmd_rate(const char *path, uint64_t rate, uint64_t duration_ns, uint64_t limit)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open", path);
	uint64_t t0 = now_ns(), deadline = t0 + duration_ns, writes = 0, off = 0, now = t0;
	struct pacer p = { .t0 = t0, .rate = rate };
	for (;;) {
		now = now_ns();
		if (limit ? writes >= limit : now >= deadline)
			break;
		uint64_t due = pacer_due(&p, writes, now);
		if (limit && due > limit)
			due = limit;
		while (writes < due) {
			if (off + 1 > WRAP_BYTES) {
				lseek(fd, 0, SEEK_SET);
				off = 0;
			}
			if (write(fd, "x", 1) != 1)
				die("write", path);
			off++;
			writes++;
		}
	}
	now = now_ns();
	close(fd);
	printf("{\"ns\":%llu,\"ops\":%llu,\"writes\":%llu,\"opens\":1,\"events\":%llu}\n", (unsigned long long)(now - t0),
	       (unsigned long long)writes, (unsigned long long)writes, (unsigned long long)(writes + 1));
	return 0;
}

static int cmd_touch(const char *dir, uint64_t n, uint64_t rate)
{
	char path[4096];
	uint64_t t0 = now_ns(), done = 0;
	struct pacer p = { .t0 = t0, .rate = rate };
	while (done < n) {
		uint64_t due = pacer_due(&p, done, now_ns());
		if (due > n)
			due = n;
		for (; done < due; done++) {
			snprintf(path, sizeof(path), "%s/p%07llu", dir, (unsigned long long)done);
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				die("open", path);
			if (write(fd, "x", 1) != 1)
				die("write", path);
			close(fd);
			if (unlink(path) != 0)
				die("unlink", path);
		}
	}
	uint64_t t1 = now_ns();
	printf("{\"ns\":%llu,\"ops\":%llu,\"paths\":%llu,\"events\":%llu}\n", (unsigned long long)(t1 - t0),
	       (unsigned long long)n, (unsigned long long)n, (unsigned long long)(3 * n));
	return 0;
}

static void churn_child(const char *dir, uint64_t seq)
{
	char path[4096];
	char buf[16];
	memset(buf, 'c', sizeof(buf));
	snprintf(path, sizeof(path), "%s/c%03llu", dir, (unsigned long long)(seq % 1000));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		_exit(1);
	for (int i = 0; i < 4; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(1);
	close(fd);
	_exit(0);
}

static int cmd_churn(const char *dir, uint64_t rate, uint64_t duration_ns)
{
	uint64_t t0 = now_ns(), deadline = t0 + duration_ns, procs = 0, failed = 0, running = 0;
	struct pacer p = { .t0 = t0, .rate = rate ? rate : 1 };
	int status;
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		uint64_t due = pacer_due(&p, procs, now);
		for (; procs < due; procs++) {
			pid_t pid = fork();
			if (pid < 0)
				die("fork", NULL);
			if (pid == 0)
				churn_child(dir, procs);
			running++;
		}
		pid_t r;
		while (running && (r = waitpid(-1, &status, WNOHANG)) > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
	}
	while (running && waitpid(-1, &status, 0) > 0) {
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	uint64_t t1 = now_ns();
	printf("{\"ns\":%llu,\"ops\":%llu,\"procs\":%llu,\"failed\":%llu,\"events\":%llu}\n", (unsigned long long)(t1 - t0),
	       (unsigned long long)procs, (unsigned long long)procs, (unsigned long long)failed,
	       (unsigned long long)(5 * (procs - failed)));
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "open"))
		return cmd_open(argv[2], num(argv[3], "N"), argv[4]);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], num(argv[3], "SIZE"), num(argv[4], "N"));
	if (argc == 5 && !strcmp(argv[1], "rate"))
		return cmd_rate(argv[2], num(argv[3], "RATE"), seconds_ns(argv[4]), 0);
	if (argc == 4 && !strcmp(argv[1], "count"))
		return cmd_rate(argv[2], 0, 0, num(argv[3], "N"));
	if (argc == 5 && !strcmp(argv[1], "touch"))
		return cmd_touch(argv[2], num(argv[3], "N"), num(argv[4], "RATE"));
	if (argc == 5 && !strcmp(argv[1], "churn"))
		return cmd_churn(argv[2], num(argv[3], "RATE"), seconds_ns(argv[4]));
	fprintf(stderr,
		"usage: bench_loop open PATH N r|w | write PATH SIZE N | rate PATH RATE SECONDS | count PATH N |\n"
		"       touch DIR N RATE | churn DIR RATE SECONDS\n");
	return 2;
}
