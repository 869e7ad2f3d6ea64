# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How far a module's long wait is, for the collection's action plugin to show while the module runs.

A module is one process whose output Ansible reads when it exits, so it cannot say "3/4 instances running"
during a wait of minutes. Its action plugin (plugin_utils/progress_action.py) can: it passes a file in the
module's progress_file option and shows each line the module writes there.
"""

import os
from typing import Optional

# The option every module with a long wait takes (documented by the doc fragment ec2mpi.cluster.progress).
PROGRESS_ARGUMENT_SPEC = {"progress_file": {"type": "path"}}


class Progress:
    """Writes the wait's current state, one line, replacing the last; does nothing without a file."""

    def __init__(self, path: Optional[str]) -> None:
        self.path = path

    def say(self, line: str) -> None:
        if not self.path:
            return
        # Replaced whole, so the reader never sees half a line.
        partial = self.path + ".partial"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(line)
        os.replace(partial, self.path)
