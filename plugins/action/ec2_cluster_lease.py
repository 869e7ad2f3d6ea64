# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the module ec2_cluster_lease with holder defaulting to this ansible-playbook run.

An action plugin runs in a worker process forked from ansible-playbook itself, so its parent is the run
whose death frees the lease; the module, a process further down, could not name it.
"""

import os
import socket

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        module_args.setdefault("holder", f"{socket.gethostname()} pid {os.getppid()}")
        result.update(self._execute_module(module_name=self._task.action, module_args=module_args, task_vars=task_vars))
        return result
