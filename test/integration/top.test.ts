/** `lsmwatch top` in a real terminal (tmux, host only): the counts of a known workload appear,
 * colour only on a terminal that has it and never with NO_COLOR, and q or Ctrl-C ends it. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { agentBin, baseArgs, controlPath, helperBin, inVm, makeSandbox, run, sleep, startAgent, type Sandbox } from './harness.js';

const top = suite('lsmwatch top');
let box: Sandbox;
const socket = `lsmwatch-top-${process.pid}`;
// The tmux server passes its own environment on to top: it starts without the colour settings of
// whoever runs the tests (NO_COLOR=1 in a CI log), so each session has only the ones it sets.
const tmuxEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['NO_COLOR', 'FORCE_COLOR', 'COLORTERM'].includes(k)));
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: tmuxEnv });
const alive = (session: string) => spawnSync('tmux', ['-L', socket, 'has-session', '-t', session]).status === 0;

top.before(() => {
  box = makeSandbox();
});
top.after(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  box.cleanup();
});

/** Starts top in a detached tmux session of a fixed size and returns a screen reader. */
function openTop(session: string, env: Record<string, string>) {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '50', ...envArgs, process.execPath, agentBin, 'top', '--control', controlPath(box));
  return {
    screen: (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session),
    async waitFor(pattern: RegExp, escapes = false): Promise<string> {
      const end = Date.now() + 15_000;
      let text = '';
      while (Date.now() < end) {
        text = tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
        if (pattern.test(text)) return text;
        await sleep(200);
      }
      throw new Error(`top never showed ${String(pattern)}; screen:\n${text}`);
    },
    async waitGone(): Promise<void> {
      const end = Date.now() + 10_000;
      while (alive(session) && Date.now() < end) await sleep(100);
      assert.not.ok(alive(session), `top in ${session} did not exit`);
    },
  };
}

if (!inVm) {
  top('shows the counts of a known workload, colours on a terminal, none with NO_COLOR; q and Ctrl-C quit', async () => {
    const agent = startAgent(baseArgs(box));
    try {
      await agent.waitFor((e) => e.type === 'ready', 'ready');
      // the workload: 200 open+write+close by one process on one file
      const file = join(box.watched, 'top-workload');
      const out = run(helperBin('write_loop'), ['reopen', file, '200', '0']);
      const pid = Number(out.split('\n')[0]);
      await agent.waitFor(() => agent.events.filter((e) => e.type === 'open' && e.path === file).length === 200, '200 opens');
      await agent.waitFor(() => agent.events.filter((e) => e.type === 'write' && e.path === file).reduce((n, e) => n + (e.count as number), 0) === 200, '200 writes');

      const colour = openTop('colour', { TERM: 'xterm-256color' });
      const screen = await colour.waitFor(/^open\s+\S+\s+200\s+\S+\s+200\s*$/m);
      assert.match(screen, /^lsmwatch top {2}healthy {2}tracepoint sensor, pid \d+/m);
      assert.match(screen, /^write\s+\S+\s+\d+\s+\S+\s+200\s*$/m, 'write operations: 200');
      assert.match(screen, new RegExp(`^\\s*${pid} write_loop\\s+\\S+\\s+400\\s*$`, 'm'), 'the writer: 200 opens + 200 writes');
      assert.match(screen, new RegExp(`^\\s+\\S*top-workload\\s+\\S+\\s+400\\s*$`, 'm'), 'the file');
      assert.match(screen, /^LOST 0 /m);
      assert.match(colour.screen(true), /\x1b\[1m/, 'bold on a colour terminal');
      tmux('send-keys', '-t', 'colour', 'q');
      await colour.waitGone();

      const plain = openTop('plain', { TERM: 'xterm-256color', NO_COLOR: '1' });
      const plainScreen = await plain.waitFor(/^open\s+\S+\s+200\s/m, true);
      assert.not.match(plainScreen, /\x1b\[[0-9;]*m/, 'NO_COLOR: no colour codes');
      tmux('send-keys', '-t', 'plain', 'C-c');
      await plain.waitGone();
    } finally {
      await agent.stop();
    }
  });
}

top.run();
