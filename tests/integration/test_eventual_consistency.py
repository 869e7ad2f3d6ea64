# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""provision.yml and teardown.yml while EC2 is eventually consistent, as AWS documents it may be.

The API-only emulator's eventual-consistency fault (emulator/localcloud/consistency.py) hides what a client
creates from Describe calls, and from RunInstances naming it, for a few seconds, answering AWS's NotFound
codes meanwhile. It does not keep deleted resources listed: the teardown's waiting for a deletion to show is
proved by its unit tests (tests/unit/plugins/modules/test_ec2_cluster_teardown.py), with botocore's Stubber.
"""

import json

import pytest
from cluster_api import LIVE_STATES, SSH_INPUT, footprint, instances

LAG_SECONDS = 3


@pytest.fixture
def lagging(emulator):
    """The emulator's EC2 lagging LAG_SECONDS behind what clients create, for this test only."""
    emulator.add_fault(kind="eventual-consistency", seconds=LAG_SECONDS)
    try:
        yield emulator
    finally:
        emulator.clear_faults()


def test_a_cluster_provisioned_and_torn_down_under_lag_leaves_nothing(lagging, playbook, ec2_client, iam_client, tmp_path):
    name = "lagging"
    args = ["-e", f"cluster_name={name}", "-e", f"cluster_local_dir={tmp_path}", *SSH_INPUT,
            "-e", "vpc_cidr=10.61.0.0/16", "-e", "subnet_cidr=10.61.1.0/24",
            "-e", json.dumps({"operator_users": [f"ops-{name}"]})]

    rc, output, _recap = playbook("provision.yml", *args, "-e", "node_count=1")
    assert rc == 0, output[-3000:]
    assert [node["State"]["Name"] for node in instances(ec2_client, name)] == ["running"]

    # Straight after provision: what it made last is new, so the teardown meets the lag too.
    rc, output, _recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true", "-e", "teardown_local_files=true")
    assert rc == 0, output[-3000:]
    assert lagging.faults() != [], "the fault was not in force throughout"
    lagging.clear_faults()  # the proof reads a consistent API: nothing new can hide from it
    left = {kind: ids for kind, ids in footprint(ec2_client, iam_client, name, instance_states=LIVE_STATES).items() if ids}
    assert left == {}
