#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_cluster_lease
version_added: 0.2.0
short_description: Hold an ec2mpi cluster for one run, so that two runs never change it at once
description:
  - The lease is a key pair named C(ec2mpi-lease.<cluster_name>) in the region, tagged with its holder. EC2 makes key pair
    names unique in a region, so of two runs that create it at once, one gets it and the other is told who holds it.
    That holds across controllers, on AWS as on any EC2 API, where ClientToken guards only one run's own retries.
  - V(present) takes the lease, or keeps it when O(holder) already holds it. A lease whose holder ran on this controller
    and is gone (killed), or whose O(expires_after) passed, is taken over with a warning. Any other holder fails the
    run in one line naming it.
  - V(absent) gives the lease back when O(holder) holds it (or its holder is gone); another holder's lease is left alone.
  - The key pair carries no C(ec2mpi:cluster) tag and is never used to log in; its private key is discarded.
  - Check mode reports whether the lease could be taken or given back and changes nothing.
author:
  - ec2mpi developers (@ec2mpi)
options:
  cluster_name:
    description: The cluster.
    type: str
    required: true
  holder:
    description:
      - Who takes the lease, as V(<controller host name> pid <process id>), so that a lease of a killed run on this
        controller is known as free.
      - Defaults to this ansible-playbook run (the module's action plugin sets it).
    type: str
  state:
    description: Take (V(present)) or give back (V(absent)) the lease.
    type: str
    choices: [present, absent]
    default: present
  expires_after:
    description: Seconds after which a lease whose holder cannot be checked (another controller) counts as abandoned.
    type: int
    default: 7200
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Hold the cluster for this run
  ec2mpi.cluster.ec2_cluster_lease:
    cluster_name: mpi-lab

- name: Give it back
  ec2mpi.cluster.ec2_cluster_lease:
    cluster_name: mpi-lab
    state: absent
"""

RETURN = r"""
lease:
  description: The key pair that is the lease.
  returned: success
  type: str
  sample: ec2mpi-lease.mpi-lab
taken_over:
  description: The holder of an abandoned lease this run took over, or empty.
  returned: success
  type: str
  sample: ""
"""

import os
import socket
import time
from typing import Any
from typing import Dict
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr

HOLDER_TAG = "ec2mpi:lease-holder"
SINCE_TAG = "ec2mpi:lease-since"


class LeaseHeld(Exception):
    """Another live run holds the lease."""


def lease_name(cluster_name: str) -> str:
    # A dot cannot appear in a cluster name, so no cluster's own key pair (ec2mpi-<name>) is ever called this.
    return f"ec2mpi-lease.{cluster_name}"


@ec2.EC2InstanceErrorHandler.common_error_handler("create the lease key pair")
@AWSRetry.jittered_backoff()
def create_lease(client, name: str, holder: str) -> None:
    tags = {HOLDER_TAG: holder, SINCE_TAG: str(int(time.time()))}
    response = client.create_key_pair(KeyName=name, TagSpecifications=[{"ResourceType": "key-pair", "Tags": ansible_dict_to_boto3_tag_list(tags)}])
    response.pop("KeyMaterial", None)


@ec2.EC2InstanceErrorHandler.deletion_error_handler("delete the lease key pair")
@AWSRetry.jittered_backoff()
def delete_lease(client, name: str) -> None:
    client.delete_key_pair(KeyName=name)


def current_lease(client, name: str) -> Optional[Dict[str, str]]:
    """The lease's tags, or None when nobody holds it."""
    found = cr.find_key_pairs(client, [{"Name": "key-name", "Values": [name]}])
    return cr.tags_of(found[0]) if found else None


def abandoned(lease: Dict[str, str], expires_after: int) -> bool:
    """Whether the holder is gone: a process of this controller that no longer runs, or a lease past its time."""
    host, separator, pid = lease.get(HOLDER_TAG, "").rpartition(" pid ")
    if separator and host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return time.time() - int(lease.get(SINCE_TAG, "0") or 0) > expires_after


def take(module: AnsibleAWSModule, client) -> Dict[str, Any]:
    params = module.params
    name = lease_name(params["cluster_name"])
    lease = current_lease(client, name)
    taken_over = ""
    if lease is not None:
        holder = lease.get(HOLDER_TAG, "")
        if holder == params["holder"]:
            return dict(changed=False, lease=name, taken_over="")
        if not abandoned(lease, params["expires_after"]):
            raise LeaseHeld(holder)
        taken_over = holder
        module.warn(f"took over the lease of cluster {params['cluster_name']} from {holder}, which is gone")
    if module.check_mode:
        return dict(changed=True, lease=name, taken_over=taken_over)
    if lease is not None:
        delete_lease(client, name)
    try:
        create_lease(client, name, params["holder"])
    except AnsibleAWSError as error:
        response = getattr(error.exception, "response", None) or {}
        if response.get("Error", {}).get("Code") == "InvalidKeyPair.Duplicate":
            # Another run created it between our read and our create.
            raise LeaseHeld((current_lease(client, name) or {}).get(HOLDER_TAG, "another run")) from error
        raise
    return dict(changed=True, lease=name, taken_over=taken_over)


def give_back(module: AnsibleAWSModule, client) -> Dict[str, Any]:
    params = module.params
    name = lease_name(params["cluster_name"])
    lease = current_lease(client, name)
    if lease is None or (lease.get(HOLDER_TAG) != params["holder"] and not abandoned(lease, params["expires_after"])):
        return dict(changed=False, lease=name, taken_over="")
    if not module.check_mode:
        delete_lease(client, name)
    return dict(changed=True, lease=name, taken_over="")


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        holder=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        expires_after=dict(type="int", default=7200),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = cr.invalid_cluster_name_message(module.params["cluster_name"])
    if problem:
        module.fail_json(msg=problem)
    if not module.params["holder"]:
        module.fail_json(msg="holder is empty; set it to '<host name> pid <process id>' of the run, as the module's action plugin does")

    client = module.client("ec2")
    try:
        result = take(module, client) if module.params["state"] == "present" else give_back(module, client)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    except LeaseHeld as held:
        name = lease_name(module.params["cluster_name"])
        module.fail_json(msg=f"cluster {module.params['cluster_name']} is being changed by another run ({held}): wait until it ends; "
                             f"if that run is dead on another machine, delete key pair {name} in {module.region}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
