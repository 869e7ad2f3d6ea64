# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import instance_types as it

# Shaped like real DescribeInstanceTypes entries (trimmed to the fields the facts use).
G4DN_XLARGE = {
    "InstanceType": "g4dn.xlarge",
    "VCpuInfo": {"DefaultVCpus": 4, "DefaultCores": 2, "DefaultThreadsPerCore": 2},
    "MemoryInfo": {"SizeInMiB": 16384},
    "NetworkInfo": {"EfaSupported": False},
    "GpuInfo": {"Gpus": [{"Name": "T4", "Manufacturer": "NVIDIA", "Count": 1, "MemoryInfo": {"SizeInMiB": 16384}}]},
    "PlacementGroupInfo": {"SupportedStrategies": ["spread", "cluster", "partition"]},
    "ProcessorInfo": {"SupportedArchitectures": ["x86_64"]},
    "SupportedVirtualizationTypes": ["hvm"],
}
G5G_XLARGE = {
    "InstanceType": "g5g.xlarge",
    "VCpuInfo": {"DefaultVCpus": 4, "DefaultCores": 4, "DefaultThreadsPerCore": 1},
    "ProcessorInfo": {"SupportedArchitectures": ["arm64"]},
    "SupportedVirtualizationTypes": ["paravirtual", "hvm"],
}
P4D_24XLARGE = {
    "InstanceType": "p4d.24xlarge",
    "VCpuInfo": {"DefaultVCpus": 96, "DefaultCores": 48, "DefaultThreadsPerCore": 2},
    "MemoryInfo": {"SizeInMiB": 1179648},
    "NetworkInfo": {"EfaSupported": True},
    "GpuInfo": {"Gpus": [{"Name": "A100", "Manufacturer": "NVIDIA", "Count": 8, "MemoryInfo": {"SizeInMiB": 40960}}]},
    "PlacementGroupInfo": {"SupportedStrategies": ["cluster", "partition", "spread"]},
}
C5_LARGE = {
    "InstanceType": "c5.large",
    "VCpuInfo": {"DefaultVCpus": 2, "DefaultCores": 1, "DefaultThreadsPerCore": 2},
    "MemoryInfo": {"SizeInMiB": 4096},
    "NetworkInfo": {"EfaSupported": False},
    "PlacementGroupInfo": {"SupportedStrategies": ["cluster", "partition", "spread"]},
}


def offering(instance_type, zone):
    return {"InstanceType": instance_type, "LocationType": "availability-zone", "Location": zone}


def test_candidates_keep_order_and_drop_duplicates():
    assert it.candidate_instance_types("p2.xlarge", ["g4dn.xlarge", "p2.xlarge", "g5.xlarge", "g4dn.xlarge"]) == [
        "p2.xlarge",
        "g4dn.xlarge",
        "g5.xlarge",
    ]
    assert it.candidate_instance_types("p2.xlarge", None) == ["p2.xlarge"]


@pytest.mark.parametrize(
    "instance_type", ["p2.xlarge", "g4dn.12xlarge", "p4de.24xlarge", "u-6tb1.metal", "c7i.metal-24xl", "g4dn.metal"]
)
def test_real_instance_type_names_are_accepted(instance_type):
    assert it.invalid_input_message(instance_type, [instance_type], None, "us-west-2") is None


@pytest.mark.parametrize(
    "bad",
    [
        "p2",
        "P2.xlarge",
        "p2.xlarge ",
        "p2.xlarge\n",
        "",
        "p2..xlarge",
        ".xlarge",
        "g4dn xlarge",
        "p2.xlarge,g4dn.xlarge",
    ],
)
def test_malformed_instance_type_is_named_with_its_variable(bad):
    message = it.invalid_input_message(bad, [], None, "us-west-2")
    assert message.startswith(f"invalid instance type {bad!r} in instance_type:")
    assert "e.g. g4dn.xlarge" in message and "\n" not in message


def test_malformed_fallback_names_both_the_option_and_the_users_variable():
    message = it.invalid_input_message("p2.xlarge", ["g4dn.xlarge", "G5"], None, "us-west-2")
    assert "'G5' in fallbacks (instance_type_fallbacks)" in message


def test_availability_zone_must_belong_to_the_region():
    assert it.invalid_input_message("p2.xlarge", [], "us-west-2b", "us-west-2") is None
    assert it.invalid_input_message("p2.xlarge", [], "us-west-2-lax-1a", "us-west-2") is None
    message = it.invalid_input_message("p2.xlarge", [], "us-east-1a", "us-west-2")
    assert (
        message
        == "availability_zone 'us-east-1a' is not in region us-west-2: set it to a zone of us-west-2 (e.g. us-west-2a) or leave it unset"
    )


