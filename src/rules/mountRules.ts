/**
 * Mounts on watched names: a file system mounted, bound or moved onto a watched name or an
 * ancestor of one hides the files below it from the system and shows others (ATT&CK T1564.013,
 * Hide Artifacts: Bind Mounts). From mount events; an unmount shows the original files again and
 * raises nothing (the baseline re-check reports what it shows).
 */
import type { EventFacts, Finding, RuleDefinition } from './types.js';

/** Kinds of mount that put other files at the mount point (not a remount or a propagation change). */
const HIDING_KINDS: ReadonlySet<string> = new Set(['new', 'bind', 'move']);

function mountedOver(event: EventFacts): Finding[] {
  if (event.operation !== 'mount' || event.mount === undefined || !HIDING_KINDS.has(event.mount)) return [];
  if (event.source_watched) return []; // the mount point is not watched: nothing watched is hidden
  const what = event.mount === 'bind' ? 'bind mount' : event.mount === 'move' ? 'mount moved' : `${event.fstype ?? 'file system'} mounted`;
  const from = event.source ? ` from ${JSON.stringify(event.source)}` : '';
  return [{
    message: `${what} over watched ${event.path}${from}: the files below it are hidden`,
    details: { mount: event.mount, fstype: event.fstype ?? null, source: event.source ?? null },
  }];
}

const mountOverWatched: RuleDefinition = {
  id: 'mount_over_watched',
  severity: 'high',
  attack: 'T1564.013',
  trigger: 'a file system mounted, bound or moved onto a watched name or an ancestor of one (mount events)',
  packageManagerExempt: true,
  onEvent: mountedOver,
};

export const MOUNT_RULES: readonly RuleDefinition[] = [mountOverWatched];
