#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_cluster_instances
version_added: 0.1.0
short_description: Converge an ec2mpi cluster to exactly O(count) running instances, in a fixed number of API calls
description:
  - Finds the cluster's instances by the tag C(ec2mpi:cluster=<cluster_name>) (pending, running, stopping or stopped;
    a stopped cluster is started, never duplicated) and makes exactly O(count) of them run.
  - One instance is the head, the others are workers. The head stays the head as long as it lives; the first head,
    or the next one when it is gone, is the oldest instance (launch time, then instance id). Growing launches the
    missing instances with one C(RunInstances) call; shrinking terminates the newest workers, never the head.
  - Tags every instance with O(tags), C(ec2mpi:cluster) and C(ec2mpi:role) (V(head) or V(worker)). New instances get
    their tags at launch. Tags are only added or changed, never removed.
  - The number of API calls does not grow with O(count) (one C(DescribeInstances) on a rerun that changes nothing),
    unlike M(amazon.aws.ec2_instance) with C(exact_count), which makes several calls per instance.
  - Existing instances keep their instance type, image, subnet, key and root volume; those options apply to new
    instances only.
  - New instances require IMDSv2 (session tokens) for their instance metadata, and get their tags at launch on
    their root volume and network interface too (without C(ec2mpi:role), which moves), so cost allocation and
    teardown see them.
  - When AWS has no capacity for O(instance_type) (C(InsufficientInstanceCapacity)), launches the first of
    O(capacity_fallbacks) it has capacity for instead, with a warning; with none, fails and launches nothing.
  - Starting stopped instances retries the types AWS has no capacity for until O(capacity_retry_timeout).
  - Waits until launched and started instances run. An instance that AWS terminates on the way (pending ->
    terminated) fails the run at once, naming it and its C(StateReason); the others are kept, so a rerun replaces it.
    Terminated instances are not waited for, since they no longer count once they are shutting down.
  - Check mode reports what would be launched, started and terminated, and changes nothing.
author:
  - ec2mpi developers (@ec2mpi)
