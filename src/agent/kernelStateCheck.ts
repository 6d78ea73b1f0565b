/**
 * What the agent wrote into the kernel, read back at every integrity check: the settings map
 * (forbid-ptrace, protect) and the watch list. A difference means someone else wrote to the
 * agent's maps (an fd taken before the guard went up, a hole in the guard): an `integrity` line
 * with status `tampered` on every check until it is put right.
 */
import type { KernelStateCheck } from '../integrity/selfIntegrityChecker.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import { encodeSettings, type SensorSettings } from '../sensor/settings.js';
import type { WatchEntry } from '../sensor/watchKeys.js';
import { WatchKey } from '../sensor/contract.js';

/** More entries than this in the watch map is itself a finding (the map holds 16384). */
const MAX_WATCH_ENTRIES = 32768;

/** What differs between the entries written and the entries read back, in one line; null if nothing. */
export function describeMapDifference(
  written: ReadonlyArray<{ key: Buffer; value: Buffer }>,
  read: ReadonlyArray<{ key: Buffer; value: Buffer }>,
  label: (key: Buffer) => string,
): string | null {
  const want = new Map(written.map((e) => [e.key.toString('hex'), e]));
  const have = new Map(read.map((e) => [e.key.toString('hex'), e]));
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [hex, entry] of have) {
    const expected = want.get(hex);
    if (!expected) added.push(label(entry.key));
    else if (!expected.value.equals(entry.value)) changed.push(label(entry.key));
  }
  for (const [hex, entry] of want) if (!have.has(hex)) removed.push(label(entry.key));
  if (added.length + removed.length + changed.length === 0) return null;
  const list = (what: string, items: string[]) => (items.length ? [`${items.length} ${what} (${items.slice(0, 3).join(', ')}${items.length > 3 ? ', …' : ''})`] : []);
  return [...list('added', added), ...list('removed', removed), ...list('changed', changed)].join('; ');
}

/** A watch key as text: its anchor id and the prefix below it ("3|shadow$" for an exact file). */
function watchLabel(key: Buffer): string {
  const bits = key.readUInt32LE(WatchKey.prefixlen);
  const anchor = key.readUInt32LE(WatchKey.anchor);
  const bytes = key.subarray(WatchKey.path, WatchKey.path + Math.max(0, Math.min(bits / 8 - 4, key.length - WatchKey.path)));
  return JSON.stringify(`${anchor}|${bytes.toString('utf8').replace(/\0/g, '$')}`);
}

export function createKernelStateCheck(deps: {
  native: Pick<NativeSensor, 'readMap' | 'watchdogFired'>;
  /** the watch entries the agent wrote (the current policy's) */
  watchEntries: () => readonly WatchEntry[];
  /** the settings the agent wrote last */
  settings: () => Readonly<Required<SensorSettings>>;
}): () => Promise<KernelStateCheck[]> {
  return async () => {
    const settings = deps.settings();
    // the watchdog lifts protect on its own: that is the agent's doing, not tampering
    const expectedSettings = encodeSettings(deps.native.watchdogFired() ? { ...settings, protect: false } : settings);
    const settingsNow = deps.native.readMap('lw_settings_map', 1).entries[0]?.value;
    const settingsProblem =
      settingsNow === undefined ? 'the settings entry is gone' : settingsNow.equals(expectedSettings) ? null : `forbid_ptrace/deny_ptrace_read/protect read back as ${settingsNow.subarray(0, 12).toString('hex')}, written ${expectedSettings.subarray(0, 12).toString('hex')}`;
    const watch = deps.native.readMap('lw_watch', MAX_WATCH_ENTRIES);
    let watchProblem = describeMapDifference(deps.watchEntries(), watch.entries, watchLabel);
    if (!watch.complete) watchProblem = `more than ${MAX_WATCH_ENTRIES} entries; ${watchProblem ?? ''}`.replace(/; $/, '');
    return [
      { name: 'lw_settings_map', problem: settingsProblem },
      { name: 'lw_watch', problem: watchProblem },
    ];
  };
}
