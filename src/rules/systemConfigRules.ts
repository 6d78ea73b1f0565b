/** Configuration that changes how every program loads or authenticates: the dynamic loader, PAM, kernel modules. */
import { isOneOf } from './changeFacts.js';
import { configFileRule } from './configFileRule.js';
import { LD_PRELOAD_FILE, isKernelModuleConfPath, isLdSoConfPath, isPamPath } from './pathClasses.js';
import type { RuleDefinition } from './types.js';

/** PAM lines that let anyone in or run a program during authentication. */
function pamMark(line: string): string | null {
  if (/\bpam_permit\.so\b/.test(line)) return 'pam_permit: accepts anyone';
  if (/\bpam_exec\.so\b/.test(line)) return 'pam_exec: runs a program';
  return null;
}

/** modprobe `install`/`remove` lines run a shell command instead of loading the module. */
function moduleMark(line: string): string | null {
  return /^\s*(install|remove)\s/.test(line) ? 'runs a command' : null;
}

export const SYSTEM_CONFIG_RULES: readonly RuleDefinition[] = [
  configFileRule({
    id: 'ld_preload_written',
    severity: 'critical',
    attack: 'T1574.006',
    trigger: '/etc/ld.so.preload written (a library loaded into every dynamically linked program)',
    packageManagerExempt: false,
    noun: 'loader preload list',
    matches: (path) => isOneOf(path, [LD_PRELOAD_FILE]),
    keepComments: true,
  }),
  configFileRule({
    id: 'ld_so_conf_changed',
    severity: 'high',
    attack: 'T1574.006',
    trigger: 'a library directory added to /etc/ld.so.conf or /etc/ld.so.conf.d/',
    packageManagerExempt: true,
    noun: 'loader configuration',
    matches: isLdSoConfPath,
  }),
  configFileRule({
    id: 'pam_config_changed',
    severity: 'high',
    attack: 'T1556.003',
    trigger: 'a line added to /etc/pam.conf, /etc/pam.d/ or /etc/security/, or a PAM module (…/security/*.so) added or replaced',
    packageManagerExempt: true,
    noun: 'PAM configuration',
    matches: isPamPath,
    mark: pamMark,
  }),
  configFileRule({
    id: 'kernel_module_config_changed',
    severity: 'high',
    attack: 'T1547.006',
    trigger: 'a line added to /etc/modules, a modprobe.d or modules-load.d file (install/remove commands marked)',
    packageManagerExempt: true,
    noun: 'kernel module configuration',
    matches: isKernelModuleConfPath,
    mark: moduleMark,
  }),
];
