# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_cluster_lease against moto (in-process): who may take and give back a cluster's lease."""

import os
import socket
import subprocess
import time

import boto3
import pytest

from ansible_collections.ec2mpi.cluster.plugins.modules import ec2_cluster_lease

REGION = "us-west-2"
ME = f"{socket.gethostname()} pid {os.getpid()}"


@pytest.fixture
def lease(run_module, aws_credentials, moto):
    def run(holder=ME, state="present", check_mode=False):
        args = dict(region=REGION, cluster_name="lab", holder=holder, state=state)
        return run_module(ec2_cluster_lease.main, args, check_mode=check_mode)
    return run


def holder_of_lease():
    pairs = boto3.client("ec2", region_name=REGION).describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["ec2mpi-lease.lab"]}])["KeyPairs"]
    return {t["Key"]: t["Value"] for t in pairs[0].get("Tags", [])}.get("ec2mpi:lease-holder") if pairs else None


def plant(holder, since):
    tags = [{"Key": "ec2mpi:lease-holder", "Value": holder}, {"Key": "ec2mpi:lease-since", "Value": str(int(since))}]
    boto3.client("ec2", region_name=REGION).create_key_pair(KeyName="ec2mpi-lease.lab", TagSpecifications=[{"ResourceType": "key-pair", "Tags": tags}])


def dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_free_lease_is_taken_kept_by_its_holder_and_given_back(lease):
    assert lease().result["changed"] is True
    assert holder_of_lease() == ME
    assert lease().result["changed"] is False
    assert lease(state="absent").result["changed"] is True
    assert holder_of_lease() is None


def test_a_live_holder_elsewhere_refuses_in_one_line_and_keeps_its_lease(lease):
    plant("laptop-of-bob pid 77", time.time())

    outcome = lease()

    assert outcome.failed
    assert outcome.result["msg"] == ("cluster lab is being changed by another run (laptop-of-bob pid 77): wait until it ends; "
                                     "if that run is dead on another machine, delete key pair ec2mpi-lease.lab in us-west-2")
    assert lease(state="absent").result["changed"] is False
    assert holder_of_lease() == "laptop-of-bob pid 77"


@pytest.mark.parametrize("holder, since", [
    (f"{socket.gethostname()} pid {dead_pid()}", time.time()),  # killed on this controller
    ("laptop-of-bob pid 77", time.time() - 7201),  # older than expires_after
])
def test_an_abandoned_lease_is_taken_over_with_a_warning(lease, holder, since):
    plant(holder, since)

    outcome = lease()

    assert not outcome.failed and outcome.result["taken_over"] == holder
    assert f"took over the lease of cluster lab from {holder}, which is gone" in outcome.warnings
    assert holder_of_lease() == ME


def test_check_mode_changes_nothing(lease):
    assert lease(check_mode=True).result["changed"] is True
    assert holder_of_lease() is None