options:
  cluster_name:
    description: The cluster (the value of the C(ec2mpi:cluster) tag).
    type: str
    required: true
  count:
    description: How many instances must run. V(0) terminates them all.
    type: int
    required: true
  instance_type:
    description: Instance type of new instances.
    type: str
    required: true
  image_id:
    description: AMI of new instances.
    type: str
    required: true
  subnet_id:
    description: Subnet of new instances. Their public IP, if any, follows the subnet's setting.
    type: str
    required: true
  security_group_ids:
    description: Security groups of new instances.
    type: list
    elements: str
    required: true
  key_name:
    description: Key pair of new instances.
    type: str
    required: true
  placement_group:
    description: Placement group of new instances; empty for none.
    type: str
    default: ""
  root_device_name:
    description: The image's root device (its C(RootDeviceName), e.g. V(/dev/sda1)), which O(root_volume_size) sizes.
    type: str
  root_volume_size:
    description:
      - Size in GiB of the root volume of new instances, gp3, encrypted, deleted with the instance.
      - Not set, new instances get the image's own root volume.
    type: int
  tags:
    description:
      - Tags every instance must carry, besides C(ec2mpi:cluster) and C(ec2mpi:role), which the module sets itself.
    type: dict
    default: {}
  launch_tags:
    description:
      - Tags only new instances get, at launch, and never change afterwards, such as what they were launched with
        (their type's GPU and core counts, which their MPI slots come from).
    type: dict
    default: {}
  capacity_fallbacks:
    description:
      - Instance types launched instead of O(instance_type), in order, when AWS has no capacity for it. They must run
        O(image_id).
    type: list
    elements: dict
    default: []
    suboptions:
      instance_type:
        description: The instance type.
        type: str
        required: true
      launch_tags:
        description: Tags instances of this type get at launch, over O(launch_tags).
        type: dict
        default: {}
  capacity_retry_timeout:
    description: Seconds to keep retrying stopped instances AWS has no capacity to start.
    type: int
    default: 300
  wait_timeout:
    description:
      - Seconds to wait for launched or started instances to run (they have their addresses then), and for
        stopping instances to stop before they are started.
    type: int
    default: 600
extends_documentation_fragment:
  - ec2mpi.cluster.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Run exactly four GPU nodes in the cluster mpi-lab
  ec2mpi.cluster.ec2_cluster_instances:
    region: us-west-2
    cluster_name: mpi-lab
    count: 4
    instance_type: g4dn.xlarge
    image_id: ami-0123456789abcdef0
    subnet_id: subnet-0123456789abcdef0
    security_group_ids: [sg-0123456789abcdef0]
    key_name: ec2mpi-mpi-lab
    root_device_name: /dev/sda1
    root_volume_size: 100
    tags:
      Name: ec2mpi-mpi-lab
  register: cluster

- name: Show the head node
  ansible.builtin.debug:
    msg: "head {{ cluster.instances[0].id }} at {{ cluster.instances[0].private_ip_address }}"
"""

RETURN = r"""
instances:
  description:
    - The cluster's instances after the run, head first, then the workers by launch time and instance id.
    - Each is shaped as M(ec2mpi.cluster.ec2_cluster_info) returns an instance (C(id), C(state), C(role), the IPs,
      C(launch_time), C(tags) as a dict, ...), with the tags this run added.
    - In check mode, the instances as they are now, without those that would be terminated.
  returned: success
  type: list
  elements: dict
  sample:
    - id: i-0123456789abcdef0
      name: ec2mpi-mpi-lab
      state: running
      instance_type: g4dn.xlarge
      private_ip_address: 10.0.1.17
      public_ip_address: 203.0.113.7
      role: head
      launch_time: "2025-01-31T12:00:00+00:00"
      subnet_id: subnet-0123456789abcdef0
      vpc_id: vpc-0123456789abcdef0
      cluster: mpi-lab
      tags: {"ec2mpi:cluster": mpi-lab, "ec2mpi:role": head, Name: ec2mpi-mpi-lab}
launched_ids:
  description: The instances this run launched.
  returned: when not in check mode
  type: list
  elements: str
  sample: [i-0123456789abcdef1]
launched_instance_type:
  description: The type of the instances this run launched (O(instance_type) or a capacity fallback); empty when none.
  returned: when not in check mode
  type: str
  sample: g5.xlarge
started_ids:
  description: The stopped instances this run started.
  returned: when not in check mode
  type: list
  elements: str
terminated_ids:
  description: The instances this run terminated, the newest first.
  returned: when not in check mode
  type: list
  elements: str
would_launch:
  description: How many instances a run would launch.
  returned: in check mode
  type: int
  sample: 2
would_start:
  description: The stopped instances a run would start.
  returned: in check mode
  type: list
  elements: str
would_terminate:
  description: The instances a run would terminate, the newest first.
  returned: in check mode
  type: list
  elements: str
"""

from typing import Any
from typing import Dict
from typing import List
from typing import Tuple

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.plugins.module_utils import launches
from ansible_collections.ec2mpi.cluster.plugins.module_utils.cluster_nodes import ROLE_TAG
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import PROGRESS_ARGUMENT_SPEC
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import Progress

Instance = Dict[str, Any]
# The largest gp3 volume, in GiB.
MAX_VOLUME_GIB = 16384


def find_instances(client, cluster_name: str) -> List[Instance]:
    """The cluster's instances that count (a stopped one is started, never replaced), head first."""
    return cr.head_first(cr.find_instances(client, cr.tag_filters(cluster_name), cr.LIVE_INSTANCE_STATES))


@ec2.EC2InstanceErrorHandler.common_error_handler("tag instances")
# Instances just launched may not be visible to CreateTags for a moment.
@AWSRetry.jittered_backoff(catch_extra_error_codes=["InvalidInstanceID.NotFound"])
def create_tags(client, instance_ids: List[str], tags: Dict[str, str]) -> None:
    client.create_tags(Resources=instance_ids, Tags=ansible_dict_to_boto3_tag_list(tags))


def missing_tags(instance: Instance, wanted: Dict[str, str]) -> Dict[str, str]:
    have = cr.tags_of(instance)
    return {key: value for key, value in wanted.items() if have.get(key) != value}


def tag_batches(instances: List[Instance], tags: Dict[str, str]) -> List[Tuple[Dict[str, str], List[str]]]:
    """(tags, instance ids) pairs that bring every instance's tags and role up to date, one CreateTags each.

    Instances needing the same tags share a call, so a whole grown or re-headed cluster takes one or two calls."""
    batches: Dict[Tuple[Tuple[str, str], ...], List[str]] = {}
    for position, instance in enumerate(instances):
        wanted = dict(tags, **{ROLE_TAG: "head" if position == 0 else "worker"})
        missing = tuple(sorted(missing_tags(instance, wanted).items()))
        if missing:
            batches.setdefault(missing, []).append(instance["InstanceId"])
    return [(dict(missing), ids) for missing, ids in batches.items()]


def launch_request(params: Dict[str, Any], number: int, tags: Dict[str, str]) -> Dict[str, Any]:
    """The RunInstances parameters of `number` new nodes."""
    # New instances are workers until the role pass names a head among them.
    instance_tags = dict(tags, **params["launch_tags"], **{ROLE_TAG: "worker"})
    request = dict(
        ImageId=params["image_id"],
        InstanceType=params["instance_type"],
        MinCount=number,
        MaxCount=number,
        KeyName=params["key_name"],
        SubnetId=params["subnet_id"],
        SecurityGroupIds=params["security_group_ids"],
        TagSpecifications=[{"ResourceType": "instance", "Tags": ansible_dict_to_boto3_tag_list(instance_tags)}]
        + [{"ResourceType": kind, "Tags": ansible_dict_to_boto3_tag_list(tags)} for kind in ("volume", "network-interface")],
        # IMDSv1 answers any process (or SSRF) on the node with the instance's credentials; v2 needs a session token.
        MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
    )
    if params["root_volume_size"]:
        ebs = {"VolumeSize": params["root_volume_size"], "VolumeType": "gp3", "Encrypted": True, "DeleteOnTermination": True}
        request["BlockDeviceMappings"] = [{"DeviceName": params["root_device_name"], "Ebs": ebs}]
    if params["placement_group"]:
        request["Placement"] = {"GroupName": params["placement_group"]}
    return request


def launch(module: AnsibleAWSModule, client, number: int, tags: Dict[str, str]) -> Tuple[str, List[str]]:
    """Launch `number` nodes of the first type AWS has capacity for: (that type, their ids)."""
    params = module.params
    requests = [(params["instance_type"], launch_request(params, number, tags))]
    for fallback in params["capacity_fallbacks"]:
        fallback_params = dict(params, instance_type=fallback["instance_type"],
                               launch_tags=dict(params["launch_tags"], **fallback["launch_tags"]))
        requests.append((fallback["instance_type"], launch_request(fallback_params, number, tags)))
    return launches.launch_first_with_capacity(client, requests, module.warn)


def converge(module: AnsibleAWSModule, client) -> Dict[str, Any]:
    params = module.params
    progress = Progress(params["progress_file"])
    tags = dict(params["tags"], **{cr.CLUSTER_TAG: params["cluster_name"]})
    found = find_instances(client, params["cluster_name"])
    kept, newest_first = found[: params["count"]], found[params["count"] :][::-1]
    stopping = [i["InstanceId"] for i in kept if i["State"]["Name"] == "stopping"]
    to_start = [i["InstanceId"] for i in kept if i["State"]["Name"] in ("stopping", "stopped")]
    number_to_launch = params["count"] - len(kept)
    terminated = [i["InstanceId"] for i in newest_first]
    batches = tag_batches(kept, tags)
    result: Dict[str, Any] = dict(changed=bool(newest_first or to_start or number_to_launch or batches))
    if module._diff:
        result["diff"] = dict(before=dict(count=len(found)), after=dict(count=params["count"]))
    if module.check_mode:
        return dict(result, would_launch=number_to_launch, would_start=to_start, would_terminate=terminated,
                    instances=[cr.instance_summary(i) for i in kept])

    if terminated:
        ec2.terminate_instances(client, terminated)
    if stopping:
        cr.wait_stopped(client, stopping, params["wait_timeout"])
    if to_start:
        launches.start_with_capacity_retries(client, [i for i in kept if i["InstanceId"] in to_start],
                                             params["capacity_retry_timeout"], progress)
    launched_type, launched = launch(module, client, number_to_launch, tags) if number_to_launch else ("", [])
    instances = kept
    if to_start or launched:
        waited_for = [i["InstanceId"] for i in kept] + launched
        instances = cr.head_first(launches.wait_running(client, waited_for, params["wait_timeout"], progress))
        # Which launched instance is the head is known only now that they are described.
        batches = tag_batches(instances, tags)
    added: Dict[str, Dict[str, str]] = {}
    for batch_tags, batch_ids in batches:
        create_tags(client, batch_ids, batch_tags)
        added.update(dict.fromkeys(batch_ids, batch_tags))
    return dict(result, launched_ids=launched, launched_instance_type=launched_type, started_ids=to_start, terminated_ids=terminated,
                instances=[cr.instance_summary(i, added.get(i["InstanceId"])) for i in instances])


def input_problem(params: Dict[str, Any]) -> str:
    """One line naming the bad input and its fix, or an empty string."""
    problem = cr.invalid_cluster_name_message(params["cluster_name"])
    if problem:
        return problem
    if params["count"] < 0:
        return f"count {params['count']} is negative; set it to the number of instances that must run (0 or more)"
    if params["wait_timeout"] < 1:
        return f"wait_timeout {params['wait_timeout']} is not positive; set it to the seconds to wait for the instances to run (e.g. 600)"
    tag_options = [("tags", params["tags"]), ("launch_tags", params["launch_tags"])]
    tag_options += [(f"capacity_fallbacks' launch_tags of {f['instance_type']}", f["launch_tags"]) for f in params["capacity_fallbacks"]]
    for option, option_tags in tag_options:
        if cr.CLUSTER_TAG in option_tags or ROLE_TAG in option_tags:
            return f"{option} must not set {cr.CLUSTER_TAG} or {ROLE_TAG}: the module sets them from cluster_name and the nodes' age"
    if params["capacity_retry_timeout"] < 0:
        return (f"capacity_retry_timeout {params['capacity_retry_timeout']} is negative; set it to the seconds to retry starts "
                "AWS has no capacity for (e.g. 300)")
    if params["root_volume_size"] is not None and not 1 <= params["root_volume_size"] <= MAX_VOLUME_GIB:
        return f"root_volume_size {params['root_volume_size']} is not a size EBS makes; set it to 1 to {MAX_VOLUME_GIB} GiB"
    return ""


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        count=dict(type="int", required=True),
        instance_type=dict(type="str", required=True),
        image_id=dict(type="str", required=True),
        subnet_id=dict(type="str", required=True),
        security_group_ids=dict(type="list", elements="str", required=True),
        key_name=dict(type="str", required=True),
        placement_group=dict(type="str", default=""),
        root_device_name=dict(type="str"),
        root_volume_size=dict(type="int"),
        tags=dict(type="dict", default={}),
        launch_tags=dict(type="dict", default={}),
        capacity_fallbacks=dict(type="list", elements="dict", default=[], options=dict(
            instance_type=dict(type="str", required=True),
            launch_tags=dict(type="dict", default={}),
        )),
        capacity_retry_timeout=dict(type="int", default=300),
        wait_timeout=dict(type="int", default=600),
        **PROGRESS_ARGUMENT_SPEC,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_together=[("root_device_name", "root_volume_size")])
    problem = input_problem(module.params)
    if problem:
        module.fail_json(msg=problem)

    launches.run_module(module, converge)


if __name__ == "__main__":
    main()
