# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_instance_type_offering against moto (in-process) and, for faults moto cannot make, botocore's Stubber."""

import boto3
import pytest
from moto import mock_aws

from ansible_collections.ec2mpi.cluster.plugins.modules import ec2_instance_type_offering

REGION = "us-west-2"
MOTO_G4DN_ZONES = ["us-west-2a", "us-west-2b", "us-west-2c"]  # moto offers g4dn.xlarge in these, not in 2d


@pytest.fixture
def run(run_module, aws_credentials):
    def run_offering(check_mode=False, **args):
        return run_module(ec2_instance_type_offering.main, dict(args, region=REGION), check_mode=check_mode)

    return run_offering


@pytest.fixture
def moto():
    with mock_aws():
        yield


def offerings(instance_type, *zones):
    return {
        "InstanceTypeOfferings": [
            {"InstanceType": instance_type, "LocationType": "availability-zone", "Location": zone} for zone in zones
        ]
    }


STANDARD_ZONES_FILTERS = [
    {"Name": "zone-type", "Values": ["availability-zone"]},
    {"Name": "state", "Values": ["available"]},
    {"Name": "opt-in-status", "Values": ["opt-in-not-required"]},
]


def stub_standard_zones(ec2, *zones):
    """DescribeAvailabilityZones as AWS answers the module's filters: the standard zones (2a to 2d unless given)."""
    names = zones or ("us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d")
    ec2.add_response(
        "describe_availability_zones",
        {"AvailabilityZones": [{"ZoneName": name, "ZoneType": "availability-zone", "State": "available"} for name in names]},
        {"Filters": STANDARD_ZONES_FILTERS},
    )


@pytest.mark.usefixtures("moto")
def test_offered_gpu_type_is_described_by_the_api(run):
    result, failed = run(instance_type="g4dn.xlarge")

    assert not failed
    assert result["changed"] is False
    assert (result["instance_type"], result["requested_instance_type"], result["fell_back"]) == (
        "g4dn.xlarge",
        "g4dn.xlarge",
        False,
    )
    assert result["availability_zones"] == MOTO_G4DN_ZONES
    assert result["passed_over"] == []
    info = result["instance_type_info"]
    assert info["gpus"] == [{"count": 1, "manufacturer": "NVIDIA", "name": "T4", "memory_mib": 16384}]
    assert (info["gpu_count"], info["vcpus"], info["cores"], info["threads_per_core"], info["memory_mib"]) == (
        1,
        4,
        2,
        2,
        16384,
    )
    assert info["efa_supported"] is False
    assert info["placement_group_strategies"] == ["cluster", "partition", "spread"]
    assert info["facts_source"] == "api"
    assert "warnings" not in result


@pytest.mark.usefixtures("moto")
def test_retired_p2_falls_back_and_warns(run):
    outcome = run(instance_type="p2.xlarge", fallbacks=["g4dn.xlarge"])

    assert not outcome.failed
    result = outcome.result
    assert (result["instance_type"], result["requested_instance_type"], result["fell_back"]) == (
        "g4dn.xlarge",
        "p2.xlarge",
        True,
    )
    assert result["availability_zones"] == MOTO_G4DN_ZONES
    assert result["passed_over"] == [{"instance_type": "p2.xlarge", "reason": f"not offered in {REGION}"}]
    assert result["instance_type_info"]["facts_source"] == "api"
    assert outcome.warnings == [
        f"instance type p2.xlarge is not offered in {REGION}; falling back to g4dn.xlarge (first offered type in instance_type_fallbacks)"
    ]
    assert "deprecations" not in result  # the warning travels the way ansible-core 2.19 wants


@pytest.mark.usefixtures("moto")
def test_duplicate_candidates_are_tried_once(run):
    result, failed = run(instance_type="p2.xlarge", fallbacks=["p2.xlarge", "p2.8xlarge", "g4dn.xlarge", "g4dn.xlarge"])

    assert not failed
    assert [entry["instance_type"] for entry in result["passed_over"]] == ["p2.xlarge", "p2.8xlarge"]


