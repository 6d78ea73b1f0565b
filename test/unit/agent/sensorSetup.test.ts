import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setUpSensor, applySettings } from '../../../src/agent/sensorSetup.js';
import { encodeSettings, type SensorChoice, type SensorSettings } from '../../../src/sensor/settings.js';
import {
  SensorError,
  type AttachResult,
  type NativeAddon,
  type NativeSensor,
  type NativeSensorOptions,
} from '../../../src/sensor/nativeAddon.js';
import type { HostProbe } from '../../../src/sensor/hostSupport.js';
import { buildWatchEntries } from '../../../src/sensor/watchKeys.js';
import { ForbidPtrace, MarkFlag, Settings } from '../../../src/sensor/contract.js';
import type { PlannedMark } from '../../../src/sensor/watchPlan.js';

// ---- a fake addon that records every call in order ----

interface Behaviour {
  /** kinds whose constructor throws {code:'EPERM', message, log} */
  refuse?: Array<'lsm' | 'tracepoint'>;
  /** kinds whose attach() throws */
  attachFails?: Array<'lsm' | 'tracepoint'>;
  /** kinds whose updateElem() throws */
  updateFails?: Array<'lsm' | 'tracepoint'>;
  /** markPath() throws this code for these paths */
  markFails?: Record<string, string>;
}

function fakeAddon(behaviour: Behaviour = {}) {
  const calls: string[] = [];
  const writes: Array<{ kind: string; map: string; key: Buffer; value: Buffer }> = [];
  const options: NativeSensorOptions[] = [];
  const marked: Array<{ kind: string } & PlannedMark> = [];
  const attachResult = (kind: string): AttachResult => ({
    attached: [{ program: `${kind}_prog`, hook: 'hook', progId: 1, linkId: 2 }],
    skipped: [],
    variants: [],
  });

  class FakeSensor implements NativeSensor {
    readonly kind: 'lsm' | 'tracepoint';
    constructor(opts: NativeSensorOptions) {
      this.kind = opts.kind;
      options.push(opts);
      calls.push(`${opts.kind}:new`);
      if (behaviour.refuse?.includes(opts.kind)) {
        throw { code: 'EPERM', message: 'failed to load BPF skeleton: Operation not permitted', log: 'verifier log here' };
      }
    }
    objectIds() {
      return { maps: [], progs: [] };
    }
    armWatchdog(): void {}
    heartbeat(): void {}
    watchdogFired(): boolean {
      return false;
    }
    attach(): AttachResult {
      calls.push(`${this.kind}:attach`);
      if (behaviour.attachFails?.includes(this.kind)) {
        throw Object.assign(new Error('attach failed'), { code: 'ENOENT' });
      }
      return attachResult(this.kind);
    }
    updateElem(map: string, key: Buffer, value: Buffer): void {
      calls.push(`${this.kind}:update:${map}`);
      if (behaviour.updateFails?.includes(this.kind)) throw Object.assign(new Error('map full'), { code: 'E2BIG' });
      writes.push({ kind: this.kind, map, key: Buffer.from(key), value: Buffer.from(value) });
    }
    readMap() {
      return { entries: [], complete: true };
    }
    setSettings(value: Buffer): void {
      this.updateElem('lw_settings_map', Buffer.alloc(4), value);
    }
    deleteElem(): void {
      calls.push(`${this.kind}:delete`);
    }
    markPath(path: string, flags: number, watch: number, id: number, pin: boolean): Buffer {
      calls.push(`${this.kind}:mark`);
      const code = behaviour.markFails?.[path];
      if (code) throw Object.assign(new Error(`marking ${path} failed`), { code });
      marked.push({ kind: this.kind, path, flags, watch, id, pin });
      const key = Buffer.alloc(16);
      key.writeUInt32LE(marked.length, 8);
      return key;
    }
    features() {
      return { dcacheResolver: true, postOpRecords: true };
    }
    lookupElem(): Buffer | null {
      return null;
    }
    clearMap(): number {
      return 0;
    }
    mapInfo() {
      return [];
    }
    countEntries() {
      return Promise.resolve([]);
    }
    runStats() {
      return [];
    }
    ringUsage() {
      return { ok: false, pendingBytes: 0, capacityBytes: 0 };
    }
    start(): void {
      calls.push(`${this.kind}:start`);
    }
    pause(): void {}
    resume(): void {}
    stats() {
      return {
        kernel: [],
        user: { recordsReceived: 0, recordsDelivered: 0, recordsDropped: 0, processRecordsDropped: 0, batchesDelivered: 0, queuedBytes: 0, queueCapacityBytes: 0 },
      };
    }
    verifyAttachments() {
      return [];
    }
    detach(): void {
      calls.push(`${this.kind}:detach`);
    }
    flush(): void {}
    close(): void {
      calls.push(`${this.kind}:close`);
    }
  }
  const addon: NativeAddon = { Sensor: FakeSensor, setDumpable: () => {}, ignoreSignals: () => {}, readXattrs: () => ({ entries: [], skipped: 0 }), sdNotify: () => 0, abiVersion: 1 };
  return { addon, calls, writes, options, marked };
}

