"""EC2's eventual consistency, while an eventual-consistency fault is in force: what clients create stays invisible
to Describe* (and to RunInstances naming it) for the fault's `seconds`, as AWS documents it may.

It works on the wire, in front of moto, for client requests only (faults.FaultInjector calls it): a create's answer
notes the new id (or name) and its time; a describe naming a new id answers that resource's NotFound code; a
list-style describe's answer loses the items of new resources. Resources created while no such fault is in force
are never hidden. Deleted resources are not kept listed (AWS may; this does not).
"""

import re
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any

# Create action -> the tag of the new resource's id (or name) in its answer; RunInstances answers several.
CREATED_TAGS = {
    "RunInstances": "instanceId",
    "CreateVpc": "vpcId",
    "CreateSubnet": "subnetId",
    "CreateSecurityGroup": "groupId",
    "CreateInternetGateway": "internetGatewayId",
    "CreateRouteTable": "routeTableId",
    "CreateKeyPair": "keyName",
    "ImportKeyPair": "keyName",
    "CreatePlacementGroup": "groupName",
}

# Request parameter (its prefix, for lists such as VpcId.1) -> AWS's error code and message for an unknown one.
NOT_FOUND = {
    "InstanceId": ("InvalidInstanceID.NotFound", "The instance ID '{}' does not exist"),
    "VpcId": ("InvalidVpcID.NotFound", "The vpc ID '{}' does not exist"),
    "SubnetId": ("InvalidSubnetID.NotFound", "The subnet ID '{}' does not exist"),
    "GroupId": ("InvalidGroup.NotFound", "The security group '{}' does not exist"),
    "SecurityGroupId": ("InvalidGroup.NotFound", "The security group '{}' does not exist"),
    "InternetGatewayId": ("InvalidInternetGatewayID.NotFound", "The internetGateway ID '{}' does not exist"),
    "RouteTableId": ("InvalidRouteTableID.NotFound", "The routeTable ID '{}' does not exist"),
    "KeyName": ("InvalidKeyPair.NotFound", "The key pair '{}' does not exist"),
    "GroupName": ("InvalidPlacementGroup.Unknown", "The Placement Group '{}' is unknown."),
    "Placement.GroupName": ("InvalidPlacementGroup.Unknown", "The Placement Group '{}' is unknown."),
}

# Action -> the parameters naming resources it must see.
NAMING_PARAMETERS = {
    "DescribeInstances": ("InstanceId",),
    "DescribeVpcs": ("VpcId",),
    "DescribeSubnets": ("SubnetId",),
    "DescribeSecurityGroups": ("GroupId",),
    "DescribeInternetGateways": ("InternetGatewayId",),
    "DescribeRouteTables": ("RouteTableId",),
    "DescribeKeyPairs": ("KeyName",),
    "DescribePlacementGroups": ("GroupName",),
    "RunInstances": ("KeyName", "SubnetId", "SecurityGroupId", "Placement.GroupName"),
}

# List-style describe -> (path of its items, the tag of an item's id or name).
LISTS = {
    "DescribeInstances": ("reservationSet/item/instancesSet", "instanceId"),
    "DescribeVpcs": ("vpcSet", "vpcId"),
    "DescribeSubnets": ("subnetSet", "subnetId"),
    "DescribeSecurityGroups": ("securityGroupInfo", "groupId"),
    "DescribeInternetGateways": ("internetGatewaySet", "internetGatewayId"),
    "DescribeRouteTables": ("routeTableSet", "routeTableId"),
    "DescribeKeyPairs": ("keySet", "keyName"),
    "DescribePlacementGroups": ("placementGroupSet", "groupName"),
}


class Visibility:
    """When each client-created resource was created; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.created: dict[str, float] = {}

    def note_created(self, action: str, body: bytes) -> None:
        tag = CREATED_TAGS.get(action)
        if not tag:
            return
        found = re.findall(rf"<{tag}>([^<]+)</{tag}>".encode(), body)
        names = found if action == "RunInstances" else found[:1]
        now = time.monotonic()
        with self.lock:
            self.created.update({name.decode(): now for name in names})

    def is_new(self, name: str, seconds: float) -> bool:
        """Whether the resource was created less than `seconds` ago (so a client cannot see it yet)."""
        with self.lock:
            created = self.created.get(name)
        return created is not None and time.monotonic() - created < seconds

    def refusal(self, action: str, params: dict[str, list[str]], seconds: float) -> tuple[str, str] | None:
        """(code, message) of the NotFound AWS answers when the request names a resource too new to see."""
        for parameter in NAMING_PARAMETERS.get(action, ()):
            for key, values in sorted(params.items()):
                if key != parameter and not re.fullmatch(rf"{re.escape(parameter)}\.\d+", key):
                    continue
                new = [value for value in values if self.is_new(value, seconds)]
                if new:
                    code, message = NOT_FOUND[parameter]
                    return code, message.format(new[0])
        return None

    def filtered(self, action: str, body: bytes, seconds: float) -> bytes:
        """A list-style describe's answer without the items of resources too new to see."""
        if action not in LISTS:
            return body
        path, tag = LISTS[action]
        namespace = re.match(rb'<\?xml[^>]*>\s*<\w+ xmlns="([^"]+)"', body)
        prefix = f"{{{namespace.group(1).decode()}}}" if namespace else ""
        ET.register_namespace("", prefix.strip("{}"))
        root = ET.fromstring(body)
        removed = False
        for item_set in root.iterfind("/".join(prefix + part for part in path.split("/"))):
            for item in list(item_set):
                if self.is_new(item.findtext(prefix + tag, ""), seconds):
                    item_set.remove(item)
                    removed = True
        if action == "DescribeInstances":
            drop_empty_reservations(root, prefix)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) if removed else body


def drop_empty_reservations(root: Any, prefix: str) -> None:
    """A reservation whose instances are all hidden is hidden too."""
    for reservations in root.iterfind(f"{prefix}reservationSet"):
        for reservation in list(reservations):
            if not list(reservation.iterfind(f"{prefix}instancesSet/{prefix}item")):
                reservations.remove(reservation)


VISIBILITY = Visibility()
