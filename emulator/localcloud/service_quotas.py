"""EC2's Running On-Demand vCPU quotas in Service Quotas, which moto lacks (it serves VPC quotas only), enforced.

GetServiceQuota with ServiceCode ec2 answers these quotas as AWS names them, with the value the emulator
was started with: LOCALCLOUD_VCPU_QUOTAS (--vcpu-quotas), e.g. `L-DB2E81BA=0` for a new account's G and
VT quota of 0, else DEFAULT_VCPUS. Other services and codes are answered by moto as before.

RunInstances and StartInstances that would take the running and pending On-Demand vCPUs of a quota's
instance families in the region beyond that quota answer VcpuLimitExceeded, as AWS does. Types moto does not
describe (p2, for one) have no vCPU count here and are not counted.

The unit tests install the same code into in-process moto (tests/unit/conftest.py). moto is imported only
by install(): the settings read EC2_VCPU_QUOTAS at every command, and moto takes seconds to import.
"""

import functools
from typing import Any

SERVICE_NAME = "Amazon Elastic Compute Cloud (Amazon EC2)"
# What an account that has used EC2 for a while tends to have; enough for every test and benchmark.
DEFAULT_VCPUS = 1024
# Code -> name, from the Service Quotas console (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).
EC2_VCPU_QUOTAS = {
    "L-1216C47A": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
    "L-DB2E81BA": "Running On-Demand G and VT instances",
    "L-417A185B": "Running On-Demand P instances",
    "L-74FC7D96": "Running On-Demand F instances",
    "L-1945791B": "Running On-Demand Inf instances",
    "L-2C3B7624": "Running On-Demand Trn instances",
    "L-6E869C2A": "Running On-Demand DL instances",
    "L-F7808C92": "Running On-Demand HPC instances",
    "L-7295265B": "Running On-Demand X instances",
    "L-43DA4232": "Running On-Demand High Memory instances",
}

# Instance family prefix -> quota code, longest prefixes first where one starts another (inf before i, dl before d,
# hpc before h, trn before t); every other family starting with a letter of STANDARD_LETTERS counts against the
# Standard quota. The product has its own copy (plugins/module_utils/vcpu_quotas.py): the emulator plays AWS.
FAMILY_QUOTA_CODES = (
    ("inf", "L-1945791B"),
    ("trn", "L-2C3B7624"),
    ("dl", "L-6E869C2A"),
    ("hpc", "L-F7808C92"),
    ("vt", "L-DB2E81BA"),
    ("g", "L-DB2E81BA"),
    ("p", "L-417A185B"),
    ("f", "L-74FC7D96"),
    ("x", "L-7295265B"),
    ("u-", "L-43DA4232"),
)
STANDARD_QUOTA_CODE = "L-1216C47A"
STANDARD_LETTERS = "acdhimrtz"
VCPU_LIMIT_MESSAGE = ("You have requested more vCPU capacity than your current vCPU limit of {limit} allows for the instance "
                      "bucket that the specified instance type belongs to. Please visit "
                      "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.")

# The values this process serves, set by install().
_values: dict[str, float] = {}


