# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Launching and starting a cluster's instances as AWS really answers, for ec2_cluster_instances and
ec2_cluster_start.

AWS answers what moto never did: no capacity for a type in a zone (InsufficientInstanceCapacity, common
for GPU types and in cluster placement groups), a key pair or placement group made a second ago that
RunInstances cannot see yet, and instances that go pending -> terminated at launch with a StateReason.
"""

import time
import uuid
from typing import Any
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr
from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import Progress

Instance = Dict[str, Any]
CAPACITY_CODE = "InsufficientInstanceCapacity"
# What RunInstances answers for a while after the key pair, placement group, security group or subnet it names
# was made (EC2 is eventually consistent): the same request succeeds a few seconds later.
NOT_YET_VISIBLE_CODES = ["InvalidKeyPair.NotFound", "InvalidPlacementGroup.Unknown", "InvalidGroup.NotFound",
                         "InvalidSubnetID.NotFound"]
# Seconds between tries to start instances the zone has no capacity for.
CAPACITY_RETRY_DELAY = 15
# States an instance that died at launch (or at start) passes through.
DEAD_STATES = ("shutting-down", "terminated")


class LaunchError(Exception):
    """A launch or start that cannot succeed now; the message is one line naming the instances and what to do."""


def run_module(module, change: Callable[[Any, Any], Dict[str, Any]]) -> None:
    """Exit the module with change(module, ec2 client)'s result, or fail with what AWS said in one line."""
    client = module.client("ec2")
    try:
        result = change(module, client)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    except LaunchError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


def error_code(error: AnsibleAWSError) -> str:
    """The AWS error code behind an error of amazon.aws's handlers, or ""."""
    response = getattr(error.exception, "response", None) or {}
    return response.get("Error", {}).get("Code", "")


@ec2.EC2InstanceErrorHandler.common_error_handler("run instances")
# Not InsufficientInstanceCapacity, which amazon.aws's run_instances retries for minutes: the next type is tried
# instead. Resources that do not exist at all answer the same codes, so those retries stop after about 20 s.
@AWSRetry.jittered_backoff(retries=5, delay=2, max_delay=10, catch_extra_error_codes=NOT_YET_VISIBLE_CODES)
@AWSRetry.jittered_backoff()
def run_instances(client, **request: Any) -> Dict[str, Any]:
    return client.run_instances(**request)


@ec2.EC2InstanceErrorHandler.common_error_handler("start instances")
@AWSRetry.jittered_backoff()
def start_instances(client, instance_ids: List[str]) -> Dict[str, Any]:
    return client.start_instances(InstanceIds=instance_ids)


def launch_first_with_capacity(
    client, requests: List[Tuple[str, Dict[str, Any]]], warn: Callable[[str], None]
) -> Tuple[str, List[str]]:
    """Run the first of (instance type, RunInstances request) that has capacity; (its type, the new instance ids).

    Each request gets a ClientToken of its own: retries of one request never launch twice, and another type is
    another request."""
    refused = []
    for instance_type, request in requests:
        try:
            launched = run_instances(client, **dict(request, ClientToken=uuid.uuid4().hex))
        except AnsibleAWSError as error:
            if error_code(error) != CAPACITY_CODE:
                raise
            refused.append(instance_type)
            continue
        if refused:
            warn(f"no capacity for {', '.join(refused)} (InsufficientInstanceCapacity): launched {instance_type} instead, "
                 "the next type in instance_type_fallbacks")
        return instance_type, [instance["InstanceId"] for instance in launched["Instances"]]
    raise LaunchError(
        f"AWS has no capacity for {', '.join(refused)} in this zone now (InsufficientInstanceCapacity); nothing was launched: "
        "run provision.yml again later, or add instance types to instance_type_fallbacks"
    )


def start_with_capacity_retries(client, instances: List[Instance], timeout: int, progress: Progress = Progress(None)) -> None:
    """Start the instances, one StartInstances per type; retry the types AWS has no capacity for until timeout.

    One call per type, so that a type without capacity does not hold back the others."""
    by_type: Dict[str, List[str]] = {}
    for instance in instances:
        by_type.setdefault(instance["InstanceType"], []).append(instance["InstanceId"])
    deadline = time.monotonic() + timeout
    while True:
        for instance_type, instance_ids in list(by_type.items()):
            try:
                start_instances(client, instance_ids)
            except AnsibleAWSError as error:
                if error_code(error) != CAPACITY_CODE:
                    raise
                continue
            del by_type[instance_type]
        if not by_type:
            return
        waiting = sorted(instance_id for ids in by_type.values() for instance_id in ids)
        if time.monotonic() + CAPACITY_RETRY_DELAY > deadline:
            raise LaunchError(
                f"AWS had no capacity to start {', '.join(waiting)} ({', '.join(sorted(by_type))}, InsufficientInstanceCapacity) "
                f"for {timeout} s: run start.yml again later, or run provision.yml with another instance_type"
            )
        progress.say(f"no capacity for {', '.join(sorted(by_type))} yet: {len(waiting)}/{len(instances)} instances not started after "
                     f"{time.monotonic() + timeout - deadline:.0f} s, retrying every {CAPACITY_RETRY_DELAY} s for up to {timeout} s")
        time.sleep(CAPACITY_RETRY_DELAY)


def death_message(instance: Instance) -> str:
    """Why an instance died, from its StateReason, as AWS words it."""
    reason: Optional[Dict[str, str]] = instance.get("StateReason")
    if reason and reason.get("Message"):
        return reason["Message"]
    return instance.get("StateTransitionReason") or "no reason given"


def wait_running(client, instance_ids: List[str], timeout: int, progress: Progress = Progress(None)) -> List[Instance]:
    """Poll all the instances with one DescribeInstances per round until they run; return their descriptions.

    An instance that dies on the way (pending -> terminated) fails the wait at once, with AWS's reason."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        # Freshly launched ids can be unknown for a moment: describe_instances answers [] then.
        instances = cr.instances_of(ec2.describe_instances(client, InstanceIds=instance_ids))
        dead = [i for i in instances if i["State"]["Name"] in DEAD_STATES]
        if dead:
            reasons = "; ".join(f"{i['InstanceId']} ({i['InstanceType']}): {death_message(i)}" for i in dead)
            raise LaunchError(
                f"AWS terminated {reasons}; the other instances are kept: run the playbook again to replace "
                f"{'it' if len(dead) == 1 else 'them'}, or fix the cause first"
            )
        running = {instance["InstanceId"] for instance in instances if instance["State"]["Name"] == "running"}
        waiting = sorted(set(instance_ids) - running)
        if not waiting:
            return instances
        if time.monotonic() > deadline:
            raise LaunchError(
                f"after {timeout} s these instances still do not run: {', '.join(waiting)}; "
                "look at them in the EC2 console, or raise wait_timeout"
            )
        progress.say(f"{len(running)}/{len(instance_ids)} instances running after {time.monotonic() - started:.0f} s "
                     f"(waiting up to {timeout} s)")
        time.sleep(cr.WAIT_DELAY)
