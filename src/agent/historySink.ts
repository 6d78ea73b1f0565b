/** A sink that keeps alerts and integrity findings in the state database's history (shown by
 * `lsmwatch alerts`). Change records are written by the change tracker itself, in the same
 * transaction as the baseline update, so this sink does not take them. */
import type { StateStore } from '../state/store.js';
import type { Notices } from '../log/notices.js';
import type { Sink } from '../output/sink.js';

export function createHistorySink(store: StateStore, notices: Notices, now: () => Date = () => new Date()): Sink {
  let written = 0;
  let dropped = 0;
  return {
    name: 'history',
    accepts: (record) => record.type === 'alert' || (record.type === 'integrity' && record.status !== 'baseline'),
    write(record) {
      try {
        store.appendHistory(record.type as 'alert' | 'integrity', record, now());
        written++;
        return 'written';
      } catch (err) {
        dropped++;
        notices.warn(`recording ${record.type} in the history failed: ${(err as Error).message}`);
        return 'dropped';
      }
    },
    beginBatch() {},
    endBatch() {},
    blocked: false,
    onDrain() {},
    counts: () => ({ written, dropped }),
  };
}
