"""What EC2 says should exist: one record per instance, read through the public EC2 API only."""

import ipaddress
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from .config import ACCESS_KEY, SECRET_KEY, Settings
from .counter import RECONCILER_USER_AGENT

RUNNING_STATES = ("pending", "running")
STOPPED_STATES = ("stopping", "stopped")


class UnplaceableInstance(Exception):
    """EC2 reports an instance the emulator cannot give a body without inventing something."""


@dataclass(frozen=True)
class Instance:
    """The facts about one EC2 instance that its container has to reflect."""

    instance_id: str
    region: str
    state: str
    private_ip: str
    hostname: str
    subnet_id: str
    vpc_id: str
    cidr: str
    login_user: str
    key_name: str
    public_key: str
    public_ip: str = ""
    instance_type: str = ""
    image_id: str = ""

    @property
    def should_run(self) -> bool:
        """pending/running instances have a running container."""
        return self.state in RUNNING_STATES


def is_alive(raw: dict[str, Any]) -> bool:
    """Stopped instances keep a (stopped) container; shutting-down and terminated ones have none."""
    return raw["State"]["Name"] in RUNNING_STATES + STOPPED_STATES


def ec2_client(settings: Settings, region: str) -> Any:
    """A client of this emulator's endpoint that fails fast, so one pass never hangs on a dead moto."""
    config = Config(region_name=region, user_agent_extra=RECONCILER_USER_AGENT, connect_timeout=2, read_timeout=20,
                    retries={"mode": "standard", "max_attempts": 1})
    return boto3.client("ec2", endpoint_url=settings.endpoint_url, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, config=config)


def describe_region(client: Any) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, dict[str, Any]]]:
    """Raw instances, public keys by key name, and subnets by id, read in one go per pass."""
    instances = [instance
                 for page in client.get_paginator("describe_instances").paginate()
                 for reservation in page["Reservations"]
                 for instance in reservation["Instances"]]
    keys = {k["KeyName"]: k.get("PublicKey", "") for k in client.describe_key_pairs(IncludePublicKey=True)["KeyPairs"]}
    subnets = {s["SubnetId"]: s for page in client.get_paginator("describe_subnets").paginate() for s in page["Subnets"]}
    return instances, keys, subnets


def to_instance(raw: dict[str, Any], region: str, keys: dict[str, str], subnets: dict[str, dict[str, Any]], settings: Settings) -> Instance:
    """Turn DescribeInstances output into an Instance, refusing what cannot be placed faithfully."""
    instance_id = raw["InstanceId"]
    ip = raw.get("PrivateIpAddress", "")
    subnet = subnets.get(raw.get("SubnetId", ""))
    if not ip or subnet is None:
        raise UnplaceableInstance(f"instance {instance_id} has no private IP or subnet in DescribeInstances: launch it with SubnetId")
    if ipaddress.ip_address(ip) not in ipaddress.ip_network(subnet["CidrBlock"]):
        # moto gives instances launched without SubnetId a random 10.x address outside their default subnet.
        raise UnplaceableInstance(f"instance {instance_id} has private IP {ip} outside its subnet {subnet['SubnetId']} "
                                  f"({subnet['CidrBlock']}): launch it with an explicit SubnetId")
    key_name = raw.get("KeyName", "")
    return Instance(
        instance_id=instance_id,
        region=region,
        state=raw["State"]["Name"],
        private_ip=ip,
        hostname=short_hostname(raw.get("PrivateDnsName", ""), ip),
        subnet_id=subnet["SubnetId"],
        vpc_id=subnet.get("VpcId", ""),
        cidr=subnet["CidrBlock"],
        login_user=settings.default_user,
        key_name=key_name,
        public_key=keys.get(key_name, "").strip(),
        public_ip=raw.get("PublicIpAddress", ""),
        instance_type=raw.get("InstanceType", ""),
        image_id=raw.get("ImageId", ""),
    )


def short_hostname(private_dns_name: str, ip: str) -> str:
    """The first label of the private DNS name (ip-10-0-1-4), as an EC2 instance's hostname is."""
    label = private_dns_name.split(".", 1)[0]
    return label or "ip-" + ip.replace(".", "-")
