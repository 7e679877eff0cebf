#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Confine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: confine_policy
short_description: Make a host's Flatpak permission overrides match a Confine policy
description:
  - Runs C(confine apply) on the target, which edits Flatpak's override files
    (the ones C(flatpak override) writes) so they say what the policy says,
    touching nothing the policy does not name.
  - The policy is checked completely before any file is written; a policy that
    names an unknown permission, a malformed value, an invalid app ID or a
    permission the target's Flatpak cannot honour fails the task and changes
    nothing.
  - Applying the same policy again reports no change.
  - The policy format is described in Confine's README, section "Many computers".
version_added: "1.0.0"
author: Confine contributors
options:
  policy:
    description:
      - Path of a policy file on the target.
      - Mutually exclusive with I(content).
    type: path
  content:
    description:
      - The policy itself, as a dictionary (for example YAML variables) or as
        JSON text. It is passed to C(confine apply) on standard input.
      - Mutually exclusive with I(policy).
    type: raw
  scope:
    description:
      - C(system) writes the administrator's overrides
        (C($FLATPAK_SYSTEM_DIR/overrides), normally C(/var/lib/flatpak/overrides)),
        which Flatpak lays under every user's own, for apps installed system-wide;
        it needs root (C(become)), except in check mode.
      - C(user) writes the overrides of the user the task runs as.
    type: str
    choices: [system, user]
    default: system
  prune:
    description:
      - Also remove every override file of the scope that the policy does not
        name (C(confine apply --prune)), so that the host holds the policy's
        overrides and nothing else, as nix-flatpak's C(pruneUnmanagedOverrides)
        does. Files that are not override files (an editor's backup) are left
        alone; a file that cannot be read fails the task and nothing changes.
      - Each removal is reported under I(files) with C(pruned) set, and shown as
        a diff in diff mode.
    type: bool
    default: false
  executable:
    description:
      - The confine program on the target. By default it is looked up in C(PATH)
        and C(/usr/local/bin).
    type: path
notes:
  - Supports check mode (C(confine apply --check)) and diff mode (one diff per
    override file).
  - In diff mode the diffs show the override files as they are, so the values
    of the policy's variables appear in them. The values of variables whose
    names look secret (containing C(PASSWORD), C(PASSWD), C(SECRET),
    C(TOKEN), C(CREDENTIAL), C(AUTH) or ending in C(KEY)) are hidden from the
    task's output like C(no_log) values; set C(no_log: true) on the task to
    hide everything else too.
  - Point Confine at other Flatpak installations with the C(environment) keyword
    (C(FLATPAK_SYSTEM_DIR), C(FLATPAK_USER_DIR), C(FLATPAK_CONFIG_DIR)), as for
    the flatpak command.
requirements:
  - Confine's command line on the target (the C(confine.flatpak.policy) role installs it).
'''

EXAMPLES = r'''
- name: Revoke the network from every system-wide app but the browser
  confine.flatpak.confine_policy:
    content:
      format: confine-policy
      version: 1
      overrides:
        global:
          permissions:
            shared/network: "off"
        org.mozilla.firefox:
          permissions:
            shared/network: "on"
  become: true

- name: Apply a policy file already on the host, for the connecting user
  confine.flatpak.confine_policy:
    policy: /etc/confine/policy.json
    scope: user

- name: Make the system overrides exactly the policy's, removing all others
  confine.flatpak.confine_policy:
    policy: /etc/confine/policy.json
    prune: true
  become: true
'''

RETURN = r'''
files:
  description: Every override file the policy names.
  returned: success
  type: list
  elements: dict
  contains:
    path: {description: The override file., type: str}
    target: {description: C(global) or the app ID., type: str}
    scope: {description: C(system) or C(user)., type: str}
    changed: {description: Whether applying changes (or, in check mode, would change) the file., type: bool}
    pruned: {description: The policy does not name the file and I(prune) removes it (absent otherwise)., type: bool}
    diff: {description: The change as a unified diff (empty when unchanged)., type: str}
findings:
  description: Notes about the apply, such as an app that is not installed or a fix hardening applied.
  returned: success
  type: list
  elements: dict
  contains:
    target: {description: C(global) or the app ID (absent for notes about the whole apply)., type: str}
    severity: {description: C(info) or C(warning)., type: str}
    id: {description: The advisor's finding that hardening fixed., type: str}
    message: {description: What happened., type: str}
  sample: [{"target": "org.example.App", "severity": "warning", "message": "not installed: ..."}]
rc:
  description: Exit status of confine apply (1 failed or refused, 2 bad usage).
  returned: failure
  type: int
written:
  description: When a write failed midway, the targets already written (the others are unchanged).
  returned: failure
  type: list
  elements: str
'''

import json
import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

CHANGED = 3


def policy_text(module, content):
    """The policy as JSON text. Text that is not JSON is read as YAML."""
    if isinstance(content, (dict, list)):
        return json.dumps(content)
    text = to_text(content)
    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    try:
        import yaml
        return json.dumps(yaml.safe_load(text))
    except Exception as e:  # any YAML error: say it, never guess
        module.fail_json(msg="content is neither JSON nor YAML: %s" % to_text(e))


# Variable names whose values Ansible users expect to be kept out of logs,
# as Ansible does for module options named like these.
SECRET_NAME = re.compile(r'PASS(WORD|WD)?|SECRET|TOKEN|CREDENTIAL|AUTH|KEY$', re.IGNORECASE)


def secret_values(policy):
    """The values of the policy's variables whose names look secret."""
    out = set()
    targets = policy.get('overrides') if isinstance(policy, dict) else None
    if not isinstance(targets, dict):
        return out
    for t in targets.values():
        variables = t.get('variables') if isinstance(t, dict) else None
        if not isinstance(variables, dict):
            continue
        for name, value in variables.items():
            if isinstance(value, str) and value and SECRET_NAME.search(str(name)):
                out.add(value)
    return out


def read_policy(path):
    """The policy file on the target as data, or None (Confine says why)."""
    try:
        with open(path, 'rb') as f:
            return json.loads(f.read(64 << 20))
    except Exception:
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            policy=dict(type='path'),
            content=dict(type='raw'),
            scope=dict(type='str', choices=['system', 'user'], default='system'),
            prune=dict(type='bool', default=False),
            executable=dict(type='path'),
        ),
        mutually_exclusive=[('policy', 'content')],
        required_one_of=[('policy', 'content')],
        supports_check_mode=True,
    )
    p = module.params
    exe = p['executable'] or module.get_bin_path('confine', opt_dirs=['/usr/local/bin'])
    if not exe or not os.path.exists(exe):
        module.fail_json(msg="Confine's command line is not installed on the target (%s); "
                             "the confine.flatpak.policy role installs it" % (exe or 'confine'))

    args = [exe, 'apply', '--json']
    if p['scope'] == 'system':
        args.append('--system')
    if p['prune']:
        args.append('--prune')
    if module.check_mode:
        args.append('--check')
    if module._diff:
        args.append('--diff')
    # "--" ends the options: a policy path that starts with "-" stays a
    # path (without it, policy: --preset=strict applied a preset).
    args += ['--', p['policy'] or '-']
    data = None if p['policy'] else policy_text(module, p['content'])
    policy = read_policy(p['policy']) if p['policy'] else json.loads(data)
    module.no_log_values.update(secret_values(policy))
    rc, out, err = module.run_command(args, data=data, binary_data=True)

    try:
        res = json.loads(out)
    except ValueError:
        res = {}
    if rc not in (0, CHANGED) or not res:
        if res.get('error'):
            # Confine's own one-line message; stderr says the same.
            module.fail_json(msg=res['error'], rc=rc, changed=bool(res.get('written')),
                             written=res.get('written', []))
        msg = err.strip() or out.strip() or 'confine apply failed with status %d' % rc
        module.fail_json(msg=msg, rc=rc)

    # No "rc" on success: Ansible takes a non-zero rc for a failure, and
    # 3 means "changed".
    result = dict(changed=(rc == CHANGED), files=[], findings=res.get('findings', []))
    diffs = []
    for f in res.get('files', []):
        if module._diff and f.get('changed'):
            diffs.append(dict(before_header=f['path'], after_header=f['path'],
                              before=f.get('before', ''), after=f.get('after', '')))
        f.pop('before', None)
        f.pop('after', None)
        result['files'].append(f)
    if module._diff:
        result['diff'] = diffs
    for n in result['findings']:
        if n.get('severity') == 'warning':
            module.warn('%s: %s' % (n.get('target') or 'confine', n.get('message')))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
