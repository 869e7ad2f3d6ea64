# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Baked images (playbooks/image.yml, provision.yml with ami_id: baked), checked through the EC2 API.

On the API-only emulator: the bad inputs (no baked image; removing images a cluster still boots) and the lookup of
a baked image. With containers: the whole life, bake, 3 nodes from the image that install nothing, removal.
"""

import json
from pathlib import Path

import yaml
from cluster_api import LIVE_STATES, SSH_ALLOWED_CIDRS, SSH_INPUT, footprint, instances, tags_of
from test_nodes import SMOKE_TEST_PASSED, succeeds
from test_provision import failure_result
from ansible_collections.ec2mpi.cluster.plugins.module_utils.image_recipe import recipe_hash

RECIPE = recipe_hash()
ARCH = "x86_64"
IMAGE_TAG = [{"Name": "tag-key", "Values": ["ec2mpi:image"]}]
SNAPSHOT_PRICE = yaml.safe_load((Path(__file__).parents[2] / "playbooks/vars/ec2_hourly_prices.yml").read_text())["ec2_snapshot_price_gib_month"]
# Failures as one JSON line each, for failure_result.
JSON_RESULTS = {"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}


def baked_images(ec2):
    return ec2.describe_images(Owners=["self"], Filters=IMAGE_TAG)["Images"]


def snapshots_of(ec2, images):
    return {mapping["Ebs"]["SnapshotId"] for image in images for mapping in image["BlockDeviceMappings"] if "Ebs" in mapping}


def bake_by_api(ec2, cluster):
    """An image tagged as image.yml tags one, made with CreateImage from an instance of cluster (which keeps running on
    it): what the API-only tests need of a bake, without a node to install on."""
    source = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": [ARCH]}])["Images"][0]
    instance = ec2.run_instances(ImageId=source["ImageId"], MinCount=1, MaxCount=1, InstanceType="g4dn.xlarge")["Instances"][0]
    image = ec2.create_image(InstanceId=instance["InstanceId"], Name=f"ec2mpi-{RECIPE}-test")["ImageId"]
    ec2.create_tags(Resources=[image], Tags=[{"Key": "ec2mpi:image", "Value": RECIPE}])
    user = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="g4dn.xlarge",
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "ec2mpi:cluster", "Value": cluster}]}])
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    return image, user["Instances"][0]["InstanceId"]


def test_provision_with_ami_id_baked_and_no_image_fails_in_one_line_before_any_change(playbook, ec2_client, iam_client, tmp_path):
    rc, output = playbook("provision.yml", *SSH_INPUT, "-e", "cluster_name=unbaked", "-e", "ami_id=baked",
                          "-e", f"cluster_local_dir={tmp_path}", env=JSON_RESULTS)[:2]
    assert rc != 0
    assert failure_result(output)["msg"] == (
        f"ami_id is baked but no image of recipe {RECIPE} for {ARCH} exists in us-west-2: "
        "run ansible-playbook playbooks/image.yml -e @clusters/unbaked.yml"
    )
    assert not any(footprint(ec2_client, iam_client, "unbaked").values())


def test_a_bake_whose_node_never_answers_leaves_nothing_and_names_the_step(playbook, ec2_client, iam_client, tmp_path):
    # API only: the temporary node has no body, so its SSH never answers.
    rc, output = playbook("playbooks/image.yml", *SSH_INPUT, "-e", "node_connect_timeout=5", "-e", f"cluster_local_dir={tmp_path}",
                          env=JSON_RESULTS)[:2]
    assert rc != 0
    message = failure_result(output)["msg"]
    assert message.startswith(f"image.yml: the image of recipe {RECIPE} was not made: starting the temporary node "
                              "(Wait until the temporary node's SSH server answers): "), message
    assert message.endswith("; the temporary node was deleted"), message
    assert not any(footprint(ec2_client, iam_client, f"image-{RECIPE}", instance_states=LIVE_STATES).values())
    assert baked_images(ec2_client) == []
    assert not (tmp_path / "image").exists()


def test_images_a_cluster_boots_are_kept_until_its_teardown_then_removed_with_their_snapshots(playbook, ec2_client, tmp_path):
    image, user = bake_by_api(ec2_client, "bakedlab")
    # provision.yml finds it (check mode: the cluster would boot it).
    rc, output = playbook("provision.yml", "--check", *SSH_INPUT, "-e", "cluster_name=bakedcheck", "-e", "ami_id=baked",
                          "-e", f"cluster_local_dir={tmp_path}")[:2]
    assert rc == 0, output[-3000:]
    assert image in output
    # status.yml lists it with what its snapshots cost, at the recorded price per GiB-month.
    rc, output = playbook("playbooks/status.yml", "-e", f"cluster_local_dir={tmp_path}")[:2]
    assert rc == 0, output[-3000:]
    size = sum(mapping["Ebs"]["VolumeSize"] for found in baked_images(ec2_client) for mapping in found["BlockDeviceMappings"])
    [row] = [line.split() for line in output.splitlines() if line.split()[:1] == [image]]
    assert row[:3] + row[4:] == [image, f"ec2mpi-{RECIPE}-test", RECIPE, str(size), "at", "most", f"{size * SNAPSHOT_PRICE:.2f}"]

    rc, output = playbook("playbooks/image.yml", *SSH_INPUT, "-e", "state=absent", "-e", f"cluster_local_dir={tmp_path}",
                          env=JSON_RESULTS)[:2]
    assert rc != 0
    assert failure_result(output)["msg"] == (
        f"image {image} is still used by cluster bakedlab ({user}): run playbooks/teardown.yml for it first"
    )
    assert [found["ImageId"] for found in baked_images(ec2_client)] == [image]

    snapshots = snapshots_of(ec2_client, baked_images(ec2_client))
    ec2_client.terminate_instances(InstanceIds=[user])
    rc, output = playbook("playbooks/image.yml", *SSH_INPUT, "-e", "state=absent", "-e", f"cluster_local_dir={tmp_path}")[:2]
    assert rc == 0, output[-3000:]
    assert baked_images(ec2_client) == []
    left = ec2_client.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert snapshots and not snapshots & {snapshot["SnapshotId"] for snapshot in left}

    # Nothing left to remove: a rerun changes nothing.
    rc, output, recap = playbook("playbooks/image.yml", *SSH_INPUT, "-e", "state=absent", "-e", f"cluster_local_dir={tmp_path}")
    assert rc == 0, output[-3000:]
    assert recap["localhost"]["changed"] == 0


def task_results(output, task):
    """The result word (ok, changed, skipping, ...) of each host of every run of the task named `task`."""
    words, current = [], None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            current = line[len("TASK ["):].split("]")[0]
        elif current and current.endswith(task) and line.split(":")[0] in ("ok", "changed", "skipping", "failed", "fatal"):
            words.append(line.split(":")[0])
    return words


def test_a_cluster_of_baked_nodes_installs_nothing_and_its_image_goes_after_the_cluster(nodes_emulator, nodes_playbook, tmp_path):
    ec2 = nodes_emulator.client("ec2")
    cluster = "baked"
    path = tmp_path / "baked.yml"
    # Subnets of our own (10.172.x), so that this test's Docker networks never meet another's.
    path.write_text(json.dumps({"cluster_name": cluster, "vpc_cidr": "10.172.0.0/16", "subnet_cidr": "10.172.1.0/24",
                                "ssh_allowed_cidrs": SSH_ALLOWED_CIDRS, "cluster_local_dir": str(tmp_path / "local"),
                                "node_count": 3, "ami_id": "baked"}))
    args = ("-e", f"@{path}")

    succeeds(nodes_playbook("playbooks/image.yml", *args))
    [image] = baked_images(ec2)
    assert tags_of(image)["ec2mpi:image"] == RECIPE
    snapshots = ec2.describe_snapshots(SnapshotIds=sorted(snapshots_of(ec2, [image])))["Snapshots"]
    assert snapshots and all(tags_of(snapshot)["ec2mpi:image"] == RECIPE for snapshot in snapshots)
    # The temporary node and everything of its cluster are gone.
    assert not any(footprint(ec2, nodes_emulator.client("iam"), f"image-{RECIPE}", instance_states=LIVE_STATES).values())
    # An image of the recipe exists: nothing to bake.
    recap = succeeds(nodes_playbook("playbooks/image.yml", *args))[1]
    assert recap["localhost"]["changed"] == 0

    succeeds(nodes_playbook("provision.yml", *args))
    assert {node["ImageId"] for node in instances(ec2, cluster)} == {image["ImageId"]}
    output = succeeds(nodes_playbook("mpi-cluster.yml", *args))[0]
    # OpenMPI on 3 nodes, sshfs on the 2 workers: found installed, so no list refresh and no wait for the first boot's lock.
    reads = task_results(output, "Look for the packages not installed yet")
    assert reads == ["ok"] * 5, reads
    installs = task_results(output, "Install the packages, waiting for boot-time package jobs to finish")
    assert installs == ["skipping"] * 5, installs
    assert SMOKE_TEST_PASSED in output

    rc, output = nodes_playbook("playbooks/image.yml", *args, "-e", "state=absent", env=JSON_RESULTS)[:2]
    assert rc != 0
    assert failure_result(output)["msg"].startswith(f"image {image['ImageId']} is still used by cluster {cluster} (")

    succeeds(nodes_playbook("playbooks/teardown.yml", *args))
    succeeds(nodes_playbook("playbooks/image.yml", *args, "-e", "state=absent"))
    assert baked_images(ec2) == []
    assert not {snapshot["SnapshotId"] for snapshot in snapshots} & {
        snapshot["SnapshotId"] for snapshot in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
