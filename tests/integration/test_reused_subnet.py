# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A network given as vpc_id and subnet_id: its subnet must be in a zone that offers the instance type.

moto (and so the API-only emulator) offers g4dn.xlarge in us-west-2a, 2b and 2c, not in 2d; the default
VPC has a default subnet in each of the four.
"""

import json

from cluster_api import LIVE_STATES, SSH_INPUT, footprint, instances

OFFERING_ZONES = "us-west-2a, us-west-2b, us-west-2c"
G4DN_ONLY = json.dumps({"instance_type": "g4dn.xlarge", "instance_type_fallbacks": []})


def default_subnet(ec2, zone):
    """The default VPC and its default subnet in zone."""
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]},
                                            {"Name": "availability-zone", "Values": [zone]}])["Subnets"]
    assert len(subnets) == 1, f"no default subnet in {zone}: {subnets}"
    return subnets[0]["VpcId"], subnets[0]["SubnetId"]


def cluster_args(name, local_dir, vpc_id, subnet_id):
    return ["-e", f"cluster_name={name}", "-e", f"cluster_local_dir={local_dir}", *SSH_INPUT,
            "-e", f"vpc_id={vpc_id}", "-e", f"subnet_id={subnet_id}", "-e", G4DN_ONLY, "-e", "node_count=1"]


def test_a_subnet_in_a_zone_without_the_instance_type_fails_before_any_change(playbook, ec2_client, iam_client, tmp_path):
    vpc_id, subnet_id = default_subnet(ec2_client, "us-west-2d")

    rc, output, _recap = playbook("provision.yml", *cluster_args("reuse-2d", tmp_path, vpc_id, subnet_id))

    assert rc != 0
    assert (f"subnet_id {subnet_id} is in availability zone us-west-2d, which does not offer instance type g4dn.xlarge "
            f"(these do: {OFFERING_ZONES}); pass a vpc_id and subnet_id in one of those zones, "
            "or an instance_type offered in us-west-2d") in " ".join(output.split()), output[-3000:]
    created = {kind: ids for kind, ids in footprint(ec2_client, iam_client, "reuse-2d").items() if ids}
    assert created == {}, f"created before failing: {created}"
    assert not (tmp_path / "id_ed25519").exists()


def test_a_subnet_in_a_zone_with_the_instance_type_is_used(playbook, ec2_client, iam_client, tmp_path):
    vpc_id, subnet_id = default_subnet(ec2_client, "us-west-2a")
    args = cluster_args("reuse-2a", tmp_path, vpc_id, subnet_id)

    rc, output, _recap = playbook("provision.yml", *args)

    try:
        assert rc == 0, output[-3000:]
        assert [node["SubnetId"] for node in instances(ec2_client, "reuse-2a")] == [subnet_id]
    finally:
        rc, output, _recap = playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true")
        assert rc == 0, output[-3000:]
    assert {kind: ids for kind, ids in footprint(ec2_client, iam_client, "reuse-2a", LIVE_STATES).items() if ids} == {}
