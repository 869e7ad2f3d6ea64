# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import vcpu_quotas as vq

G_AND_VT = "L-DB2E81BA"
P = "L-417A185B"
STANDARD = "L-1216C47A"


@pytest.mark.parametrize(
    "instance_type, code",
    [
        ("g4dn.xlarge", G_AND_VT),
        ("g6e.12xlarge", G_AND_VT),
        ("vt1.3xlarge", G_AND_VT),
        ("p2.xlarge", P),
        ("p5.48xlarge", P),
        ("m7i.large", STANDARD),
        ("c5n.18xlarge", STANDARD),
        ("t3.micro", STANDARD),
        ("d3.xlarge", STANDARD),
        ("i4i.large", STANDARD),
        ("hpc7g.16xlarge", "L-F7808C92"),
        ("inf2.xlarge", "L-1945791B"),
        ("trn1.2xlarge", "L-2C3B7624"),
        ("dl1.24xlarge", "L-6E869C2A"),
        ("x2iedn.xlarge", "L-7295265B"),
        ("u-6tb1.metal", "L-43DA4232"),
        ("f1.2xlarge", "L-74FC7D96"),
        ("q9.large", None),
    ],
)
def test_each_family_counts_against_its_quota(instance_type, code):
    assert vq.quota_code(instance_type) == code


def test_running_vcpus_counts_only_the_quota_s_families():
    instances = [
        {"InstanceType": "g4dn.xlarge"},
        {"InstanceType": "g5.2xlarge"},
        {"InstanceType": "p3.2xlarge"},
        {"InstanceType": "m7i.large"},
    ]
    vcpus = {"g4dn.xlarge": 4, "g5.2xlarge": 8, "p3.2xlarge": 8, "m7i.large": 2}

    assert vq.running_vcpus(instances, vcpus, G_AND_VT) == 12
    assert vq.running_vcpus(instances, vcpus, P) == 8
    assert vq.running_vcpus(instances, vcpus, STANDARD) == 2


def test_the_need_is_the_cluster_plus_what_runs_elsewhere():
    assert vq.needed_vcpus(3, 4, 8) == 20
    assert vq.needed_vcpus(0, 4, 8) == 8


def test_insufficient_message_names_quota_need_limit_and_fix():
    quota = {"QuotaCode": G_AND_VT, "QuotaName": "Running On-Demand G and VT instances", "Value": 8.0}

    message = vq.insufficient_message("g4dn.xlarge", 3, 4, 8, quota, "eu-west-1")

    assert message == (
        "the cluster needs 20 vCPUs of the quota 'Running On-Demand G and VT instances' (L-DB2E81BA) in eu-west-1: "
        "node_count 3 x 4 vCPUs of g4dn.xlarge + 8 already running there, but the quota is 8: lower node_count, "
        "or request 20 at https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-DB2E81BA "
        "(aws service-quotas request-service-quota-increase --region eu-west-1 --service-code ec2 "
        "--quota-code L-DB2E81BA --desired-value 20)"
    )


def test_unchecked_message_says_the_quota_is_not_checked():
    assert vq.unchecked_message("g4dn.xlarge", G_AND_VT, "AccessDeniedException") == (
        "could not check the vCPU quota L-DB2E81BA of g4dn.xlarge (AccessDeniedException); it is not checked, "
        "and launching fails with VcpuLimitExceeded if it is too low"
    )
    assert vq.unchecked_message("q9.large", None, "") == (
        "no On-Demand vCPU quota is known for the family of q9.large; its quota is not checked"
    )
