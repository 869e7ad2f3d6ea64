# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  progress_file:
    description:
      - A file the module rewrites with one line saying how far its wait is, for example C(3/4 instances running).
      - Set by the module's action plugin, which shows each line while the module runs; leave it unset.
    type: path
"""