const LSM_OK: HostProbe = { isRoot: true, hasBtf: true, activeLsms: ['lockdown', 'capability', 'bpf'] };
const LSM_OFF: HostProbe = { isRoot: true, hasBtf: true, activeLsms: ['lockdown', 'capability', 'apparmor'] };
const ENTRIES = buildWatchEntries({ watch: ['/etc/', '/root/.bashrc'], watchReads: [], ignore: [] });
const MARKS: PlannedMark[] = [
  { path: '/', flags: MarkFlag.ANCHOR, watch: 0, id: 1, pin: true },
  { path: '/etc', flags: MarkFlag.ROOT, watch: 1, id: 3, pin: false },
];
const SETTINGS: SensorSettings = { forbidPtrace: 'self', denyPtraceRead: true };

function request(addon: NativeAddon, choice: SensorChoice, probe: HostProbe) {
  return { addon, choice, probe, watchPlan: { keys: ENTRIES, marks: MARKS }, settings: SETTINGS, ringBytes: 1 << 20, queueBytes: 1 << 22, aggregateWindowMs: 1000 };
}

function thrown(fn: () => unknown): SensorError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, SensorError);
    return err as SensorError;
  }
  assert.unreachable('expected a SensorError');
  throw new Error('unreachable');
}

const CONFIGURE = (kind: string) => [
  `${kind}:new`,
  `${kind}:update:lw_watch`,
  `${kind}:update:lw_watch`,
  `${kind}:update:lw_watch`,
  `${kind}:update:lw_watch`,
  `${kind}:mark`,
  `${kind}:mark`,
  `${kind}:update:lw_settings_map`,
  `${kind}:attach`,
];

test('auto with BPF LSM available: lsm sensor, enforcement, no fallback', () => {
  const fake = fakeAddon();
  const s = setUpSensor(request(fake.addon, 'auto', LSM_OK));
  assert.is(s.name, 'lsm');
  assert.is(s.enforcement, true);
  assert.is(s.fallbackReason, null);
  assert.is(s.attach.attached[0].program, 'lsm_prog');
  assert.equal(fake.calls, CONFIGURE('lsm'));
  assert.equal(fake.options, [{ kind: 'lsm', agentTgid: process.pid, ringBytes: 1 << 20, queueBytes: 1 << 22, aggregateWindowMs: 1000 }]);
});

test('watch entries and settings are written before attach(), byte for byte', () => {
  const fake = fakeAddon();
  setUpSensor(request(fake.addon, 'tracepoint', LSM_OK));
  assert.equal(fake.calls, CONFIGURE('tracepoint'));
  assert.ok(fake.calls.indexOf('tracepoint:attach') > fake.calls.lastIndexOf('tracepoint:update:lw_settings_map'));
  const watch = fake.writes.filter((w) => w.map === 'lw_watch');
  assert.is(watch.length, ENTRIES.length);
  watch.forEach((w, i) => {
    assert.ok(w.key.equals(ENTRIES[i].key), `key ${ENTRIES[i].label}`);
    assert.ok(w.value.equals(ENTRIES[i].value), `value ${ENTRIES[i].label}`);
  });
  const settings = fake.writes.find((w) => w.map === 'lw_settings_map')!;
  assert.ok(settings.key.equals(Buffer.alloc(4)));
  assert.ok(settings.value.equals(encodeSettings(SETTINGS)));
});

test('auto: the kernel refuses LSM (EPERM) → tracepoint with a reason', () => {
  const fake = fakeAddon({ refuse: ['lsm'] });
  const s = setUpSensor(request(fake.addon, 'auto', LSM_OK));
  assert.is(s.name, 'tracepoint');
  assert.is(s.enforcement, false);
  assert.type(s.fallbackReason, 'string');
  assert.match(s.fallbackReason!, /refused the BPF LSM programs/);
  assert.match(s.fallbackReason!, /EPERM/);
  assert.match(s.fallbackReason!, /Operation not permitted/);
  // the constructor threw, so there was nothing to close; then the tracepoint sensor is configured
  assert.equal(fake.calls, ['lsm:new', ...CONFIGURE('tracepoint')]);
});

