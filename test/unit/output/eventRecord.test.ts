import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventLine, jsonU64 } from '../../../src/output/eventRecord.js';
import { enrichRecord, type EnrichContext } from '../../../src/events/enrich.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import { toNdjsonLine } from '../../../src/output/ndjsonWriter.js';
import type { FileEvent } from '../../../src/events/types.js';
import { knownComms, knownInodePaths, recordCorpus } from '../../fixtures/output/recordCorpus.js';

const GOLDEN = fileURLToPath(new URL('../../fixtures/output/events.golden.ndjson', import.meta.url));

function context(sensor: 'lsm' | 'tracepoint'): EnrichContext {
  const inodePaths = createInodePaths();
  for (const [dev, ino, path] of knownInodePaths) inodePaths.remember(dev, ino, path);
  return { sensor, toRfc3339: (ns) => `mono:${ns}`, agentPid: 99, lookupComm: (pid) => knownComms[pid], inodePaths };
}

test('every record of the corpus prints byte for byte what the formatter printed before the typed event stage', () => {
  const expected = readFileSync(GOLDEN, 'utf8').split('\n').filter(Boolean);
  const actual: string[] = [];
  for (const sensor of ['lsm', 'tracepoint'] as const) {
    const ctx = context(sensor);
    for (const rec of recordCorpus) actual.push(toNdjsonLine(eventLine(enrichRecord(rec, ctx))).replace(/\n$/, ''));
  }
  assert.is(actual.length, expected.length);
  actual.forEach((line, i) => assert.is(line, expected[i], `line ${i + 1}`));
});

test('a path that is null in the event is null in the line, with path_unknown', () => {
  const event = enrichRecord(recordCorpus[6]!, context('lsm')) as FileEvent;
  assert.is(event.path, null);
  assert.is(event.pathSource, 'unknown');
  const line = eventLine(event);
  assert.is(line.path, null);
  assert.is(line.path_unknown, true);
});

test('jsonU64: exact numbers up to 2^53, decimal strings beyond', () => {
  assert.is(jsonU64(5n), 5);
  assert.is(jsonU64(2n ** 53n - 1n), 2 ** 53 - 1);
  assert.is(jsonU64(2n ** 60n), '1152921504606846976');
});

test.run();