STANDARD_ZONES = ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"]


def test_offered_zones_groups_and_sorts_zones_per_type():
    offerings = [
        offering("g4dn.xlarge", "us-west-2c"),
        offering("g4dn.xlarge", "us-west-2a"),
        offering("g6.xlarge", "us-west-2d"),
    ]
    assert it.offered_zones(offerings, STANDARD_ZONES) == {"g4dn.xlarge": ["us-west-2a", "us-west-2c"], "g6.xlarge": ["us-west-2d"]}
    assert it.offered_zones(offerings, STANDARD_ZONES, "us-west-2d") == {"g6.xlarge": ["us-west-2d"]}


def test_offered_zones_leave_out_local_and_wavelength_zones():
    # Sorted, the Local Zone would come first and become the cluster's zone.
    offerings = [
        offering("g4dn.xlarge", "us-west-2-lax-1a"),
        offering("g4dn.xlarge", "us-west-2-wl1-las-wlz-1"),
        offering("g4dn.xlarge", "us-west-2b"),
        offering("g5.xlarge", "us-west-2-lax-1a"),
    ]
    assert it.offered_zones(offerings, STANDARD_ZONES) == {"g4dn.xlarge": ["us-west-2b"]}
    assert it.offered_zones(offerings, STANDARD_ZONES, "us-west-2-lax-1a") == {}


def test_first_offered_candidate_wins_and_the_others_are_reported_skipped():
    zones = {"g4dn.xlarge": ["us-west-2a"], "g5.xlarge": ["us-west-2b"]}
    chosen, chosen_zones, skipped = it.choose_instance_type(
        ["p2.xlarge", "p2.8xlarge", "g4dn.xlarge", "g5.xlarge"], zones, "us-west-2"
    )
    assert (chosen, chosen_zones) == ("g4dn.xlarge", ["us-west-2a"])
    assert skipped == [
        {"instance_type": "p2.xlarge", "reason": "not offered in us-west-2"},
        {"instance_type": "p2.8xlarge", "reason": "not offered in us-west-2"},
    ]


def test_no_candidate_offered_chooses_nothing():
    chosen, zones, skipped = it.choose_instance_type(["p2.xlarge"], {"g4dn.xlarge": ["us-west-2a"]}, "us-west-2")
    assert (chosen, zones) == (None, [])
    assert [entry["instance_type"] for entry in skipped] == ["p2.xlarge"]


def test_location_text_names_the_zone_and_region():
    assert it.location_text("us-west-2", None) == "us-west-2"
    assert it.location_text("us-west-2", "us-west-2d") == "availability zone us-west-2d of us-west-2"


def test_sizes_sort_by_size_not_alphabetically():
    names = ["g4dn.metal", "g4dn.12xlarge", "g4dn.2xlarge", "g4dn.xlarge", "c5.large", "t3.nano", "g4dn.16xlarge"]
    assert sorted(names, key=it.instance_type_sort_key) == [
        "c5.large",
        "g4dn.xlarge",
        "g4dn.2xlarge",
        "g4dn.12xlarge",
        "g4dn.16xlarge",
        "g4dn.metal",
        "t3.nano",
    ]


def test_suggested_gpu_types_keeps_only_the_listed_gpu_families():
    offerings = [
        {"InstanceType": name, "LocationType": "region", "Location": "us-west-2"}
        for name in [
            "c5.large",
            "g5.2xlarge",
            "g4dn.xlarge",
            "g4ad.xlarge",
            "g5g.xlarge",
            "p5.48xlarge",
            "g5.xlarge",
            "g4dn.xlarge",
        ]
    ]
    assert it.suggested_gpu_types(offerings) == ["g4dn.xlarge", "g5.xlarge", "g5.2xlarge", "p5.48xlarge"]


def test_not_offered_message_for_empty_fallbacks():
    message = it.not_offered_message(["p2.xlarge"], "us-west-2", ["g4dn.xlarge", "g4dn.2xlarge"])
    assert message == (
        "instance type p2.xlarge is not offered in us-west-2 and instance_type_fallbacks is empty; "
        "set instance_type to one of: g4dn.xlarge, g4dn.2xlarge or add them to instance_type_fallbacks"
    )


def test_not_offered_message_for_exhausted_fallbacks_lists_at_most_ten():
    suggestions = [f"g4dn.{n}xlarge" for n in range(2, 16)]
    message = it.not_offered_message(["p2.xlarge", "p2.8xlarge"], "us-west-2", suggestions)
    assert message.startswith(
        "none of the instance types p2.xlarge, p2.8xlarge (instance_type and instance_type_fallbacks) is offered in us-west-2;"
    )
    assert "g4dn.11xlarge (and 4 more)" in message and "g4dn.12xlarge" not in message
    assert "\n" not in message


