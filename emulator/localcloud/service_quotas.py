"""EC2's Running On-Demand vCPU quotas in Service Quotas, which moto lacks (it serves VPC quotas only).

GetServiceQuota with ServiceCode ec2 answers these quotas as AWS names them, with the value the emulator
was started with: LOCALCLOUD_VCPU_QUOTAS (--vcpu-quotas), e.g. `L-DB2E81BA=0` for a new account's G and
VT quota of 0, else DEFAULT_VCPUS. Other services and codes are answered by moto as before.

The unit tests install the same code into in-process moto (tests/unit/conftest.py). moto is imported only
by install(): the settings read EC2_VCPU_QUOTAS at every command, and moto takes seconds to import.
"""

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
    """Serve EC2's vCPU quotas with these values (code -> vCPUs; DEFAULT_VCPUS for the others)."""
    from moto.servicequotas.models import ServiceQuotasBackend  # pylint: disable=import-outside-toplevel

    _values.clear()
    _values.update({code: float(vcpus) for code, vcpus in values.items()})
    if not getattr(ServiceQuotasBackend.get_service_quota, "localcloud_wrapped", False):
        ServiceQuotasBackend.get_service_quota = answer_ec2_quotas(ServiceQuotasBackend.get_service_quota)
