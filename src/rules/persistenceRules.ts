/** Files that make something run later: cron, systemd units/timers/generators, shell start-up, rc scripts. */
import { configFileRule } from './configFileRule.js';
import { isCronPath, isRcScriptPath, isShellStartupPath, isSystemdGeneratorPath, isSystemdTimerPath, isSystemdUnitPath } from './pathClasses.js';
import type { RuleDefinition } from './types.js';

/** Unit settings that run a program or load code into one. */
function unitRunsSomething(line: string): string | null {
  return /^\s*(Exec\w*|Environment\w*)\s*=/.test(line) ? 'runs a command' : null;
}

export const PERSISTENCE_RULES: readonly RuleDefinition[] = [
  configFileRule({
    id: 'cron_job_changed',
    severity: 'high',
    attack: 'T1053.003',
    trigger: 'a line added to /etc/crontab, /etc/anacrontab, /etc/cron.*/ or a /var/spool/cron crontab, or a cron script made executable',
    packageManagerExempt: true,
    noun: 'cron file',
    matches: isCronPath,
    executes: true,
  }),
  configFileRule({
    id: 'systemd_unit_changed',
    severity: 'high',
    attack: 'T1543.002',
    trigger: 'a systemd unit, drop-in or enablement symlink added or changed (system and user unit directories, ~/.config/systemd/user)',
    packageManagerExempt: true,
    noun: 'systemd unit',
    matches: isSystemdUnitPath,
    mark: unitRunsSomething,
  }),
  configFileRule({
    id: 'systemd_timer_changed',
    severity: 'high',
    attack: 'T1053.006',
    trigger: 'a systemd .timer unit, its drop-in or enablement symlink added or changed',
    packageManagerExempt: true,
    noun: 'systemd timer',
    matches: isSystemdTimerPath,
  }),
  configFileRule({
    id: 'systemd_generator_changed',
    severity: 'high',
    attack: 'T1543.002',
    trigger: 'a program added to or changed in a systemd generator directory (run by systemd at boot and on every reload)',
    packageManagerExempt: true,
    noun: 'systemd generator',
    matches: isSystemdGeneratorPath,
    executes: true,
  }),
  configFileRule({
    id: 'shell_startup_changed',
    severity: 'medium',
    attack: 'T1546.004',
    trigger: 'a line added to a file bash, sh or zsh read at start-up: /etc/profile, /etc/profile.d/, /etc/bash.bashrc, /etc/zsh/, /etc/environment, /etc/skel/, ~/.profile, ~/.bash_profile, ~/.bash_login, ~/.bashrc, ~/.zshrc, …',
    packageManagerExempt: true,
    noun: 'shell start-up file',
    matches: isShellStartupPath,
  }),
  configFileRule({
    id: 'rc_script_changed',
    severity: 'high',
    attack: 'T1037.004',
    trigger: 'a line added to /etc/rc.local or an init script (/etc/init.d/, /etc/rc?.d/), or one made executable',
    packageManagerExempt: true,
    noun: 'boot script',
    matches: isRcScriptPath,
    executes: true,
  }),
];
