# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An action plugin base that runs its module and shows how far the module's wait is while it runs.

The module writes one line to the file given in its progress_file option (module_utils/progress.py); this
shows the line when it changes and again every REPEAT_SECONDS, so a wait of minutes is never silent for
longer than that. Only for a module that runs on the controller (connection local), where the file is.
"""

import os
import tempfile
import threading
import time

from ansible.plugins.action import ActionBase

# A line is shown again after this long without a change: at least this often, the user sees the wait go on.
REPEAT_SECONDS = 25
POLL_SECONDS = 1


class ProgressAction(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        if self._connection.transport != "local":
            result.update(self._execute_module(module_name=self._task.action, module_args=module_args, task_vars=task_vars))
            return result
        handle, path = tempfile.mkstemp(prefix="ec2mpi-progress-")
        os.close(handle)
        module_args["progress_file"] = path
        outcome = {}

        def execute():
            try:
                outcome["result"] = self._execute_module(module_name=self._task.action, module_args=module_args, task_vars=task_vars)
            except BaseException as error:  # pylint: disable=broad-exception-caught  # raised again in the task's thread
                outcome["error"] = error

        worker = threading.Thread(target=execute, daemon=True)
        worker.start()
        shown, shown_at = "", 0.0
        try:
            while worker.is_alive():
                worker.join(POLL_SECONDS)
                line = read_line(path)
                if line and (line != shown or time.monotonic() - shown_at >= REPEAT_SECONDS):
                    self._display.display(f"{self._task.get_name()}: {line}")
                    shown, shown_at = line, time.monotonic()
        finally:
            for leftover in (path, path + ".partial"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
        if "error" in outcome:
            raise outcome["error"]
        result.update(outcome["result"])
        return result


def read_line(path):
    """The module's last line, or "" before it wrote one."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""