@pytest.mark.usefixtures("moto")
def test_later_candidates_offered_in_the_first_zone_are_zone_fallbacks(run):
    result, failed = run(instance_type="p2.xlarge", fallbacks=["g4dn.xlarge", "p3.2xlarge", "g5.xlarge"])

    assert not failed
    assert (result["instance_type"], result["availability_zones"][0]) == ("g4dn.xlarge", "us-west-2a")
    # p2.xlarge came before the chosen type and p3.2xlarge is not offered: only g5.xlarge, described as the chosen one is.
    assert [fallback["instance_type"] for fallback in result["zone_fallbacks"]] == ["g5.xlarge"]
    info = result["zone_fallbacks"][0]["instance_type_info"]
    assert (info["facts_source"], info["gpus"][0]["name"]) == ("api", "A10G")


@pytest.mark.usefixtures("moto")
def test_later_candidates_not_offered_in_that_zone_are_no_zone_fallbacks(run):
    result, failed = run(instance_type="g6.xlarge", fallbacks=["g4dn.xlarge", "g5.xlarge"], availability_zone="us-west-2d")

    assert not failed
    assert result["zone_fallbacks"] == []


@pytest.mark.usefixtures("moto")
def test_p2_without_fallbacks_fails_listing_offered_gpu_types(run):
    result, failed = run(instance_type="p2.xlarge")

    assert failed
    message = result["msg"]
    assert "\n" not in message
    assert message.startswith(
        f"instance type p2.xlarge is not offered in {REGION} and instance_type_fallbacks is empty; set instance_type to one of: "
    )
    assert message.endswith(" or add them to instance_type_fallbacks")
    listed = message.split("one of: ")[1].split(" (and ")[0].split(" or add")[0].split(", ")
    assert listed[:2] == ["g4dn.xlarge", "g4dn.2xlarge"]
    assert len(listed) == 10
    offered_here = {
        entry["InstanceType"]
        for entry in boto3.client("ec2", region_name=REGION).describe_instance_type_offerings(
            LocationType="region", Filters=[{"Name": "instance-type", "Values": listed}]
        )["InstanceTypeOfferings"]
    }
    assert offered_here == set(listed)
    assert result["passed_over"] == [{"instance_type": "p2.xlarge", "reason": f"not offered in {REGION}"}]


@pytest.mark.usefixtures("moto")
def test_exhausted_fallbacks_fail_naming_every_candidate(run):
    result, failed = run(instance_type="p2.xlarge", fallbacks=["p2.8xlarge", "p2.16xlarge"])

    assert failed
    assert result["msg"].startswith(
        f"none of the instance types p2.xlarge, p2.8xlarge, p2.16xlarge (instance_type and instance_type_fallbacks) is offered in {REGION};"
    )


@pytest.mark.usefixtures("moto")
def test_availability_zone_limits_the_zones_returned(run):
    result, failed = run(instance_type="g4dn.xlarge", availability_zone="us-west-2b")

    assert not failed
    assert (result["instance_type"], result["availability_zones"], result["fell_back"]) == (
        "g4dn.xlarge",
        ["us-west-2b"],
        False,
    )


@pytest.mark.usefixtures("moto")
def test_type_missing_from_the_availability_zone_falls_back(run):
    outcome = run(instance_type="g4dn.xlarge", fallbacks=["g6.xlarge"], availability_zone="us-west-2d")

    assert not outcome.failed
    result = outcome.result
    assert (result["instance_type"], result["availability_zones"], result["fell_back"]) == (
        "g6.xlarge",
        ["us-west-2d"],
        True,
    )
    assert result["passed_over"] == [
        {"instance_type": "g4dn.xlarge", "reason": "not offered in availability zone us-west-2d of us-west-2"}
    ]
    assert result["instance_type_info"]["gpus"][0]["name"] == "L4"
    assert len(outcome.warnings) == 1 and "us-west-2d" in outcome.warnings[0] and "g6.xlarge" in outcome.warnings[0]


@pytest.mark.usefixtures("moto")
def test_type_missing_from_the_availability_zone_fails_with_that_zones_gpu_types(run):
    result, failed = run(instance_type="g4dn.xlarge", availability_zone="us-west-2d")

    assert failed
    assert result["msg"].startswith(
        "instance type g4dn.xlarge is not offered in availability zone us-west-2d of us-west-2 and"
    )
    assert "g4dn." not in result["msg"].split("one of: ")[1]  # only what us-west-2d offers
    assert "g6.xlarge" in result["msg"]


