# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared fixtures for module tests: run a module's main() and read its JSON; fake AWS safely.

- run_module(main, args, check_mode=False) -> ModuleRun(result, failed), with .warnings as text.
- aws_credentials: dummy credentials and empty AWS config files (use with moto's mock_aws).
- moto: moto in-process, with what the local emulator adds to it (placement groups, EC2's vCPU quotas).
- stubbed_client(service) -> an active botocore Stubber whose client every module.client(service)
  returns (still wrapped in the module's AWSRetry decorator); creating any other client fails the test.
- world: two clusters as provision.yml leaves them, plus untagged resources (see cluster_world.py).
"""

import json
from typing import Any
from typing import Callable
from typing import Dict
from typing import Iterator
from typing import List
from typing import NamedTuple

import boto3
import pytest
from botocore.stub import Stubber
from localcloud import placement_groups
from localcloud import service_quotas
from moto import mock_aws

from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils import modules as aws_modules
from ansible_collections.ec2mpi.cluster.tests.unit import cluster_world

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
except ImportError:  # older ansible-core: feed the arguments the way AnsibleModule reads them
    import contextlib
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()):
            yield


TEST_REGION = "us-west-2"


class ModuleRun(NamedTuple):
    result: Dict[str, Any]
    failed: bool

    @property
    def warnings(self) -> List[str]:
        """The warnings' texts (ansible-core 2.19 returns them as structured events)."""
        return [w if isinstance(w, str) else w["event"]["msg"] for w in self.result.get("warnings", [])]


@pytest.fixture
def run_module(capsys, monkeypatch) -> Callable[..., ModuleRun]:
    """Run a module's main() with args; return its parsed JSON result and whether it failed."""

    def run(main: Callable[[], None], args: Dict[str, Any], check_mode: bool = False) -> ModuleRun:
        module_args = dict(args, _ansible_check_mode=check_mode)
        capsys.readouterr()  # drop anything printed before this run
        # A module normally runs in a fresh process: forget earlier runs' warnings. And never in the
        # controller's: once a test imports controller code (the filter tests import ansible.errors),
        # module_utils would hand warnings to the controller's display instead of the module's result.
        monkeypatch.setattr(module_utils_internal, "is_controller", False)
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()
        with patch_module_args(module_args), pytest.raises(SystemExit) as exited:
            main()
        result = json.loads(capsys.readouterr().out)
        return ModuleRun(result, exited.value.code != 0 or bool(result.get("failed")))

    return run


@pytest.fixture
def aws_credentials(monkeypatch, tmp_path) -> None:
    """Dummy credentials and an empty AWS config, so nothing can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", TEST_REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
def stubbed_client(monkeypatch, aws_credentials) -> Iterator[Callable[[str], Stubber]]:
    """Make AnsibleAWSModule.client(service) return a real boto3 client under a botocore Stubber.

    The module still wraps that client in its retry decorator, so retries are exercised for real.
    Call the returned function once per service; the Stubber is activated and checked for
    unconsumed responses at teardown.
    """
    stubbers: Dict[str, Stubber] = {}

    def fake_boto3_conn(_module, resource=None, **_connection_params):
        if resource not in stubbers:
            pytest.fail(f"the module created a {resource} client that the test did not stub")
        return stubbers[resource].client

    def stub(service: str) -> Stubber:
        stubber = Stubber(boto3.client(service, region_name=TEST_REGION))
        stubber.activate()
        stubbers[service] = stubber
        return stubber

    monkeypatch.setattr(aws_modules, "boto3_conn", fake_boto3_conn)
    yield stub
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


@pytest.fixture
def sleeps(monkeypatch):
    """Record AWSRetry's back-off sleeps instead of sleeping."""
    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    return slept


@pytest.fixture
def moto():
    """moto in-process, with what the local emulator adds: placement groups, EC2's vCPU quotas (all at the default)."""
    placement_groups.install()
    service_quotas.install({})
    with mock_aws():
        yield


@pytest.fixture
def world(moto) -> cluster_world.World:
    """Cluster a, cluster other, and a VPC and an IAM user of nobody's cluster (on in-process moto)."""
    a = cluster_world.build_cluster("a", 0, "alice")
    other = cluster_world.build_cluster("other", 1, "bob")
    untagged_vpc = boto3.client("ec2", region_name=cluster_world.REGION).create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    boto3.client("iam", region_name=cluster_world.REGION).create_user(UserName="carol")
    return cluster_world.World(a, other, untagged_vpc, "carol")
