/** A controlling terminal's name as ps shows it ("pts/3", "tty1", "ttyS0"), from what the kernel
 * calls it (tty->name: "pts3") or from the device number in /proc/PID/stat (tty_nr). */

/** The kernel's tty->name → the /dev name. */
export function ttyFromKernelName(name: string): string | null {
  if (name === '') return null;
  const pts = /^pts(\d+)$/.exec(name);
  return pts ? `pts/${pts[1]}` : name;
}

/** tty_nr of /proc/PID/stat (MAJOR << 8 | MINOR, with the high minor bits above bit 20) → name, or null for none. */
export function ttyFromDeviceNumber(ttyNr: number): string | null {
  if (!Number.isInteger(ttyNr) || ttyNr <= 0) return null;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`; // Unix98 pty slaves
  if (major === 4 && minor < 64) return `tty${minor}`;
  if (major === 4) return `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return 'console';
  return `${major}:${minor}`;
}