@pytest.mark.usefixtures("moto")
def test_check_mode_returns_the_same_result(run):
    normal = run(instance_type="p2.xlarge", fallbacks=["g4dn.xlarge"])
    checked = run(instance_type="p2.xlarge", fallbacks=["g4dn.xlarge"], check_mode=True)

    assert not checked.failed
    assert {key: value for key, value in checked.result.items() if key != "invocation"} == {
        key: value for key, value in normal.result.items() if key != "invocation"
    }


@pytest.mark.parametrize(
    "args, named",
    [
        ({"instance_type": "p2"}, "'p2' in instance_type"),
        ({"instance_type": "P2.XLARGE"}, "'P2.XLARGE' in instance_type"),
        (
            {"instance_type": "p2.xlarge", "fallbacks": ["g4dn xlarge"]},
            "'g4dn xlarge' in fallbacks (instance_type_fallbacks)",
        ),
        (
            {"instance_type": "p2.xlarge", "availability_zone": "us-east-1a"},
            "availability_zone 'us-east-1a' is not in region us-west-2",
        ),
    ],
)
@pytest.mark.usefixtures("stubbed_client")
def test_bad_input_fails_before_any_aws_call(run, args, named):
    # stubbed_client with no service stubbed: creating any AWS client fails the test.
    result, failed = run(**args)

    assert failed
    assert named in result["msg"] and "\n" not in result["msg"]


def test_retired_type_offered_but_unknown_to_the_api_uses_the_builtin_table(run, stubbed_client):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_response(
        "describe_instance_type_offerings",
        offerings("p2.xlarge", "us-west-2b", "us-west-2a"),
        {"LocationType": "availability-zone", "Filters": [{"Name": "instance-type", "Values": ["p2.xlarge"]}]},
    )
    ec2.add_client_error(
        "describe_instance_types",
        service_error_code="InvalidInstanceType",
        service_message="The following supplied instance types do not exist: [p2.xlarge]",
        http_status_code=400,
        expected_params={"InstanceTypes": ["p2.xlarge"]},
    )

    outcome = run(instance_type="p2.xlarge")

    assert not outcome.failed
    result = outcome.result
    assert (result["instance_type"], result["fell_back"], result["availability_zones"]) == (
        "p2.xlarge",
        False,
        ["us-west-2a", "us-west-2b"],
    )
    info = result["instance_type_info"]
    assert info["facts_source"] == "builtin"
    assert info["gpus"] == [{"count": 1, "manufacturer": "NVIDIA", "name": "K80", "memory_mib": 12288}]
    assert (info["vcpus"], info["cores"], info["memory_mib"], info["efa_supported"]) == (4, 2, 62464, False)
    assert outcome.warnings == []


def test_type_unknown_to_the_api_and_the_table_fails_naming_it(run, stubbed_client):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_response("describe_instance_type_offerings", offerings("g3.4xlarge", "us-west-2a"))
    ec2.add_client_error("describe_instance_types", service_error_code="InvalidInstanceType", http_status_code=400)

    result, failed = run(instance_type="g3.4xlarge")

    assert failed
    assert result["msg"].startswith(
        "instance type g3.4xlarge is offered in us-west-2 but neither DescribeInstanceTypes nor the built-in table"
    )


