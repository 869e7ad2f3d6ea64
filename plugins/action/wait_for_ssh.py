# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wait_for_ssh: on the controller, until every node's SSH server greets, saying how many do (docs: the module)."""

import socket
import time

from ansible.plugins.action import ActionBase

from ansible_collections.ec2mpi.cluster.plugins.plugin_utils.progress_action import REPEAT_SECONDS

CONNECT_TIMEOUT = 3
ROUND_SECONDS = 2


def greets(address, port):
    """Whether an SSH server answers there: its greeting starts with SSH- (RFC 4253, 4.2)."""
    try:
        with socket.create_connection((address, port), timeout=CONNECT_TIMEOUT) as connection:
            return connection.recv(4).startswith(b"SSH-")
    except OSError:
        return False


class ActionModule(ActionBase):
    _supports_check_mode = True
    _VALID_ARGS = frozenset(("nodes", "port", "timeout"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=dict(
            nodes=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True), address=dict(type="str", required=True))),
            port=dict(type="int", default=22),
            timeout=dict(type="int", default=300),
        ))
        nodes = args["nodes"]
        started = time.monotonic()
        waiting = list(nodes)
        shown, shown_at = None, 0.0
        while True:
            waiting = [node for node in waiting if not greets(node["address"], args["port"])]
            elapsed = time.monotonic() - started
            if not waiting:
                result.update(changed=False, elapsed=int(elapsed))
                return result
            if elapsed >= args["timeout"]:
                names = ", ".join(f"{node['name']} ({node['address']})" for node in waiting)
                result.update(failed=True, elapsed=int(elapsed),
                              msg=f"after {args['timeout']} s, {names} {'does' if len(waiting) == 1 else 'do'} not answer SSH on port {args['port']}: "
                                  "look at them in the EC2 console (status checks, system log) and at the security group's SSH rule")
                return result
            answering = len(nodes) - len(waiting)
            if answering != shown or time.monotonic() - shown_at >= REPEAT_SECONDS:
                self._display.display(f"{self._task.get_name()}: {answering}/{len(nodes)} nodes answer SSH after {elapsed:.0f} s "
                                      f"(waiting up to {args['timeout']} s)")
                shown, shown_at = answering, time.monotonic()
            time.sleep(ROUND_SECONDS)
