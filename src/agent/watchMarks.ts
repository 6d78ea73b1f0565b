/** The watch plan of a policy, against the real file system (src/sensor/watchPlan.ts is pure). */
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import type { Policy } from '../policy/policy.js';
import { buildWatchPlan, type NodeKind, type PlanFs, type WatchPlan } from '../sensor/watchPlan.js';

export const nodeFs: PlanFs = {
  kind(path): NodeKind | null {
    try {
      const st = lstatSync(path);
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
    } catch {
      return null;
    }
  },
  readdir: (dir) => readdirSync(dir),
  realpath: (path) => realpathSync(path),
};

export function planWatchList(policy: Policy, fs: PlanFs = nodeFs): WatchPlan {
  return buildWatchPlan({ watch: policy.watch, watchReads: policy.watchReads, ignore: policy.ignore }, fs);
}
