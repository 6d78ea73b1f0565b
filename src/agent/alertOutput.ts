/** Raising an alert: one output record (which the history sink also keeps) and one red stderr line. */
import type { Notices } from '../log/notices.js';
import type { Output } from '../output/sink.js';
import type { OutputRecord } from '../output/records.js';

export interface AlertOutput {
  /** an alert: output record and a red stderr line */
  raise(record: OutputRecord, human: string): void;
  /** the end of an alert condition: output record and a plain stderr line */
  settle(record: OutputRecord, human: string): void;
}

export function createAlertOutput(output: Output, notices: Notices): AlertOutput {
  return {
    raise(record, human) {
      output.write(record);
      notices.alert(human);
    },
    settle(record, human) {
      output.write(record);
      notices.info(human);
    },
  };
}
