# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2_vcpu_quota_info against moto with the emulator's EC2 quotas, and botocore's Stubber for a refused read."""

import boto3
import pytest
from localcloud import service_quotas

from ansible_collections.ec2mpi.cluster.plugins.modules import ec2_vcpu_quota_info

REGION = "us-west-2"
G_AND_VT = "L-DB2E81BA"


@pytest.fixture
def run(run_module, aws_credentials):
    def run_check(**args):
        defaults = dict(instance_type="g4dn.xlarge", vcpus=4, count=3, cluster_name="mpi", region=REGION)
        return run_module(ec2_vcpu_quota_info.main, dict(defaults, **args))

    return run_check


def launch(instance_type, count=1, cluster=None):
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "ec2mpi:cluster", "Value": cluster}]}] if cluster else []
    ec2.run_instances(ImageId=image, InstanceType=instance_type, MinCount=count, MaxCount=count, TagSpecifications=tags)


@pytest.mark.usefixtures("moto")
def test_nodes_that_fit_pass(run):
    result, failed = run()

    assert not failed
    assert result["changed"] is False
    assert (result["quota_code"], result["quota_name"], result["limit"]) == (G_AND_VT, "Running On-Demand G and VT instances", 1024)
    assert (result["running_vcpus"], result["needed_vcpus"], result["sufficient"], result["message"]) == (0, 12, True, "")


@pytest.mark.usefixtures("moto")
def test_a_quota_of_0_is_insufficient_with_the_one_line(run):
    service_quotas.install({G_AND_VT: 0})

    result, failed = run()

    assert not failed
    assert (result["limit"], result["needed_vcpus"], result["sufficient"]) == (0, 12, False)
    assert result["message"].startswith(
        "the cluster needs 12 vCPUs of the quota 'Running On-Demand G and VT instances' (L-DB2E81BA) in us-west-2: "
        "node_count 3 x 4 vCPUs of g4dn.xlarge + 0 already running there, but the quota is 0: lower node_count"
    )


@pytest.mark.usefixtures("moto")
def test_what_runs_outside_the_cluster_counts_and_the_cluster_s_own_nodes_do_not(run):
    service_quotas.install({G_AND_VT: 16})
    launch("g5.2xlarge", count=1)  # 8 vCPUs of G, someone else's
    launch("m5.large", count=2)  # Standard: another quota
    launch("g4dn.xlarge", count=2, cluster="mpi")  # the cluster's own: part of count already

    fits = run(count=2).result
    too_many = run(count=3).result

    assert (fits["running_vcpus"], fits["needed_vcpus"], fits["sufficient"]) == (8, 16, True)
    assert (too_many["running_vcpus"], too_many["needed_vcpus"], too_many["sufficient"]) == (8, 20, False)


@pytest.mark.usefixtures("moto")
def test_a_family_without_a_known_quota_is_not_checked(run):
    result, failed = run(instance_type="q9.large", vcpus=2)

    assert not failed
    assert (result["quota_code"], result["limit"], result["sufficient"]) == (None, None, None)
    assert result["message"] == "no On-Demand vCPU quota is known for the family of q9.large; its quota is not checked"


def test_a_quota_that_cannot_be_read_is_not_checked(run, stubbed_client):
    quotas = stubbed_client("service-quotas")
    quotas.add_client_error("get_service_quota", service_error_code="AccessDeniedException", http_status_code=400,
                            expected_params={"ServiceCode": "ec2", "QuotaCode": G_AND_VT})

    result, failed = run()

    assert not failed
    assert (result["quota_code"], result["limit"], result["sufficient"]) == (G_AND_VT, None, None)
    assert result["message"] == (
        "could not check the vCPU quota L-DB2E81BA of g4dn.xlarge (AccessDeniedException); it is not checked, "
        "and launching fails with VcpuLimitExceeded if it is too low"
    )


def test_a_running_type_nothing_describes_leaves_the_quota_unchecked(run, stubbed_client):
    quotas = stubbed_client("service-quotas")
    quotas.add_response("get_service_quota", {"Quota": {"QuotaCode": G_AND_VT, "QuotaName": "Running On-Demand G and VT instances",
                                                        "Value": 64.0}})
    ec2 = stubbed_client("ec2")
    someone_elses = {"InstanceId": "i-0123456789abcdef0", "InstanceType": "g9.xlarge", "State": {"Name": "running"}}
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [someone_elses]}]})
    ec2.add_client_error("describe_instance_types", service_error_code="InvalidInstanceType", http_status_code=400,
                         expected_params={"InstanceTypes": ["g9.xlarge"]})

    result, failed = run()

    assert not failed
    assert (result["limit"], result["sufficient"]) == (None, None)
    assert result["message"] == (
        "could not check the vCPU quota L-DB2E81BA of g4dn.xlarge (InvalidInstanceType); it is not checked, "
        "and launching fails with VcpuLimitExceeded if it is too low"
    )


def test_a_malformed_cluster_name_fails_in_one_line_before_any_call(run, stubbed_client):
    result, failed = run(cluster_name="no_underscores")

    assert failed
    assert result["msg"].startswith("cluster_name 'no_underscores' is invalid")
