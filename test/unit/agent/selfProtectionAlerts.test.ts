import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSelfProtectionConsumer, judgeSelfProtection } from '../../../src/agent/selfProtectionAlerts.js';
import { createAlertOutput } from '../../../src/agent/alertOutput.js';
import type { BpfAccessEvent, SignalEvent } from '../../../src/events/types.js';
import { fileEvent, proc, ptraceEvent, recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

const signal = (over: Partial<SignalEvent> = {}): SignalEvent => ({
  kind: 'signal', timeNs: 3n, time: 't3', sensor: 'lsm', process: proc({ comm: { text: 'kill' }, pid: 7, uid: 1000 }),
  targetPid: 999, signal: 'SIGKILL', decision: 'deny', ...over,
});
const bpfAccess = (): BpfAccessEvent => ({
  kind: 'bpf_access', timeNs: 4n, time: 't4', sensor: 'lsm', process: proc({ comm: { text: 'bpftool' } }), object: 'map', objectId: 12, decision: 'deny',
});

test('a denied signal is an alert; an allowed one only a notice naming the sender', () => {
  assert.equal(judgeSelfProtection(signal()), {
    alert: { rule: 'signal_agent_denied', time: 't3', pid: 7, comm: 'kill', uid: 1000, signal: 'SIGKILL' },
    human: 'SIGKILL to the agent from kill (pid 7, uid 1000) denied',
  });
  assert.equal(judgeSelfProtection(signal({ signal: 'SIGTERM', decision: 'allow' })), { notice: 'received SIGTERM from kill (pid 7, uid 1000)' });
});

test('bpf access, denied file operations and ptrace of the agent are alerts; other events are not', () => {
  assert.equal((judgeSelfProtection(bpfAccess()) as { alert: unknown }).alert, {
    rule: 'bpf_access_denied', time: 't4', pid: 100, comm: 'bpftool', uid: 0, object: 'map', object_id: 12,
  });
  const denied = judgeSelfProtection(fileEvent({ denied: true, operation: 'unlink', path: { text: '/opt/lsmwatch/build/manifest.json' } }));
  assert.equal((denied as { alert: unknown }).alert, {
    rule: 'agent_file_denied', time: 't1', pid: 100, comm: 'bash', uid: 0, path: '/opt/lsmwatch/build/manifest.json', operation: 'unlink',
  });
  const nameless = judgeSelfProtection(fileEvent({ denied: true, path: null })) as { human: string; alert: { path: null } };
  assert.is(nameless.alert.path, null);
  assert.match(nameless.human, /\(unknown path\)/);
  assert.is(judgeSelfProtection(fileEvent()), null);
  assert.equal((judgeSelfProtection(ptraceEvent()) as { alert: unknown }).alert, {
    rule: 'ptrace_agent', time: 't2', pid: 100, comm: 'gdb', uid: 0, mode: 'attach', decision: 'deny',
  });
  assert.is(judgeSelfProtection(ptraceEvent({ onAgent: false })), null);
});

test('the consumer outputs alert lines and red stderr lines, and notices for allowed signals', () => {
  const output = recordingOutput();
  const notices = recordingNotices();
  const consumer = createSelfProtectionConsumer(createAlertOutput(output, notices), notices);
  consumer.consume(signal());
  consumer.consume(signal({ decision: 'allow', signal: 'SIGTERM' }));
  consumer.consume(fileEvent());
  assert.equal(output.records, [
    { type: 'alert', rule: 'signal_agent_denied', time: 't3', pid: 7, comm: 'kill', uid: 1000, signal: 'SIGKILL', severity: 'high', attack: 'T1562.001' },
  ]);
  assert.equal(notices.lines, ['alert: SIGKILL to the agent from kill (pid 7, uid 1000) denied', 'info: received SIGTERM from kill (pid 7, uid 1000)']);
});

test.run();
