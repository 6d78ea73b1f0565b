import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandWildcardPaths } from '../../../src/policy/wildcards.js';

test('expandWildcardPaths: a * component expands to the directories listed now, sorted', () => {
  const calls: string[] = [];
  const listDir = (dir: string) => {
    calls.push(dir);
    if (dir === '/home/') return ['bob', 'alice'];
    throw new Error(`unexpected ${dir}`);
  };
  assert.equal(expandWildcardPaths(['/etc/', '/home/*/.ssh/', '/home/*/.bashrc'], listDir), [
    '/etc/',
    '/home/alice/.ssh/',
    '/home/bob/.ssh/',
    '/home/alice/.bashrc',
    '/home/bob/.bashrc',
  ]);
  assert.equal(calls, ['/home/', '/home/']);
});

test('expandWildcardPaths: nested wildcards, unreadable and empty parents', () => {
  const tree: Record<string, string[]> = {
    '/srv/': ['b', 'a'],
    '/srv/a/conf/': ['x'],
    '/srv/b/conf/': [],
  };
  const listDir = (dir: string) => {
    const names = tree[dir];
    if (!names) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return [...names];
  };
  assert.equal(expandWildcardPaths(['/srv/*/conf/*/'], listDir), ['/srv/a/conf/x/']);
  assert.equal(expandWildcardPaths(['/nope/*/x'], listDir), []);
  assert.equal(expandWildcardPaths(['/no/star'], listDir), ['/no/star']);
  assert.equal(expandWildcardPaths([], listDir), []);
});

test.run();
