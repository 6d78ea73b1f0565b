import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { startMetricsServer } from '../../../src/metrics/metricsServer.js';
import { evaluateHealth } from '../../../src/metrics/health.js';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const healthy = () => evaluateHealth({ attachments: [{ program: 'p', hook: 'h', progId: 1, linkId: 2, progPresent: true, linkPresent: true }], maxGapMs: 0, thresholdMs: 5000, watchdogFired: false });

test('/metrics in the exposition format, /healthz 200 or 503, others 404 and 405', async () => {
  let health = healthy();
  const errors: string[] = [];
  let fail = false;
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, {
    metrics: () => (fail ? Promise.reject(new Error('boom')) : Promise.resolve('# HELP a b\n# TYPE a gauge\na 1\n')),
    health: () => health,
    onError: (e) => errors.push(e.message),
  });
  try {
    assert.is(server.address.host, '127.0.0.1');
    assert.ok(server.address.port > 0);
    const m = await get(server.address.port, '/metrics');
    assert.equal([m.status, m.type, m.body], [200, 'text/plain; version=0.0.4; charset=utf-8', '# HELP a b\n# TYPE a gauge\na 1\n']);
    const h = await get(server.address.port, '/healthz');
    assert.is(h.status, 200);
    assert.is(JSON.parse(h.body).status, 'ok');
    health = evaluateHealth({ attachments: [{ program: 'p', hook: 'h', progId: 1, linkId: 2, progPresent: false, linkPresent: false }], maxGapMs: 0, thresholdMs: 5000, watchdogFired: false });
    const bad = await get(server.address.port, '/healthz');
    assert.is(bad.status, 503);
    assert.equal(JSON.parse(bad.body).checks.sensor.detached, [{ hook: 'h', prog_id: 1 }]);
    assert.is((await get(server.address.port, '/')).status, 404);
    assert.is((await get(server.address.port, '/metrics', 'POST')).status, 405);
    assert.equal((await get(server.address.port, '/metrics', 'HEAD')).body, '');
    fail = true;
    assert.is((await get(server.address.port, '/metrics')).status, 500);
    assert.equal(errors, ['boom']);
  } finally {
    await server.close();
  }
});

test('an address in use is an error for the caller (the agent runs on without metrics)', async () => {
  const first = await startMetricsServer({ host: '127.0.0.1', port: 0 }, { metrics: async () => '', health: healthy, onError: () => {} });
  try {
    await startMetricsServer(first.address, { metrics: async () => '', health: healthy, onError: () => {} }).then(
      () => assert.unreachable('bound twice'),
      (err: NodeJS.ErrnoException) => assert.is(err.code, 'EADDRINUSE'),
    );
  } finally {
    await first.close();
  }
});

test.run();
