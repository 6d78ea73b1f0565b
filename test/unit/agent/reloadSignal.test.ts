import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { listenForReloadSignal } from '../../../src/agent/reloadSignal.js';

const fakeProcess = () => new EventEmitter() as unknown as NodeJS.Process & EventEmitter;

test('each SIGHUP calls reload once; one during start-up runs when ready', () => {
  const proc = fakeProcess();
  const signal = listenForReloadSignal(proc);
  (proc as unknown as EventEmitter).emit('SIGHUP');
  (proc as unknown as EventEmitter).emit('SIGHUP');
  let reloads = 0;
  signal.ready(() => reloads++);
  assert.is(reloads, 1, 'SIGHUPs before ready collapse into one reload');
  (proc as unknown as EventEmitter).emit('SIGHUP');
  assert.is(reloads, 2);
  signal.dispose();
  assert.is((proc as unknown as EventEmitter).listenerCount('SIGHUP'), 0);
});

test('the handler is there from the start, so SIGHUP never takes node\'s default action', () => {
  const proc = fakeProcess();
  listenForReloadSignal(proc);
  assert.is((proc as unknown as EventEmitter).listenerCount('SIGHUP'), 1);
});

test.run();
