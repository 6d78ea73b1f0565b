#!/bin/sh
# /init of the lsmwatch VM test bed initramfs (busybox sh). Installed by build-initramfs.sh.
# Runs /lsmwatch-vm/cmd (written by run-in-vm.sh) in /lsmwatch with LSMWATCH_IN_VM=1, prints
#   @@LSMWATCH-VM-BEGIN@@ ... @@LSMWATCH-VM-EXIT <code>@@
# on the console, then powers off. Without a command file it starts a shell on the console.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM="${TERM:-linux}" LANG=C.UTF-8 TMPDIR=/tmp
umask 022

mnt() { # mnt TYPE DIR [OPTIONS]: mount if not yet mounted; complain only if it fails
  mkdir -p "$2"
  grep -q " $2 " /proc/mounts 2>/dev/null && return 0
  mount -t "$1" ${3:+-o "$3"} "$1" "$2" 2>/dev/null || echo "init: cannot mount $1 on $2" >&2
}

mount -t proc proc /proc
mnt devtmpfs /dev mode=0755
# If the image had no /dev/console node, the kernel could not give us a console: take it now.
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
mnt sysfs /sys
mnt devpts /dev/pts gid=5,mode=0620,ptmxmode=0666
mnt tmpfs /dev/shm mode=1777
mnt securityfs /sys/kernel/security
mnt bpf /sys/fs/bpf mode=0700
[ -d /sys/kernel/tracing ] && mnt tracefs /sys/kernel/tracing
[ -d /sys/kernel/debug ] && mnt debugfs /sys/kernel/debug
[ -d /sys/fs/cgroup ] && mnt cgroup2 /sys/fs/cgroup
mnt tmpfs /tmp mode=1777
mnt tmpfs /run mode=0755
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || { ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr; }
mkdir -p /root /var/tmp /run/lock && chmod 1777 /var/tmp

hostname lsmwatch-vm
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

echo "init: kernel $(uname -r)"
echo "init: lsm $(cat /sys/kernel/security/lsm 2>/dev/null || echo '(securityfs unavailable)')"

finish() {
  sync
  poweroff -f
  echo o >/proc/sysrq-trigger 2>/dev/null
  reboot -f   # qemu runs with -no-reboot: a reboot ends it too
  sleep 10
}

if [ ! -f /lsmwatch-vm/cmd ]; then
  echo "init: no /lsmwatch-vm/cmd: starting a shell (exit it to power off)"
  cd /lsmwatch 2>/dev/null || cd /
  export LSMWATCH_IN_VM=1
  setsid cttyhack sh -l || sh
  finish
fi

# The console is a tty: TERM=dumb keeps node/chalk output free of colour codes (--env TERM=... wins).
export TERM=dumb
# Per-run environment from run-in-vm.sh --env K=V (lines of `export 'K=V'`).
[ -f /lsmwatch-vm/env ] && . /lsmwatch-vm/env
export LSMWATCH_IN_VM=1
cd /lsmwatch 2>/dev/null || { echo "init: /lsmwatch missing" >&2; cd /; }

echo "@@LSMWATCH-VM-BEGIN@@"
sh /lsmwatch-vm/cmd </dev/null
rc=$?
# The marker may follow output that has no final newline; the host side copes with that.
echo "@@LSMWATCH-VM-EXIT $rc@@"
finish
