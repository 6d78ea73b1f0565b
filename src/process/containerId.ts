/**
 * Which container a process runs in, from its cgroup path (`/proc/PID/cgroup`, or the path of the
 * cgroup v2 directory whose inode is the event's cgroup id). Each runtime names the cgroup of a
 * container its own way; the deepest component that names one wins, so a container nested in a
 * pod, or a unit inside an nspawn machine, is the innermost one. Untrusted text: only ids of the
 * expected shape are taken.
 */

export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'systemd-nspawn' | 'lxc';

export interface ContainerRef {
  runtime: ContainerRuntime;
  /** 64 hex digits for the OCI runtimes; the machine or container name for nspawn and LXC */
  id: string;
  /** Kubernetes pod UID, when the path is under kubepods */
  podUid?: string;
}

const HEX64 = '([0-9a-f]{64})';
/** systemd unit names escape "-" and other bytes as \xNN */
const UNIT_NAME = '((?:[A-Za-z0-9_.:]|\\\\x[0-9a-f]{2})+)';
const NAME = '([A-Za-z0-9_.-]+)';

/** One component → container, in the order tried. */
const COMPONENT_RULES: ReadonlyArray<{ pattern: RegExp; runtime: ContainerRuntime | 'by-parent'; unescape?: boolean }> = [
  { pattern: new RegExp(`^docker-${HEX64}\\.scope$`), runtime: 'docker' },
  { pattern: new RegExp(`^cri-containerd-${HEX64}\\.scope$`), runtime: 'containerd' },
  { pattern: new RegExp(`^nerdctl-${HEX64}\\.scope$`), runtime: 'containerd' },
  { pattern: new RegExp(`^crio-${HEX64}\\.scope$`), runtime: 'cri-o' },
  { pattern: new RegExp(`^libpod-${HEX64}(?:\\.scope)?$`), runtime: 'podman' },
  { pattern: new RegExp(`^machine-${UNIT_NAME}\\.scope$`), runtime: 'systemd-nspawn', unescape: true },
  { pattern: new RegExp(`^lxc\\.payload\\.${NAME}$`), runtime: 'lxc' },
  // a bare id: cgroupfs drivers (/docker/ID, /kubepods/…/ID, containerd's /NAMESPACE/ID)
  { pattern: new RegExp(`^${HEX64}$`), runtime: 'by-parent' },
];

const POD = /^(?:kubepods-(?:besteffort-|burstable-)?)?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;

function unescapeUnit(name: string): string {
  return name.replace(/\\x([0-9a-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Who put a bare 64-hex id there: the components above it say. */
function bareIdRuntime(above: readonly string[]): ContainerRuntime {
  if (above.some((c) => c === 'docker' || c.startsWith('docker'))) return 'docker';
  if (above.some((c) => c.startsWith('crio'))) return 'cri-o';
  if (above.some((c) => c === 'libpod_parent')) return 'podman';
  return 'containerd'; // kubepods with containerd, or containerd's own /NAMESPACE/ID
}

/** The container a cgroup path belongs to, or null for the host. */
export function containerFromCgroupPath(path: string): ContainerRef | null {
  if (path.length > 4096) return null;
  const components = path.split('/').filter((c) => c !== '');
  for (let i = components.length - 1; i >= 0; i--) {
    const component = components[i]!;
    // LXC keeps the name as the component under /lxc/ (LXC 1-3); lxc.monitor.* is not the container
    if (i > 0 && components[i - 1] === 'lxc' && /^[A-Za-z0-9_.-]+$/.test(component)) {
      return { runtime: 'lxc', id: component };
    }
    for (const rule of COMPONENT_RULES) {
      const m = rule.pattern.exec(component);
      if (!m) continue;
      const above = components.slice(0, i);
      const runtime = rule.runtime === 'by-parent' ? bareIdRuntime(above) : rule.runtime;
      const ref: ContainerRef = { runtime, id: rule.unescape ? unescapeUnit(m[1]!) : m[1]! };
      const pod = above.map((c) => POD.exec(c)).find((p) => p !== null);
      if (pod) ref.podUid = pod[1]!.replace(/_/g, '-');
      return ref;
    }
  }
  return null;
}

/** The container of a process from its /proc/PID/cgroup text (v2 line first, then v1 lines). */
export function containerFromProcCgroup(text: string): ContainerRef | null {
  const paths: string[] = [];
  for (const line of text.split('\n', 256)) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first === -1 || second === -1) continue;
    const path = line.slice(second + 1);
    if (line.startsWith('0::')) paths.unshift(path);
    else paths.push(path);
  }
  for (const path of paths) {
    const ref = containerFromCgroupPath(path);
    if (ref) return ref;
  }
  return null;
}

/** The cgroup v2 path of /proc/PID/cgroup ("0::/system.slice/x.service"), or null. */
export function unifiedCgroupPath(text: string): string | null {
  for (const line of text.split('\n', 256)) if (line.startsWith('0::')) return line.slice(3);
  return null;
}