test('--sensor lsm: a refusal is thrown, with code and verifier log, no fallback', () => {
  const fake = fakeAddon({ refuse: ['lsm'] });
  const e = thrown(() => setUpSensor(request(fake.addon, 'lsm', LSM_OK)));
  assert.is(e.code, 'EPERM');
  assert.is(e.log, 'verifier log here');
  assert.match(e.message, /--sensor lsm/);
  assert.match(e.message, /--sensor auto or --sensor tracepoint/);
  assert.equal(fake.calls, ['lsm:new']);
});

test('LSM unavailable by probe: auto falls back without trying LSM', () => {
  const fake = fakeAddon();
  const s = setUpSensor(request(fake.addon, 'auto', LSM_OFF));
  assert.is(s.name, 'tracepoint');
  assert.match(s.fallbackReason!, /bpf is not an active LSM/);
  assert.match(s.fallbackReason!, /lsm=lockdown,capability,apparmor,bpf/);
  assert.not.ok(fake.calls.some((c) => c.startsWith('lsm:')));
  assert.equal(fake.calls, CONFIGURE('tracepoint'));
});

test('LSM unavailable by probe: --sensor lsm throws ENOLSM without trying', () => {
  const fake = fakeAddon();
  const e = thrown(() => setUpSensor(request(fake.addon, 'lsm', { ...LSM_OK, activeLsms: null })));
  assert.is(e.code, 'ENOLSM');
  assert.match(e.message, /BPF LSM is unavailable/);
  assert.equal(fake.calls, []);
});

test('--sensor tracepoint never touches LSM and reports no fallback', () => {
  const fake = fakeAddon();
  const s = setUpSensor(request(fake.addon, 'tracepoint', LSM_OK));
  assert.is(s.name, 'tracepoint');
  assert.is(s.fallbackReason, null);
  assert.is(s.enforcement, false);
  assert.not.ok(fake.calls.some((c) => c.startsWith('lsm:')));
});

test('a failure after construction closes the sensor (attach fails, auto falls back)', () => {
  const fake = fakeAddon({ attachFails: ['lsm'] });
  const s = setUpSensor(request(fake.addon, 'auto', LSM_OK));
  assert.is(s.name, 'tracepoint');
  assert.match(s.fallbackReason!, /ENOENT/);
  assert.equal(fake.calls, [...CONFIGURE('lsm'), 'lsm:close', ...CONFIGURE('tracepoint')]);
});

test('a failure writing the maps closes the sensor before anything is attached', () => {
  const fake = fakeAddon({ updateFails: ['tracepoint'] });
  const e = thrown(() => setUpSensor(request(fake.addon, 'tracepoint', LSM_OK)));
  assert.is(e.code, 'E2BIG');
  assert.match(e.message, /tracepoint sensor: map full/);
  assert.equal(fake.calls, ['tracepoint:new', 'tracepoint:update:lw_watch', 'tracepoint:close']);
});

test('both sensors fail: the tracepoint error is thrown and every sensor is closed', () => {
  const fake = fakeAddon({ attachFails: ['lsm', 'tracepoint'] });
  const e = thrown(() => setUpSensor(request(fake.addon, 'auto', LSM_OK)));
  assert.match(e.message, /tracepoint sensor/);
  assert.match(e.message, /no sensor could load: BPF LSM not used \(the kernel refused the BPF LSM programs/, 'the LSM reason is kept');
  assert.is(fake.calls.filter((c) => c.endsWith(':close')).length, 2);
  assert.not.ok(fake.calls.includes('tracepoint:start'));
});

test('applySettings writes key 0 of lw_settings_map', () => {
  const fake = fakeAddon();
  const native = new fake.addon.Sensor({ kind: 'lsm', agentTgid: 1 });
  applySettings(native, { forbidPtrace: 'all', denyPtraceRead: false });
  assert.is(fake.writes.length, 1);
  assert.is(fake.writes[0].map, 'lw_settings_map');
  assert.ok(fake.writes[0].key.equals(Buffer.alloc(4)));
  assert.is(fake.writes[0].value.readUInt32LE(0), ForbidPtrace.ALL);
});

test('marks go in before attach(); a mark whose path is gone is counted, any other failure refuses the sensor', () => {
  const fake = fakeAddon({ markFails: { '/etc': 'ENOENT' } });
  const s = setUpSensor(request(fake.addon, 'tracepoint', LSM_OFF));
  assert.equal(fake.marked.map((m) => m.path), ['/']);
  assert.is(s.marks.keys.size, 1);
  assert.is(s.marks.missing, 1);
  assert.ok(fake.calls.indexOf('tracepoint:mark') < fake.calls.indexOf('tracepoint:attach'));
  const refused = fakeAddon({ markFails: { '/etc': 'EPERM' } });
  assert.is(thrown(() => setUpSensor(request(refused.addon, 'tracepoint', LSM_OFF))).code, 'EPERM');
  assert.ok(refused.calls.includes('tracepoint:close'), 'nothing loaded outlives the failure');
});

test.run();
