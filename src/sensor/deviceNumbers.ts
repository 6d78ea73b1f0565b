/** Device numbers both ways: the kernel's dev_t (MAJOR << 20 | MINOR, what BPF reads from s_dev)
 * and the st_dev numbering stat() reports (glibc's makedev). */

/** Kernel dev_t to the st_dev number stat() reports. */
export function userDev(kernelDev: number): number {
  const major = Math.floor(kernelDev / 2 ** 20);
  const minor = kernelDev % 2 ** 20;
  return (minor & 0xff) + (major & 0xfff) * 2 ** 8 + Math.floor(minor / 2 ** 8) * 2 ** 20;
}

/** st_dev as stat() reports it (bigint stat) to the kernel's dev_t. */
export function kernelDevFromStat(dev: bigint): number {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return major * 2 ** 20 + minor;
}
