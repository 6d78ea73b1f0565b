/**
 * Who did it, in one phrase for stderr: `/usr/sbin/useradd (pid 22968) by alice via sudo, session 3`.
 * The executable where known (a process picks its own comm, not its executable), the login user
 * (who logged in, whatever su or sudo made of the uid since), the tool that changed the user, the
 * audit session. Escaping for the terminal is the notices' job.
 */
import { privilegeTool, type Ancestor } from './ancestry.js';

/** The actor as alerts and change records carry it (src/output/eventRecord.ts actorFields). */
export interface ActorLike {
  pid: number;
  comm: string;
  uid: number;
  exe?: string | null;
  user?: string | null;
  login_uid?: number | null;
  login_user?: string | null;
  session_id?: number | null;
  ancestors?: readonly Ancestor[];
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function describeActor(a: ActorLike): string {
  const exe = a.exe ?? null;
  // comm is at most 15 bytes of the executable's name; a different one is worth showing
  const comm = exe === null || baseName(exe).startsWith(a.comm) ? '' : `, comm ${a.comm}`;
  const who = `${exe ?? a.comm} (pid ${a.pid}${comm})`;
  const userOf = (uid: number, name: string | null | undefined) => name ?? `uid ${uid}`;
  const via = privilegeTool({ comm: a.comm, exe }, a.ancestors ?? []);
  const loginUid = a.login_uid ?? null;
  if (loginUid === null) return `${who} by ${userOf(a.uid, a.user)}${via ? ` via ${via}` : ''}`;
  let text = `${who} by ${userOf(loginUid, a.login_user)}`;
  if (via) text += ` via ${via}`;
  if (a.uid !== loginUid && !(via && a.uid === 0)) text += ` as ${userOf(a.uid, a.user)}`;
  if (a.session_id !== null && a.session_id !== undefined) text += `, session ${a.session_id}`;
  return text;
}
