/** Alert severities, lowest first, and how the history grades records written before rules had them. */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** 0 for info … 4 for critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function atLeast(severity: Severity, minimum: Severity): boolean {
  return severityRank(severity) >= severityRank(minimum);
}

/**
 * Grades of the alerts that predate severities (detectors and self-protection). They are
 * used only where a stored alert carries no `severity` of its own.
 */
export const OTHER_ALERT_SEVERITIES: Readonly<Record<string, Severity>> = Object.freeze({
  write_burst_pid: 'medium',
  write_burst_path: 'medium',
  write_fanout_pid: 'medium',
  ptrace_agent: 'high',
  signal_agent_denied: 'high',
  agent_file_denied: 'high',
  bpf_access_denied: 'high',
  agent_task_denied: 'high',
  agent_task_changed: 'high',
  agent_cgroup_moved: 'high',
  agent_cgroup_denied: 'high',
  agent_cgroup_frozen: 'critical', // the agent sees nothing until the cgroup is thawed
  events_lost: 'high',
});

/** `integrity` statuses: the first check and a resolved problem are news, anything else is tampering. */
export function integritySeverity(status: unknown): Severity {
  return status === 'baseline' || status === 'resolved' ? 'info' : 'critical';
}

/** MITRE ATT&CK techniques of those alerts: what an attacker who trips them is doing. */
export const OTHER_ALERT_ATTACK: Readonly<Record<string, string>> = Object.freeze({
  write_burst_pid: 'T1485', // data destruction (or encryption: T1486) shows as a write burst
  write_burst_path: 'T1485',
  write_fanout_pid: 'T1486', // many distinct files in a short time: ransomware, wipers
  ptrace_agent: 'T1055.008', // ptrace system calls, aimed at the monitor
  signal_agent_denied: 'T1562.001', // impair defenses: disable or modify tools
  agent_file_denied: 'T1562.001',
  bpf_access_denied: 'T1562.001',
  agent_task_denied: 'T1562.001', // prlimit --cpu=1: the kernel kills the monitor
  agent_task_changed: 'T1562.001',
  agent_cgroup_moved: 'T1562.001', // a cgroup to freeze, kill or starve the monitor in
  agent_cgroup_denied: 'T1562.001',
  agent_cgroup_frozen: 'T1562.001',
  events_lost: 'T1562.006', // indicator blocking: a flood that makes the monitor drop events
});
