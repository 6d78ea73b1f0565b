/** The policy's `metrics` section: `listen` turns the Prometheus endpoint on (off by default). */
import { PolicySection } from '../policy/validate.js';
import { describeValue } from '../policy/policyError.js';
import { parseListenAddress, type ListenAddress } from './listenAddress.js';

export interface MetricsConfig {
  /** null: no endpoint (unless --metrics asks for one) */
  listen: ListenAddress | null;
}

export function parseMetricsConfig(raw: unknown, file: string): MetricsConfig {
  const section = PolicySection.of(raw, file, 'metrics', ['listen']);
  if (!section.has('listen') || section.raw('listen') === null) return { listen: null };
  const value = section.raw('listen');
  const parsed = typeof value === 'string' ? parseListenAddress(value) : 'an address string such as "127.0.0.1:9464"';
  if (typeof parsed === 'string') return section.fail('listen', parsed, describeValue(value));
  return { listen: parsed };
}
