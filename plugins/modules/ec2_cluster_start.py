#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_cluster_start
version_added: 0.2.0
short_description: Start every instance of an ec2mpi cluster, retrying while AWS has no capacity for them
description:
  - Finds the cluster's instances by the tag C(ec2mpi:cluster=<cluster_name>), waits for stopping ones to stop, starts
    the stopped ones (one C(StartInstances) per instance type) and waits until all of them run.
  - A type AWS has no capacity for (C(InsufficientInstanceCapacity), common for GPU types) is tried again every 15
    seconds until O(capacity_retry_timeout); then the module fails in one line naming the instances.
  - An instance that AWS terminates on the way fails the run at once, naming it and its C(StateReason).
  - Fails when the cluster has no instance. Check mode reports what would be started.
author:
  - ec2mpi developers (@ec2mpi)
options:
  cluster_name:
    description: The cluster (the value of the C(ec2mpi:cluster) tag).
    type: str
    required: true
  capacity_retry_timeout:
    description: Seconds to keep retrying instances AWS has no capacity to start.
    type: int
    default: 300
  wait_timeout:
    description: Seconds to wait for stopping instances to stop, and for started instances to run.
    type: int
    default: 600
extends_documentation_fragment:
  - ec2mpi.cluster.progress
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start the cluster mpi-lab
  ec2mpi.cluster.ec2_cluster_start:
    region: us-west-2
    cluster_name: mpi-lab
  register: started
"""

RETURN = r"""
instances:
  description:
    - The cluster's instances, head first, shaped as M(ec2mpi.cluster.ec2_cluster_info) returns an instance.
    - Running after a real run; as they are now in check mode.
  returned: success
  type: list
  elements: dict
started_ids:
  description: The instances this run started.
  returned: when not in check mode
  type: list
  elements: str
  sample: [i-0123456789abcdef1]
would_start:
  description: The instances a run would start.
  returned: in check mode
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.plugins.module_utils import launches
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import PROGRESS_ARGUMENT_SPEC
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import Progress


def start(module: AnsibleAWSModule, client):
    params = module.params
    progress = Progress(params["progress_file"])
    instances = cr.find_instances(client, cr.tag_filters(params["cluster_name"]), cr.LIVE_INSTANCE_STATES)
    if not instances:
        module.fail_json(msg=f"cluster {params['cluster_name']} has no instances in {module.region}; create them with provision.yml")
    to_start = [i for i in instances if i["State"]["Name"] in ("stopping", "stopped")]
    ids = [i["InstanceId"] for i in instances]
    if module.check_mode:
        return dict(changed=bool(to_start), would_start=[i["InstanceId"] for i in to_start],
                    instances=[cr.instance_summary(i) for i in cr.head_first(instances)])
    stopping = [i["InstanceId"] for i in to_start if i["State"]["Name"] == "stopping"]
    if stopping:
        cr.wait_stopped(client, stopping, params["wait_timeout"])
    if to_start:
        launches.start_with_capacity_retries(client, to_start, params["capacity_retry_timeout"], progress)
    if to_start or any(i["State"]["Name"] == "pending" for i in instances):
        instances = launches.wait_running(client, ids, params["wait_timeout"], progress)
    return dict(changed=bool(to_start), started_ids=[i["InstanceId"] for i in to_start],
                instances=[cr.instance_summary(i) for i in cr.head_first(instances)])


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        capacity_retry_timeout=dict(type="int", default=300),
        wait_timeout=dict(type="int", default=600),
        **PROGRESS_ARGUMENT_SPEC,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = cr.invalid_cluster_name_message(module.params["cluster_name"])
    if problem:
        module.fail_json(msg=problem)
    for option in ("capacity_retry_timeout", "wait_timeout"):
        if module.params[option] < 0:
            module.fail_json(msg=f"{option} {module.params[option]} is negative; set it to a number of seconds (e.g. 300)")

    launches.run_module(module, start)


if __name__ == "__main__":
    main()
