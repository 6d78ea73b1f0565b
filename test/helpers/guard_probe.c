/* guard_probe: the moves a local root attacker makes against a running agent, one per subcommand,
 * for the self-protection tests (static, so it also runs inside the VM test bed's busybox image).
 * Each prints one line, "ok ..." (exit 0) or "errno=N (message) ..." (exit 1); 2 is a usage error.
 *
 *   pidfd_getfd PID [MAXFD]        take the target's fds 0..MAXFD (default 64) with pidfd_getfd(2)
 *   vm_read PID                    process_vm_readv(2) of 16 bytes (an address from /proc/PID/maps
 *                                  when readable, else 0x1000: EFAULT then means the check passed)
 *   vm_write PID                   process_vm_writev(2) of one byte to 0x1000 (never mapped: EFAULT
 *                                  means the access check passed, EPERM that it was denied)
 *   open PATH [r|w|o]              open(2) a file (e.g. /proc/PID/mem): r reads one byte, w opens for
 *                                  writing, o only opens (read-only, non-blocking)
 *   write PATH VALUE               open(2) PATH for writing and write VALUE (e.g. a cgroup file)
 *   readlink PATH                  readlink(2), e.g. /proc/PID/exe or /proc/PID/fd/0
 *   prlimit PID RESOURCE SOFT HARD prlimit(2): RESOURCE is a number (RLIMIT_CPU = 0)
 *   nice PID N                     setpriority(PRIO_PROCESS)
 *   sched PID                      sched_setaffinity(2) to CPU 0
 *   ioprio PID                     ioprio_set(2) to the idle class
 *   kill PID SIG                   kill(2) with a signal number
 *   write_after_move FILE PID PROCS VALUE
 *                                  open FILE for writing, move PID by writing it to PROCS, then
 *                                  write VALUE through the fd opened before the move
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int fail(const char *what)
{
	int err = errno;
	printf("errno=%d (%s) %s\n", err, strerror(err), what);
	return 1;
}

static int pidfd_getfd_cmd(pid_t pid, int maxfd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return fail("pidfd_open");
	int taken = 0, first_errno = 0;
	for (int fd = 0; fd <= maxfd; fd++) {
		int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		if (got >= 0) {
			taken++;
			close(got);
		} else if (errno != EBADF && first_errno == 0) {
			first_errno = errno;
		}
	}
	if (taken > 0) {
		printf("ok took %d fds\n", taken);
		return 0;
	}
	errno = first_errno ? first_errno : EBADF;
	return fail("pidfd_getfd took no fd");
}

/* The start of the first readable mapping of pid, or 0x1000 when /proc/PID/maps cannot be read. */
static uintptr_t readable_address(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0x1000;
	uintptr_t start = 0x1000;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[0] == 'r') {
			start = lo;
			break;
		}
	}
	fclose(f);
	return start;
}

static int vm_read_cmd(pid_t pid)
{
	char buf[16];
	struct iovec local = { buf, sizeof(buf) };
	struct iovec remote = { (void *)readable_address(pid), sizeof(buf) };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return fail("process_vm_readv");
	printf("ok read %zd bytes\n", n);
	return 0;
}

static int vm_write_cmd(pid_t pid)
{
	char byte = 0;
	struct iovec local = { &byte, 1 };
	struct iovec remote = { (void *)0x1000, 1 };
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return fail("process_vm_writev");
	printf("ok wrote %zd bytes\n", n);
	return 0;
}

static int open_cmd(const char *path, const char *mode)
{
	int writing = mode[0] == 'w', only = mode[0] == 'o';
	int fd = open(path, writing ? O_WRONLY : only ? O_RDONLY | O_NONBLOCK : O_RDONLY);
	if (fd < 0)
		return fail("open");
	if (!writing && !only) {
		char c;
		if (read(fd, &c, 1) < 0 && errno != EIO) {
			int err = errno;
			close(fd);
			errno = err;
			return fail("read");
		}
	}
	close(fd);
	printf("ok opened %s\n", path);
	return 0;
}

static int write_after_move_cmd(const char *file, const char *pid, const char *procs, const char *value)
{
	int fd = open(file, O_WRONLY);
	if (fd < 0)
		return fail("open before the move");
	int procs_fd = open(procs, O_WRONLY);
	if (procs_fd < 0 || write(procs_fd, pid, strlen(pid)) < 0)
		return fail("moving the process");
	close(procs_fd);
	if (write(fd, value, strlen(value)) < 0)
		return fail("write after the move");
	close(fd);
	printf("ok wrote %s after the move\n", value);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: guard_probe pidfd_getfd|vm_read|vm_write|open|prlimit|nice|sched|ioprio|kill|write_after_move ...\n");
		return 2;
	}
	const char *cmd = argv[1];
	pid_t pid = (pid_t)atoi(argv[2]);
	if (strcmp(cmd, "pidfd_getfd") == 0)
		return pidfd_getfd_cmd(pid, argc > 3 ? atoi(argv[3]) : 64);
	if (strcmp(cmd, "vm_read") == 0)
		return vm_read_cmd(pid);
	if (strcmp(cmd, "vm_write") == 0)
		return vm_write_cmd(pid);
	if (strcmp(cmd, "open") == 0)
		return open_cmd(argv[2], argc > 3 ? argv[3] : "r");
	if (strcmp(cmd, "write") == 0 && argc == 4) {
		int fd = open(argv[2], O_WRONLY);
		if (fd < 0)
			return fail("open");
		if (write(fd, argv[3], strlen(argv[3])) < 0)
			return fail("write");
		close(fd);
		printf("ok wrote %s\n", argv[3]);
		return 0;
	}
	if (strcmp(cmd, "readlink") == 0) {
		char target[4096];
		ssize_t n = readlink(argv[2], target, sizeof(target) - 1);
		if (n < 0)
			return fail("readlink");
		target[n] = 0;
		printf("ok %s\n", target);
		return 0;
	}
	if (strcmp(cmd, "prlimit") == 0 && argc == 6) {
		struct rlimit lim = { strtoull(argv[4], NULL, 0), strtoull(argv[5], NULL, 0) };
		if (prlimit(pid, (__rlimit_resource_t)atoi(argv[3]), &lim, NULL) != 0)
			return fail("prlimit");
		printf("ok limit set\n");
		return 0;
	}
	if (strcmp(cmd, "nice") == 0 && argc == 4) {
		if (setpriority(PRIO_PROCESS, (id_t)pid, atoi(argv[3])) != 0)
			return fail("setpriority");
		printf("ok nice set\n");
		return 0;
	}
	if (strcmp(cmd, "sched") == 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(pid, sizeof(set), &set) != 0)
			return fail("sched_setaffinity");
		printf("ok affinity set\n");
		return 0;
	}
	if (strcmp(cmd, "ioprio") == 0) {
		/* IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_IDLE = 3 << 13 */
		if (syscall(SYS_ioprio_set, 1, pid, 3 << 13) != 0)
			return fail("ioprio_set");
		printf("ok ioprio set\n");
		return 0;
	}
	if (strcmp(cmd, "kill") == 0 && argc == 4) {
		if (kill(pid, atoi(argv[3])) != 0)
			return fail("kill");
		printf("ok sent\n");
		return 0;
	}
	if (strcmp(cmd, "write_after_move") == 0 && argc == 6)
		return write_after_move_cmd(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "guard_probe: unknown command or wrong arguments: %s\n", cmd);
	return 2;
}
