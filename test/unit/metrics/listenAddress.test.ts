import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatListenAddress, isLoopback, parseListenAddress } from '../../../src/metrics/listenAddress.js';

test('a bare port is loopback; IPv4, [IPv6] and localhost are taken; host names are not', () => {
  assert.equal(parseListenAddress('9464'), { host: '127.0.0.1', port: 9464 });
  assert.equal(parseListenAddress('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
  assert.equal(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
  assert.equal(parseListenAddress('localhost:1'), { host: '127.0.0.1', port: 1 });
  assert.equal(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  for (const bad of ['example.com:9464', '::1:9464', '[127.0.0.1]:1', '1.2.3.4', '', ':9464']) assert.type(parseListenAddress(bad), 'string', bad);
  assert.match(String(parseListenAddress('127.0.0.1:65536')), /port from 0 to 65535/);
});

test('format and loopback', () => {
  assert.is(formatListenAddress({ host: '::1', port: 1 }), '[::1]:1');
  assert.is(formatListenAddress({ host: '127.0.0.1', port: 9464 }), '127.0.0.1:9464');
  assert.ok(isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1'));
  assert.not.ok(isLoopback('0.0.0.0') || isLoopback('::') || isLoopback('10.0.0.1'));
});

test.run();
