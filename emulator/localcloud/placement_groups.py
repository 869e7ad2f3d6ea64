"""EC2 placement groups, which moto lacks: CreatePlacementGroup, DescribePlacementGroups, DeletePlacementGroup.

They are added to moto's own EC2 responder, so they are answered like every other EC2 action (same
request parsing, same error document, responses serialized from botocore's model) and live in moto's
per-account, per-region backend, which /moto-api/reset wipes. RunInstances with Placement.GroupName
is refused as AWS refuses it when the group does not exist. What AWS does and this does too:

- names are unique per region; a second CreatePlacementGroup of a name answers InvalidPlacementGroup.Duplicate;
- strategies cluster, spread, partition (PartitionCount only with partition, 1 to 7);
- a new group is `available` at once; DeletePlacementGroup removes it; unknown names answer
  InvalidPlacementGroup.Unknown;
- filters group-name, group-id, state, strategy, tag:<key>, tag-key; GroupNames and GroupIds.

The unit tests install the same code into in-process moto (tests/unit/conftest.py), so modules are
tested against the placement groups the emulator serves.
"""

import re
import uuid
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses import EC2Response
from moto.ec2.responses.instances import InstanceResponse
from moto.ec2.utils import simple_aws_filter_to_re

STRATEGIES = ("cluster", "spread", "partition")
MAX_PARTITIONS = 7


def groups_of(backend: Any) -> dict[str, dict[str, Any]]:
    """The region's placement groups by name, kept on moto's backend so that a reset wipes them too."""
    if not hasattr(backend, "localcloud_placement_groups"):
        backend.localcloud_placement_groups = {}
    return backend.localcloud_placement_groups


def unknown(name: str) -> EC2ClientError:
    return EC2ClientError("InvalidPlacementGroup.Unknown", f"The Placement Group '{name}' is unknown.")


def matches(group: dict[str, Any], name: str, values: list[str]) -> bool:
    """Whether the group passes one DescribePlacementGroups filter (EC2's * and ? wildcards included)."""
    tags = {tag["Key"]: tag["Value"] for tag in group["Tags"]}
    if name == "tag-key":
        candidates = list(tags)
    elif name.startswith("tag:"):
        candidates = [tags[name[4:]]] if name[4:] in tags else []
    else:
        fields = {"group-name": "GroupName", "group-id": "GroupId", "state": "State", "strategy": "Strategy"}
        if name not in fields:
            raise EC2ClientError("InvalidParameterValue", f"The filter '{name}' is invalid")
        candidates = [group[fields[name]]]
    patterns = [simple_aws_filter_to_re(value) for value in values]
    return any(re.fullmatch(pattern, candidate) for pattern in patterns for candidate in candidates)


class PlacementGroups:
    """The three actions, as methods moto's EC2Response dispatches to by their snake_case names."""

    def create_placement_group(self: Any) -> ActionResult:
        name = self._get_param("GroupName")
        strategy = self._get_param("Strategy")
        partitions = self._get_int_param("PartitionCount")
        if strategy not in STRATEGIES:
            raise EC2ClientError("InvalidParameterValue", f"Value ({strategy}) for parameter strategy is invalid. "
                                 f"Valid values are {', '.join(STRATEGIES)}.")
        if partitions is not None and (strategy != "partition" or not 1 <= partitions <= MAX_PARTITIONS):
            raise EC2ClientError("InvalidParameterValue", "PartitionCount is only valid with the partition strategy, from 1 to 7.")
        tags = self._parse_tag_specification("placement-group").get("placement-group", {})
        self.error_on_dryrun()
        groups = groups_of(self.ec2_backend)
        if name in groups:
            raise EC2ClientError("InvalidPlacementGroup.Duplicate", f"The Placement Group '{name}' already exists.")
        group_id = f"pg-{uuid.uuid4().hex[:17]}"
        group = {
            "GroupName": name,
            "State": "available",
            "Strategy": strategy,
            "GroupId": group_id,
            "GroupArn": f"arn:{self.partition}:ec2:{self.region}:{self.current_account}:placement-group/{name}",
            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()],
        }
        if strategy == "partition":
            group["PartitionCount"] = partitions or 2
        groups[name] = group
        return ActionResult({"PlacementGroup": group})

    def describe_placement_groups(self: Any) -> ActionResult:
        groups = groups_of(self.ec2_backend)
        names = self._get_param("GroupNames", [])
        ids = self._get_param("GroupIds", [])
        for name in names:
            if name not in groups:
                raise unknown(name)
        found = [group for group in groups.values()
                 if (not names or group["GroupName"] in names) and (not ids or group["GroupId"] in ids)]
        for filter_name, values in self._filters_from_querystring().items():
            found = [group for group in found if matches(group, filter_name, values)]
        return ActionResult({"PlacementGroups": found})

    def delete_placement_group(self: Any) -> ActionResult:
        name = self._get_param("GroupName")
        self.error_on_dryrun()
        if groups_of(self.ec2_backend).pop(name, None) is None:
            raise unknown(name)
        return ActionResult({})


def refuse_unknown_group(run_instances: Any) -> Any:
    """RunInstances into a placement group that does not exist fails as on AWS (moto ignores the group)."""

    def run_instances_in_known_group(self: Any) -> Any:
        name = self._get_param("Placement.GroupName")
        if name and name not in groups_of(self.ec2_backend):
            raise unknown(name)
        return run_instances(self)

    run_instances_in_known_group.localcloud_wrapped = True
    return run_instances_in_known_group


def install() -> None:
    """Teach moto's EC2 responder placement groups (idempotent: a second call changes nothing)."""
    for name in ("create_placement_group", "describe_placement_groups", "delete_placement_group"):
        setattr(EC2Response, name, getattr(PlacementGroups, name))
    if not getattr(InstanceResponse.run_instances, "localcloud_wrapped", False):
        InstanceResponse.run_instances = refuse_unknown_group(InstanceResponse.run_instances)