def quota(account_id: str, region: str, code: str) -> dict[str, Any]:
    """One quota shaped as GetServiceQuota answers it."""
    return {
        "ServiceCode": "ec2",
        "ServiceName": SERVICE_NAME,
        "QuotaArn": f"arn:aws:servicequotas:{region}:{account_id}:ec2/{code}",
        "QuotaCode": code,
        "QuotaName": EC2_VCPU_QUOTAS[code],
        "Value": _values.get(code, float(DEFAULT_VCPUS)),
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def quota_code(instance_type: str) -> str | None:
    """The code of the On-Demand vCPU quota the type counts against, or None for a family no quota covers."""
    family = instance_type.partition(".")[0]
    for prefix, code in FAMILY_QUOTA_CODES:
        if family.startswith(prefix):
            return code
    return STANDARD_QUOTA_CODE if family[:1] and family[:1] in STANDARD_LETTERS else None


def vcpus_of(instance_type: str) -> int:
    """The type's default vCPUs as moto describes them; 0 for a type moto does not know."""
    from moto.ec2.models.instance_types import INSTANCE_TYPES  # pylint: disable=import-outside-toplevel

    return INSTANCE_TYPES.get(instance_type, {}).get("VCpuInfo", {}).get("DefaultVCpus", 0)


def refuse_beyond_quota(backend: Any, wanted: dict[str, int]) -> None:
    """VcpuLimitExceeded if adding `wanted` ({instance type: vCPUs}) to the region's running and pending instances
    takes a quota beyond its value."""
    from moto.ec2.exceptions import EC2ClientError  # pylint: disable=import-outside-toplevel

    needed: dict[str, int] = {}
    for instance_type, vcpus in wanted.items():
        code = quota_code(instance_type)
        if code and vcpus:
            needed[code] = needed.get(code, 0) + vcpus
    for instance in backend.all_instances():
        code = quota_code(instance.instance_type)
        if code in needed and instance.state in ("pending", "running"):
            needed[code] += vcpus_of(instance.instance_type)
    for code, vcpus in needed.items():
        limit = _values.get(code, float(DEFAULT_VCPUS))
        if vcpus > limit:
            raise EC2ClientError("VcpuLimitExceeded", VCPU_LIMIT_MESSAGE.format(limit=int(limit)))


def enforce_on_run(run_instances: Any) -> Any:
    """RunInstances launches MinCount instances (as moto does) only within the quota."""

    @functools.wraps(run_instances)
    def run_instances_within_quota(self: Any) -> Any:
        instance_type = self._get_param("InstanceType", "m1.small")
        count = int(self._get_param("MinCount", if_none="1"))
        refuse_beyond_quota(self.ec2_backend, {instance_type: count * vcpus_of(instance_type)})
        return run_instances(self)

    run_instances_within_quota.localcloud_quota = True
    return run_instances_within_quota


def enforce_on_start(start_instances: Any) -> Any:
    """StartInstances starts the named stopped instances only within the quota."""

    @functools.wraps(start_instances)
    def start_instances_within_quota(self: Any) -> Any:
        wanted: dict[str, int] = {}
        for instance_id in self._get_param("InstanceIds", []):
            instance = self.ec2_backend.get_instance(instance_id)
            if instance.state not in ("pending", "running"):
                wanted[instance.instance_type] = wanted.get(instance.instance_type, 0) + vcpus_of(instance.instance_type)
        refuse_beyond_quota(self.ec2_backend, wanted)
        return start_instances(self)

    start_instances_within_quota.localcloud_quota = True
    return start_instances_within_quota


def answer_ec2_quotas(get_service_quota: Any) -> Any:
    """Answer EC2's vCPU quotas; leave every other quota to moto."""
    from moto.servicequotas.exceptions import NoSuchResource  # pylint: disable=import-outside-toplevel

    def get_service_quota_with_ec2(self: Any, service_code: str, quota_code: str) -> dict[str, Any]:
        if service_code == "ec2":
            if quota_code not in EC2_VCPU_QUOTAS:
                raise NoSuchResource
            return quota(self.account_id, self.region_name, quota_code)
        return get_service_quota(self, service_code, quota_code)

    get_service_quota_with_ec2.localcloud_wrapped = True
    return get_service_quota_with_ec2


def install(values: dict[str, float]) -> None:
    """Serve and enforce EC2's vCPU quotas with these values (code -> vCPUs; DEFAULT_VCPUS for the others)."""
    from moto.ec2.responses.instances import InstanceResponse  # pylint: disable=import-outside-toplevel
    from moto.servicequotas.models import ServiceQuotasBackend  # pylint: disable=import-outside-toplevel

    _values.clear()
    _values.update({code: float(vcpus) for code, vcpus in values.items()})
    if not getattr(ServiceQuotasBackend.get_service_quota, "localcloud_wrapped", False):
        ServiceQuotasBackend.get_service_quota = answer_ec2_quotas(ServiceQuotasBackend.get_service_quota)
    if not getattr(InstanceResponse.run_instances, "localcloud_quota", False):
        InstanceResponse.run_instances = enforce_on_run(InstanceResponse.run_instances)
    if not getattr(InstanceResponse.start_instances, "localcloud_quota", False):
        InstanceResponse.start_instances = enforce_on_start(InstanceResponse.start_instances)