def test_not_offered_message_without_any_gpu_type_says_to_change_region():
    message = it.not_offered_message(["p2.xlarge"], "availability zone us-west-2d of us-west-2", [])
    assert "no GPU instance type" in message and message.endswith("choose another region or availability_zone")


def test_fallback_warning_names_requested_chosen_region_and_variable():
    assert it.fallback_warning("p2.xlarge", "g4dn.xlarge", "us-west-2") == (
        "instance type p2.xlarge is not offered in us-west-2; falling back to g4dn.xlarge (first offered type in instance_type_fallbacks)"
    )


def test_facts_from_the_api_for_a_gpu_type():
    assert it.instance_type_facts(G4DN_XLARGE) == {
        "vcpus": 4,
        "cores": 2,
        "threads_per_core": 2,
        "memory_mib": 16384,
        "gpus": [{"count": 1, "manufacturer": "NVIDIA", "name": "T4", "memory_mib": 16384}],
        "gpu_count": 1,
        "efa_supported": False,
        "placement_group_strategies": ["cluster", "partition", "spread"],
        "architectures": ["x86_64"],
        "virtualization_types": ["hvm"],
        "facts_source": "api",
    }


def test_facts_say_which_images_a_type_runs():
    facts = it.instance_type_facts(G5G_XLARGE)
    assert (facts["architectures"], facts["virtualization_types"]) == (["arm64"], ["hvm", "paravirtual"])


def test_facts_count_every_gpu_and_report_efa():
    facts = it.instance_type_facts(P4D_24XLARGE)
    assert (facts["gpu_count"], facts["gpus"][0]["memory_mib"], facts["efa_supported"]) == (8, 40960, True)


def test_facts_for_a_type_without_gpus():
    facts = it.instance_type_facts(C5_LARGE)
    assert (facts["gpus"], facts["gpu_count"], facts["cores"]) == ([], 0, 1)


def test_facts_derive_cores_when_the_api_omits_them():
    facts = it.instance_type_facts(
        {"VCpuInfo": {"DefaultVCpus": 8, "DefaultThreadsPerCore": 2}, "MemoryInfo": {"SizeInMiB": 1024}}
    )
    assert (facts["vcpus"], facts["cores"], facts["threads_per_core"]) == (8, 4, 2)


def test_builtin_facts_for_p2_xlarge_match_aws_published_specs():
    assert it.builtin_instance_type_facts("p2.xlarge") == {
        "vcpus": 4,
        "cores": 2,
        "threads_per_core": 2,
        "memory_mib": 61 * 1024,
        "gpus": [{"count": 1, "manufacturer": "NVIDIA", "name": "K80", "memory_mib": 12 * 1024}],
        "gpu_count": 1,
        "efa_supported": False,
        "placement_group_strategies": ["cluster", "partition", "spread"],
        "architectures": ["x86_64"],
        "virtualization_types": ["hvm"],
        "facts_source": "builtin",
    }


@pytest.mark.parametrize(
    "instance_type, vcpus, cores, memory_gib, gpus, gpu_name, gpu_memory_gib",
    [
        ("p2.8xlarge", 32, 16, 488, 8, "K80", 12),
        ("p2.16xlarge", 64, 32, 732, 16, "K80", 12),
        ("p3.2xlarge", 8, 4, 61, 1, "V100", 16),
        ("p3.8xlarge", 32, 16, 244, 4, "V100", 16),
        ("p3.16xlarge", 64, 32, 488, 8, "V100", 16),
    ],
)
def test_builtin_facts_for_the_other_retired_types(
    instance_type, vcpus, cores, memory_gib, gpus, gpu_name, gpu_memory_gib
):
    facts = it.builtin_instance_type_facts(instance_type)
    assert (facts["vcpus"], facts["cores"], facts["threads_per_core"], facts["memory_mib"]) == (
        vcpus,
        cores,
        2,
        memory_gib * 1024,
    )
    assert facts["gpus"] == [
        {"count": gpus, "manufacturer": "NVIDIA", "name": gpu_name, "memory_mib": gpu_memory_gib * 1024}
    ]
    assert facts["gpu_count"] == gpus and facts["facts_source"] == "builtin"


def test_builtin_facts_have_the_same_shape_as_api_facts():
    assert set(it.builtin_instance_type_facts("p2.xlarge")) == set(it.instance_type_facts(G4DN_XLARGE))


def test_builtin_facts_do_not_know_current_types():
    assert it.builtin_instance_type_facts("g4dn.xlarge") is None
