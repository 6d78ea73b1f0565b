/** The whole policy the agent runs with: the sensor's sections and every concern's own section,
 * all validated when the file is read, before anything native happens. */
import { CORE_SECTIONS, parseCorePolicy, parsePolicyDocument, readPolicyDocument, type CorePolicy, type PolicyDocument } from '../policy/policy.js';
import { parseDetectConfig, type DetectConfig } from '../detect/config.js';
import { parseStateConfig, type StateConfig } from '../state/stateConfig.js';
import { parseIntegrityConfig, type IntegrityConfig } from '../integrity/integrityConfig.js';
import { parseRulesConfig, type RulesConfig } from '../rules/rulesConfig.js';
import { parseMetricsConfig, type MetricsConfig } from '../metrics/metricsConfig.js';
import { parseProcessConfig, type ProcessConfig } from '../process/processConfig.js';

export interface AgentPolicy extends CorePolicy {
  file: string;
  sha256: string;
  detect: DetectConfig;
  state: StateConfig;
  integrity: IntegrityConfig;
  rules: RulesConfig;
  metrics: MetricsConfig;
  process: ProcessConfig;
}

/** Each concern's section and its parser; a new section is one line here. */
const CONCERN_SECTIONS = {
  detect: parseDetectConfig,
  state: parseStateConfig,
  integrity: parseIntegrityConfig,
  rules: parseRulesConfig,
  metrics: parseMetricsConfig,
  process: parseProcessConfig,
} as const;

const KNOWN_SECTIONS = [...CORE_SECTIONS, ...Object.keys(CONCERN_SECTIONS)];

function compose(doc: PolicyDocument): AgentPolicy {
  const core = parseCorePolicy(doc);
  return {
    file: doc.file,
    sha256: doc.sha256,
    ...core,
    detect: CONCERN_SECTIONS.detect(doc.top.raw('detect'), doc.file),
    state: CONCERN_SECTIONS.state(doc.top.raw('state'), doc.file),
    integrity: CONCERN_SECTIONS.integrity(doc.top.raw('integrity'), doc.file),
    rules: CONCERN_SECTIONS.rules(doc.top.raw('rules'), doc.file),
    metrics: CONCERN_SECTIONS.metrics(doc.top.raw('metrics'), doc.file),
    process: CONCERN_SECTIONS.process(doc.top.raw('process'), doc.file),
  };
}

export function parseAgentPolicy(text: string, file: string): AgentPolicy {
  return compose(parsePolicyDocument(text, file, KNOWN_SECTIONS));
}

export function loadAgentPolicy(file: string): AgentPolicy {
  return compose(readPolicyDocument(file, KNOWN_SECTIONS));
}
