/* with_caps [--no-new-privs] [--mdwe] CAPS -- PROGRAM ARGS...: runs PROGRAM as root with only CAPS
 * (comma-separated numbers, or "none") in the bounding set, inheritable and ambient sets cleared,
 * optionally with no_new_privs (systemd's NoNewPrivileges=) and PR_SET_MDWE (what systemd's
 * MemoryDenyWriteExecute= asks of the kernel where it can). This is how the tests reproduce a unit's
 * CapabilityBoundingSet= without systemd. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

static int keep[64];

int main(int argc, char **argv)
{
	int i = 1, nnp = 0, mdwe = 0;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--no-new-privs") == 0) nnp = 1;
		else if (strcmp(argv[i], "--mdwe") == 0) mdwe = 1;
		else break;
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0) {
		fprintf(stderr, "usage: with_caps [--no-new-privs] [--mdwe] CAPS|none -- PROGRAM ARGS...\n");
		return 125;
	}
	if (strcmp(argv[i], "none") != 0) {
		char *list = strdup(argv[i]);
		for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
			int c = atoi(t);
			if (c >= 0 && c < 64) keep[c] = 1;
		}
	}
	for (int c = 0; c < 64; c++) {
		if (keep[c]) continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
			perror("PR_CAPBSET_DROP");
			return 125;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0) {
		perror("capget");
		return 125;
	}
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) != 0) {
		perror("capset");
		return 125;
	}
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("PR_SET_NO_NEW_PRIVS");
		return 125;
	}
	if (mdwe && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0) {
		perror("PR_SET_MDWE");
		return 125;
	}
	execv(argv[i + 2], argv + i + 2);
	perror("execv");
	return 126;
}
