// Public surface of the write detectors; the agent imports from here.
export { createWriteDetectors, type WriteDetectors } from './writeDetectors.js';
export { defaultDetectConfig, parseDetectConfig, type DetectConfig } from './config.js';
export type {
  DetectAlert,
  DetectPhase,
  DetectRule,
  WriteBurstAlert,
  WriteBurstRule,
  WriteFanoutAlert,
  WriteObservation,
} from './types.js';
