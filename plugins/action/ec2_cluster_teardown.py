# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the module ec2_cluster_teardown and shows how far its wait for terminations is while it runs (plugin_utils/progress_action.py)."""

from ansible_collections.ec2mpi.cluster.plugins.plugin_utils.progress_action import ProgressAction


class ActionModule(ProgressAction):
    pass
