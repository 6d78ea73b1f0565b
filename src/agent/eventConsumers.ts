/**
 * The consumers of typed events (alert rules, detectors, state tracking) behind one call. An
 * exception in one consumer never reaches the sensor's batch delivery: it is caught for that event
 * and that consumer, counted (stats: agent.consumer_errors), and reported on stderr at most once a
 * minute with the consumer and the event type. The event itself was already output.
 */
import type { SensorEvent } from '../events/types.js';
import type { Notices } from '../log/notices.js';

export interface EventConsumer {
  readonly name: string;
  consume(event: SensorEvent): void;
}

export interface EventConsumers {
  consume(event: SensorEvent): void;
  readonly errors: number;
}

const REPORT_INTERVAL_NS = 60_000_000_000n;

function eventType(event: SensorEvent): string {
  return event.kind === 'file' ? event.operation : event.kind;
}

export function createEventConsumers(
  consumers: readonly EventConsumer[],
  notices: Notices,
  monotonicNowNs: () => bigint,
): EventConsumers {
  let errors = 0;
  let reportedErrors = 0;
  let lastReportNs: bigint | null = null;
  const report = (consumer: EventConsumer, event: SensorEvent, err: unknown) => {
    const now = monotonicNowNs();
    if (lastReportNs !== null && now - lastReportNs < REPORT_INTERVAL_NS) return;
    const since = errors - reportedErrors;
    lastReportNs = now;
    reportedErrors = errors;
    const message = err instanceof Error ? err.message : String(err);
    notices.error(
      `${consumer.name} failed on a ${eventType(event)} event: ${message}` +
        (since > 1 ? ` (${since} failures since the last report)` : '') +
        '; the events were output, see stats.agent.consumer_errors',
    );
  };
  return {
    consume(event) {
      for (const consumer of consumers) {
        try {
          consumer.consume(event);
        } catch (err) {
          errors++;
          report(consumer, event, err);
        }
      }
    },
    get errors() {
      return errors;
    },
  };
}
