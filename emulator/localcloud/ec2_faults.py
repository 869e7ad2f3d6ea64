"""The faults that need moto's EC2 backend (instances, subnets, zones): insufficient capacity and launch failures.

The store and the HTTP API are in faults.py.
"""

import functools
import threading
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models.instances import InstanceState, StateReason
from moto.ec2.responses.instances import InstanceResponse

from .faults import STORE, ServerSideError, is_reconciler

# A failed launch is pending in RunInstances' answer, then shutting-down, then terminated this much later.
TERMINATE_AFTER_SECONDS = 1.5


def capacity_error(backend: Any, instance_type: str, zone: str) -> ServerSideError:
    """InsufficientInstanceCapacity as AWS words it, naming the region's other zones."""
    others = ", ".join(z.name for z in backend.describe_availability_zones() if z.name != zone)
    message = (f"We currently do not have sufficient {instance_type} capacity in the Availability Zone you requested "
               f"({zone}). Our system will be working on provisioning additional capacity. You can currently get "
               f"{instance_type} capacity by not specifying an Availability Zone in your request or choosing {others}.")
    return ServerSideError("InsufficientInstanceCapacity", message, 500)


def refuse_without_capacity(backend: Any, action: str, instance_type: str, zone: str) -> None:
    """Raise InsufficientInstanceCapacity if a fault covers this type, zone and action."""
    def matches(fault: dict[str, Any]) -> bool:
        return (action in fault["actions"] and fault["instance_type"] == instance_type
                and fault.get("zone", zone) == zone)

    if STORE.take("insufficient-capacity", matches):
        raise capacity_error(backend, instance_type, zone)


def launch_zone(response: Any) -> str:
    """The zone RunInstances launches in: its subnet's, else the one it names, else the region's first (moto's pick)."""
    subnet_id = response._get_param("SubnetId") or response._get_param("NetworkInterfaces.1.SubnetId")
    if subnet_id:
        return response.ec2_backend.get_subnet(subnet_id).availability_zone
    return response._get_param("Placement.AvailabilityZone") or f"{response.region}a"


class FailingLaunch(ActionResult):
    """RunInstances' answer (the failing instances pending in it), after which they fail as AWS shows it."""

    def __init__(self, result: Any, failing: list[tuple[Any, dict[str, Any]]]) -> None:
        super().__init__(result)
        self.failing = failing

    def execute_result(self, context: Any) -> Any:
        answer = super().execute_result(context)
        for instance, fault in self.failing:
            fail(instance, fault)
        return answer


def fail(instance: Any, fault: dict[str, Any]) -> None:
    """shutting-down now, terminated shortly, with the fault's reason in StateReason and StateTransitionReason."""
    instance._state = InstanceState("shutting-down", 32)
    instance._reason = fault["message"]
    instance.state_reason = StateReason(fault["message"], fault["code"])

    def terminate() -> None:
        instance.terminate()
        instance._reason = fault["message"]
        instance.state_reason = StateReason(fault["message"], fault["code"])

    timer = threading.Timer(TERMINATE_AFTER_SECONDS, terminate)
    timer.daemon = True
    timer.start()


def with_faults_on_run(run_instances: Any) -> Any:
    """RunInstances: capacity refused before anything launches; failing launches marked after."""

    @functools.wraps(run_instances)
    def run_instances_with_faults(self: Any) -> Any:
        if is_reconciler(self.headers.get("User-Agent", "")):
            return run_instances(self)
        instance_type = self._get_param("InstanceType", "m1.small")
        refuse_without_capacity(self.ec2_backend, "RunInstances", instance_type, launch_zone(self))
        result = run_instances(self)
        failing = []
        for instance in result.result.instances:
            fault = STORE.take("launch-failure", lambda f, i=instance: f.get("instance_type", i.instance_type) == i.instance_type)
            if fault:
                instance._state = InstanceState("pending", 0)
                failing.append((instance, fault))
        return FailingLaunch(result.result, failing) if failing else result

    run_instances_with_faults.localcloud_faults = True
    return run_instances_with_faults


def with_faults_on_start(start_instances: Any) -> Any:
    """StartInstances: refused when a named instance's type and zone have no capacity."""

    @functools.wraps(start_instances)
    def start_instances_with_faults(self: Any) -> Any:
        if not is_reconciler(self.headers.get("User-Agent", "")):
            for instance_id in self._get_param("InstanceIds", []):
                instance = self.ec2_backend.get_instance(instance_id)
                refuse_without_capacity(self.ec2_backend, "StartInstances", instance.instance_type, instance.placement.zone)
        return start_instances(self)

    start_instances_with_faults.localcloud_faults = True
    return start_instances_with_faults


def install() -> None:
    """Wrap RunInstances and StartInstances (idempotent: functools.wraps carries the markers of every wrapper below)."""
    if not getattr(InstanceResponse.run_instances, "localcloud_faults", False):
        InstanceResponse.run_instances = with_faults_on_run(InstanceResponse.run_instances)
    if not getattr(InstanceResponse.start_instances, "localcloud_faults", False):
        InstanceResponse.start_instances = with_faults_on_start(InstanceResponse.start_instances)
