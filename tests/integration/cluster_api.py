# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the integration tests give provision.yml, and ask the emulator's API about a cluster, with boto3."""

import ipaddress
import json

# ssh_allowed_cidrs has no default: the tests name an address as users must (TEST-NET-1, RFC 5737).
SSH_ALLOWED_CIDRS = ["192.0.2.10/32"]
# The region the emulator sessions run in (localcloud.session.REGION); the IAM names carry it.
REGION = "us-west-2"
SSH_INPUT = ["-e", json.dumps({"ssh_allowed_cidrs": SSH_ALLOWED_CIDRS})]
# Where the emulator's public IPs come from (RFC 2544), as AWS maps public IPs in the cluster's subnet.
PUBLIC_RANGE = ipaddress.ip_network("198.18.0.0/15")


def tag_filter(name):
    return [{"Name": "tag:ec2mpi:cluster", "Values": [name]}]


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def instances(ec2, name, states=("pending", "running")):
    filters = tag_filter(name) + [{"Name": "instance-state-name", "Values": list(states)}]
    pages = ec2.get_paginator("describe_instances").paginate(Filters=filters)
    return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]


def security_group(ec2, name):
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"ec2mpi-{name}"]}])["SecurityGroups"]
    assert len(groups) == 1, f"expected one security group ec2mpi-{name}, found {[g['GroupId'] for g in groups]}"
    return groups[0]


def ssh_cidrs(group):
    """Every CIDR (IPv4 and IPv6) the group lets in on port 22."""
    return sorted(
        r.get("CidrIp") or r.get("CidrIpv6")
        for p in group["IpPermissions"]
        if p["IpProtocol"] == "-1" or p.get("FromPort", 0) <= 22 <= p.get("ToPort", 65535)
        for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
    )


ANY_STATE = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
LIVE_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")


def footprint(ec2, iam, name, instance_states=ANY_STATE):
    """Everything in the API that provision.yml would have created for cluster `name`, by tag and by name.

    By default instances in any state count: one launched and terminated again was still created.
    A teardown check passes LIVE_STATES: terminated instances are gone, whatever the API still lists."""
    tag = tag_filter(name)
    named = f"ec2mpi-{name}"
    found = {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs(Filters=tag)["Vpcs"]]
        + [v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [named]}])["Vpcs"]],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets(Filters=tag)["Subnets"]],
        "internet gateways": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways(Filters=tag)["InternetGateways"]],
        "route tables": [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=tag)["RouteTables"]],
        "security groups": [g["GroupId"] for g in ec2.describe_security_groups(Filters=tag)["SecurityGroups"]]
        + [g["GroupId"] for g in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [named]}])["SecurityGroups"]],
        "key pairs": [k["KeyName"] for k in ec2.describe_key_pairs(Filters=tag)["KeyPairs"]]
        + [k["KeyName"] for k in ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": [named]}])["KeyPairs"]],
        "instances": [i["InstanceId"] for i in instances(ec2, name, states=instance_states)],
        "iam groups": [g["GroupName"] for page in iam.get_paginator("list_groups").paginate()
                       for g in page["Groups"] if g["GroupName"] in (f"{named}-operators", f"{named}-{REGION}-operators")],
        "iam policies": [p["PolicyName"] for page in iam.get_paginator("list_policies").paginate(Scope="Local")
                         for p in page["Policies"] if p["PolicyName"] in (f"{named}-operator", f"{named}-{REGION}-operator")],
    }
    return {kind: sorted(set(ids)) for kind, ids in found.items()}
