# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: extra_vars_sources
version_added: 0.1.0
short_description: Each -e source of this run with the variables it sets
description:
  - Ansible merges every C(-e)/C(--extra-vars) source into one set of variables, keeping the last value of a name
    given twice and saying nothing. This lookup returns the sources one by one, in the order given, read the way
    Ansible reads them (C(ansible.utils.vars.load_extra_vars)), a C(@file) as YAML (vault included), text starting
    with C({) or C([) as YAML/JSON, anything else as C(key=value) words (C(parse_kv), so a stray word is in C(_raw_params)).
  - With the filter P(ec2mpi.cluster.extra_vars_problems#filter) it finds the keys of a cluster file that are no input,
    and a key a cluster file and another C(-e) set to different values (C(plugins/module_utils/cluster_file.py)).
  - A source that does not parse never reaches a play; Ansible itself fails first, naming the file.
  - Returns an empty list outside C(ansible-playbook) and C(ansible) runs that take C(-e).
author:
  - ec2mpi developers (@ec2mpi)
options: {}
"""

EXAMPLES = r"""
- name: Say which -e sources set cluster_name
  ansible.builtin.debug:
    msg: "{{ lookup('ec2mpi.cluster.extra_vars_sources', wantlist=True) | selectattr('vars.cluster_name', 'defined') | map(attribute='source') }}"

- name: Fail on a misspelled key in a cluster file, or one that another -e contradicts
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ lookup('ec2mpi.cluster.extra_vars_sources', wantlist=True) | ec2mpi.cluster.extra_vars_problems(['cluster_name', 'node_count']) }}"
"""

RETURN = r"""
_raw:
  description: The -e sources, in the order given.
  type: list
  elements: dict
  contains:
    source:
      description: The -e argument as Ansible holds it (a file's path made absolute, after the C(@)).
      type: str
      sample: "@/home/me/ec2mpi/clusters/lab.yml"
    kind:
      description: How Ansible read it, V(file), V(yaml) or V(kv).
      type: str
      sample: file
    file:
      description: For a file, its path relative to the working directory when inside it (else absolute); null otherwise.
      type: str
      sample: clusters/lab.yml
    vars:
      description: The variables the source sets, as plain data (templates in a file are not rendered).
      type: dict
      sample: {cluster_name: lab, node_count: 4}
"""

import json
from collections.abc import Mapping

from ansible import context
from ansible.errors import AnsibleError
from ansible.parsing.splitter import parse_kv
from ansible.plugins.lookup import LookupBase

from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_file import file_label
from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_file import source_kind


def plain(data):
    """Ansible's loaded data as plain Python (no trust or origin tags); dates and the like as text."""
    return json.loads(json.dumps(data, default=str))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        sources = []
        for argument in context.CLIARGS.get("extra_vars", ()) or ():
            argument = str(argument)
            if not argument:
                continue
            kind = source_kind(argument)
            if kind == "file":
                data = self._loader.load_from_file(argument[1:])
            elif kind == "yaml":
                data = self._loader.load(argument)
            else:
                data = parse_kv(argument)
            if not isinstance(data, Mapping):
                raise AnsibleError(f"extra_vars_sources: -e {argument} is not a set of variables")
            sources.append(dict(
                source=argument, kind=kind, file=file_label(argument[1:]) if kind == "file" else None, vars=plain(data),
            ))
        return sources
