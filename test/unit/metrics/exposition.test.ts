import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeLabelValue, formatValue, renderExposition } from '../../../src/metrics/exposition.js';

test('HELP, TYPE, then samples; labels escaped as the format requires', () => {
  const text = renderExposition([
    { name: 'x_total', help: 'a\\b\nc', type: 'counter', samples: [{ labels: { path: 'a"b\\c\nd' }, value: 3 }] },
    { name: 'y', help: 'gauge', type: 'gauge', samples: [{ value: 0.5 }, { value: NaN, labels: { k: 'v' } }] },
  ]);
  assert.is(
    text,
    '# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total{path="a\\"b\\\\c\\nd"} 3\n# HELP y gauge\n# TYPE y gauge\ny 0.5\ny{k="v"} NaN\n',
  );
});

test('names the format refuses, counters without _total and a family twice are programming errors', () => {
  assert.throws(() => renderExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /invalid metric name/);
  assert.throws(() => renderExposition([{ name: 'c', help: '', type: 'counter', samples: [] }]), /must end in _total/);
  assert.throws(() => renderExposition([{ name: 'g', help: '', type: 'gauge', samples: [{ labels: { 'a-b': 'x' }, value: 1 }] }]), /invalid label/);
  assert.throws(() => renderExposition([{ name: 'g', help: '', type: 'gauge', samples: [] }, { name: 'g', help: '', type: 'gauge', samples: [] }]), /twice/);
});

test('values', () => {
  assert.equal([formatValue(1e21), formatValue(Infinity), formatValue(-Infinity), formatValue(12)], ['1e+21', '+Inf', '-Inf', '12']);
  assert.is(escapeLabelValue('plain'), 'plain');
});

test.run();
