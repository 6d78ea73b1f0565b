import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseProcStat, readProcess, startTicks, type ProcIo } from '../../../src/process/procfs.js';
import { fakeProcfs } from '../../fixtures/process/processFixtures.js';

const STAT = (comm: string, start: number) => `4242 (${comm}) S 1 4242 4242 34816 4242 4194560 1 0 0 0 0 0 0 0 20 0 1 0 ${start} 1 2 3\n`;

test('/proc/PID/stat: comm may hold spaces and parentheses; the last ) ends it', () => {
  assert.equal(parseProcStat(STAT('bash', 12345)), { comm: 'bash', ppid: 1, ttyNr: 34816, startTicks: 12345n });
  assert.equal(parseProcStat(STAT('a) (b c)', 7))?.comm, 'a) (b c)');
  assert.is(parseProcStat('4242 bash S 1'), null);
  assert.is(parseProcStat('4242 (bash) S x'), null);
  assert.is(parseProcStat(STAT('x', 1).replace(' 1 2 3', '').replace(/ 1\n$/, ' nope\n').replace(/ 0 0 \d+ $/, '')), null);
});

test('start time: kernel ns → the ticks /proc counts (truncated, as the kernel does)', () => {
  assert.is(startTicks(0n), 0n);
  assert.is(startTicks(9_999_999n), 0n);
  assert.is(startTicks(10_000_000n), 1n);
  assert.is(startTicks(123_456_789_012n), 12345n);
});

test('a process still there and the same: executable, deleted mark, inode, arguments, cgroup', () => {
  const io = fakeProcfs({
    4242: { comm: 'bash', ppid: 1, startTicks: 500n, exe: '/usr/bin/bash (deleted)', exeIno: 9n, args: ['bash', '-l'], cgroup: '0::/x\n', ttyNr: (136 << 8) | 2 },
  });
  const snap = readProcess(io, 4242, 500n)!;
  assert.is(snap.exe?.toString(), '/usr/bin/bash');
  assert.is(snap.exeDeleted, true);
  assert.is(snap.exeIno, 9n);
  assert.is(snap.args?.toString(), 'bash\0-l\0');
  assert.is(snap.cgroup, '0::/x\n');
  assert.is(snap.ttyNr, (136 << 8) | 2);
  assert.is(readProcess(io, 4242, null)?.pid, 4242, 'any start when none is expected');
});

test('another process with the same pid (reused), or one gone: nothing', () => {
  const io = fakeProcfs({ 4242: { comm: 'bash', ppid: 1, startTicks: 500n, exe: '/usr/bin/bash' } });
  assert.is(readProcess(io, 4242, 499n), null, 'started at another time: not the process of the event');
  assert.is(readProcess(io, 4243, null), null);
});

test('the pid is reused while it is being read: nothing (start time checked before and after)', () => {
  const base = fakeProcfs({ 4242: { comm: 'bash', ppid: 1, startTicks: 500n, exe: '/usr/bin/bash', args: ['bash'] } });
  let statReads = 0;
  const racing: ProcIo = {
    ...base,
    readFile(path, max) {
      if (path.endsWith('/stat') && ++statReads === 2) base.procs.set(4242, { comm: 'evil', ppid: 1, startTicks: 501n, exe: '/tmp/evil' });
      return base.readFile(path, max);
    },
  };
  // the exe was read from the first process, the stat after it is another's
  assert.is(readProcess(racing, 4242, 500n), null);
});

test('arguments are read bounded (a process can have megabytes of them)', () => {
  const io = fakeProcfs({ 7: { comm: 'java', ppid: 1, startTicks: 1n, exe: '/usr/bin/java', args: ['java', 'x'.repeat(100_000)] } });
  const snap = readProcess(io, 7, 1n)!;
  assert.ok(snap.args!.length < 2048);
  assert.is(snap.argsTruncated, true);
});

test.run();
