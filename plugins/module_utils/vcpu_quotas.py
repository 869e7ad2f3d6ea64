# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions behind ec2_vcpu_quota_info: which On-Demand vCPU quota an instance type counts against,
how many vCPUs a cluster needs of it, and the one-line messages. No AWS calls, so unit tests need no AWS.

AWS limits running On-Demand instances by vCPUs per family group, one Service Quotas quota each
(https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html). A new account's
G and P quotas are often 0, and RunInstances then fails with VcpuLimitExceeded.
"""

from typing import Any
from typing import Dict
from typing import Iterable
from typing import Optional

SERVICE_CODE = "ec2"

# Instance family prefix -> quota code, longest prefixes first where one starts another (inf before i,
# dl before d, hpc before h, trn before t). Every other family starting with a letter of STANDARD_LETTERS
# counts against the Standard quota.
FAMILY_QUOTA_CODES = (
    ("inf", "L-1945791B"),  # Running On-Demand Inf instances
    ("trn", "L-2C3B7624"),  # Running On-Demand Trn instances
    ("dl", "L-6E869C2A"),  # Running On-Demand DL instances
    ("hpc", "L-F7808C92"),  # Running On-Demand HPC instances
    ("vt", "L-DB2E81BA"),  # Running On-Demand G and VT instances
    ("g", "L-DB2E81BA"),
    ("p", "L-417A185B"),  # Running On-Demand P instances
    ("f", "L-74FC7D96"),  # Running On-Demand F instances
    ("x", "L-7295265B"),  # Running On-Demand X instances
    ("u-", "L-43DA4232"),  # Running On-Demand High Memory instances
)
STANDARD_QUOTA_CODE = "L-1216C47A"  # Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances
STANDARD_LETTERS = "acdhimrtz"

CONSOLE_URL = "https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas/{code}"


def quota_code(instance_type: str) -> Optional[str]:
    """The code of the On-Demand vCPU quota the type counts against, or None for a family this table does not know."""
    family = instance_type.partition(".")[0]
    for prefix, code in FAMILY_QUOTA_CODES:
        if family.startswith(prefix):
            return code
    return STANDARD_QUOTA_CODE if family[:1] in STANDARD_LETTERS and family[:1] else None


def running_vcpus(instances: Iterable[Dict[str, Any]], vcpus_by_type: Dict[str, int], code: str) -> int:
    """vCPUs of the running and pending instances (DescribeInstances entries) that count against quota `code`."""
    return sum(vcpus_by_type.get(i["InstanceType"], 0) for i in instances if quota_code(i["InstanceType"]) == code)


def needed_vcpus(count: int, vcpus: int, running_elsewhere: int) -> int:
    """What must fit in the quota once the cluster runs: its nodes plus what already runs outside it."""
    return count * vcpus + running_elsewhere


def insufficient_message(
    instance_type: str, count: int, vcpus: int, running_elsewhere: int, quota: Dict[str, Any], region: str
) -> str:
    """The one-line failure when the cluster does not fit in the quota: the quota, the need, the limit and the fix."""
    need = needed_vcpus(count, vcpus, running_elsewhere)
    code = quota["QuotaCode"]
    limit = int(quota["Value"])
    return (
        f"the cluster needs {need} vCPUs of the quota {quota['QuotaName']!r} ({code}) in {region}: "
        f"node_count {count} x {vcpus} vCPUs of {instance_type} + {running_elsewhere} already running there, "
        f"but the quota is {limit}: lower node_count, or request {need} at {CONSOLE_URL.format(code=code)} "
        f"(aws service-quotas request-service-quota-increase --region {region} --service-code {SERVICE_CODE} "
        f"--quota-code {code} --desired-value {need})"
    )


def unchecked_message(instance_type: str, code: Optional[str], reason: str) -> str:
    """The warning when the quota cannot be checked: provisioning goes on, RunInstances may still fail on it."""
    if code is None:
        return f"no On-Demand vCPU quota is known for the family of {instance_type}; its quota is not checked"
    return (
        f"could not check the vCPU quota {code} of {instance_type} ({reason}); it is not checked, and launching "
        "fails with VcpuLimitExceeded if it is too low"
    )