def test_throttled_describe_is_retried(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_client_error(
        "describe_instance_type_offerings", service_error_code="RequestLimitExceeded", http_status_code=503
    )
    ec2.add_response("describe_instance_type_offerings", offerings("g4dn.xlarge", "us-west-2a"))
    ec2.add_response(
        "describe_instance_types",
        {
            "InstanceTypes": [
                {
                    "InstanceType": "g4dn.xlarge",
                    "VCpuInfo": {"DefaultVCpus": 4, "DefaultCores": 2, "DefaultThreadsPerCore": 2},
                    "MemoryInfo": {"SizeInMiB": 16384},
                    "GpuInfo": {
                        "Gpus": [
                            {"Name": "T4", "Manufacturer": "NVIDIA", "Count": 1, "MemoryInfo": {"SizeInMiB": 16384}}
                        ]
                    },
                }
            ]
        },
    )

    result, failed = run(instance_type="g4dn.xlarge")

    assert not failed, result.get("msg")
    assert result["instance_type"] == "g4dn.xlarge" and result["instance_type_info"]["facts_source"] == "api"
    assert len(sleeps) == 1


def test_throttled_describe_instance_types_is_retried(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_response("describe_instance_type_offerings", offerings("p2.xlarge", "us-west-2a"))
    ec2.add_client_error("describe_instance_types", service_error_code="Throttling", http_status_code=400)
    ec2.add_client_error("describe_instance_types", service_error_code="InvalidInstanceType", http_status_code=400)

    result, failed = run(instance_type="p2.xlarge")

    assert not failed, result.get("msg")
    assert result["instance_type_info"]["facts_source"] == "builtin"
    assert len(sleeps) == 1


def test_permission_fault_fails_at_once_naming_the_call(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_client_error(
        "describe_instance_type_offerings",
        service_error_code="UnauthorizedOperation",
        service_message="You are not authorized to perform this operation.",
        http_status_code=403,
    )

    result, failed = run(instance_type="p2.xlarge", fallbacks=["g4dn.xlarge"])

    assert failed
    assert result["msg"].startswith("Failed to describe instance type offerings: ")
    assert "UnauthorizedOperation" in result["msg"] and "DescribeInstanceTypeOfferings" in result["msg"]
    assert result["error"]["code"] == "UnauthorizedOperation"
    assert sleeps == []


def test_permission_fault_on_describe_instance_types_names_that_call(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_response("describe_instance_type_offerings", offerings("g4dn.xlarge", "us-west-2a"))
    ec2.add_client_error("describe_instance_types", service_error_code="UnauthorizedOperation", http_status_code=403)

    result, failed = run(instance_type="g4dn.xlarge")

    assert failed
    assert result["msg"].startswith("Failed to describe instance type: ")
    assert "DescribeInstanceTypes" in result["msg"]
    assert sleeps == []


G4DN_XLARGE = {
    "InstanceType": "g4dn.xlarge",
    "VCpuInfo": {"DefaultVCpus": 4, "DefaultCores": 2, "DefaultThreadsPerCore": 2},
    "MemoryInfo": {"SizeInMiB": 16384},
    "GpuInfo": {"Gpus": [{"Name": "T4", "Manufacturer": "NVIDIA", "Count": 1, "MemoryInfo": {"SizeInMiB": 16384}}]},
}


# moto has no Local Zones or Wavelength Zones (nor does the local emulator, which is moto): the Stubber
# answers as AWS does in us-west-2, where Los Angeles Local Zones and Wavelength Zones offer GPU types too.
def test_local_and_wavelength_zones_are_never_returned(run, stubbed_client):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_response(
        "describe_instance_type_offerings",
        offerings("g4dn.xlarge", "us-west-2-lax-1a", "us-west-2-wl1-las-wlz-1", "us-west-2c", "us-west-2b"),
    )
    ec2.add_response("describe_instance_types", {"InstanceTypes": [G4DN_XLARGE]}, {"InstanceTypes": ["g4dn.xlarge"]})

    result, failed = run(instance_type="g4dn.xlarge")

    assert not failed, result.get("msg")
    assert result["availability_zones"] == ["us-west-2b", "us-west-2c"]


def test_a_type_offered_only_in_a_local_zone_is_not_offered(run, stubbed_client):
    ec2 = stubbed_client("ec2")
    stub_standard_zones(ec2)
    ec2.add_response(
        "describe_instance_type_offerings",
        {"InstanceTypeOfferings": offerings("g5.xlarge", "us-west-2-lax-1a")["InstanceTypeOfferings"]
         + offerings("g4dn.xlarge", "us-west-2a")["InstanceTypeOfferings"]},
    )
    ec2.add_response("describe_instance_types", {"InstanceTypes": [G4DN_XLARGE]}, {"InstanceTypes": ["g4dn.xlarge"]})

    outcome = run(instance_type="g5.xlarge", fallbacks=["g4dn.xlarge"])

    assert not outcome.failed, outcome.result.get("msg")
    assert (outcome.result["instance_type"], outcome.result["availability_zones"]) == ("g4dn.xlarge", ["us-west-2a"])
    assert outcome.result["passed_over"] == [{"instance_type": "g5.xlarge", "reason": f"not offered in {REGION}"}]


def test_permission_fault_on_describe_availability_zones_names_that_call(run, stubbed_client, sleeps):
    ec2 = stubbed_client("ec2")
    ec2.add_client_error("describe_availability_zones", service_error_code="UnauthorizedOperation", http_status_code=403)

    result, failed = run(instance_type="g4dn.xlarge")

    assert failed
    assert result["msg"].startswith("Failed to describe availability zones: ")
    assert "DescribeAvailabilityZones" in result["msg"] and "\n" not in result["msg"]
    assert sleeps == []
