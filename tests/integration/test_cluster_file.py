# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A cluster file (-e @<file>) as the only input, the list of clusters of status.yml, and a cluster file's bad input,
by real ansible-playbook against this session's API-only emulator, checked through the EC2 API.

Two 1-node clusters, each from a file of its own, made once for the module and torn down at its end.
"""

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from cluster_api import LIVE_STATES, SSH_ALLOWED_CIDRS, footprint, instances, tag_filter

FIRST = "cf-one"
SECOND = "cf-two"
FAILURE_LINE = re.compile(r"^fatal: \[[^\]]+\]: FAILED! => (\{.*\})\s*$")
# A line of status.yml's list: cluster, nodes, type, USD/hour, age (h:mm:ss, under a day here).
LIST_ROW = re.compile(r"^(\S+) +(\d+ running, \d+ stopped(?:, \d+ [a-z-]+)*) +(\S+) +(\S+) +(\d+:\d\d:\d\d)$")


def cluster_file(path, **variables):
    """Write a cluster file; return its path as Ansible's CLI names it (absolute, links resolved)."""
    path.write_text(yaml.safe_dump(variables, sort_keys=False))
    return os.path.realpath(path)


def failure(output):
    """The msg of the one failed task, and the [ERROR] lines of the output."""
    results = [json.loads(m.group(1)) for m in map(FAILURE_LINE.match, output.splitlines()) if m]
    errors = [line for line in output.splitlines() if line.startswith("[ERROR]")]
    assert len(results) == 1, output[-3000:]
    return results[0]["msg"], errors


@pytest.fixture(scope="module")
def clusters(playbook, tmp_path_factory, ec2_client, iam_client):
    base = tmp_path_factory.mktemp("cluster-file")
    files = {
        FIRST: cluster_file(base / "t.yml", cluster_name=FIRST, node_count=1, cluster_local_dir=str(base / FIRST),
                            vpc_cidr="10.71.0.0/16", subnet_cidr="10.71.1.0/24", ssh_allowed_cidrs=SSH_ALLOWED_CIDRS),
        # A type without a recorded price: its cost is unknown, not guessed.
        SECOND: cluster_file(base / "u.yml", cluster_name=SECOND, node_count=1, cluster_local_dir=str(base / SECOND),
                             instance_type="m5.xlarge", instance_type_fallbacks=[],
                             vpc_cidr="10.72.0.0/16", subnet_cidr="10.72.1.0/24", ssh_allowed_cidrs=SSH_ALLOWED_CIDRS),
    }
    # Two clusters at once, as two users would: half the time of one after the other.
    with ThreadPoolExecutor(max_workers=2) as pool:
        provisions = dict(zip(files, pool.map(lambda path: playbook("provision.yml", "-e", f"@{path}"), files.values())))
    yield {"base": base, "files": files, "provisions": provisions}
    with ThreadPoolExecutor(max_workers=2) as pool:
        teardowns = list(pool.map(lambda path: playbook("playbooks/teardown.yml", "-e", f"@{path}", "-e", "teardown_iam=true"), files.values()))
    for rc, output, _recap in teardowns:
        assert rc == 0, output[-3000:]
    left = {name: {kind: ids for kind, ids in footprint(ec2_client, iam_client, name, instance_states=LIVE_STATES).items() if ids}
            for name in files}
    assert left == {FIRST: {}, SECOND: {}}


def test_a_cluster_file_alone_provisions_the_cluster_and_status_shows_it(clusters, playbook, ec2_client):
    rc, output, _recap = clusters["provisions"][FIRST]
    assert rc == 0, output[-3000:]
    nodes = instances(ec2_client, FIRST, states=("running",))
    assert [node["InstanceType"] for node in nodes] == ["g4dn.xlarge"]
    assert (clusters["base"] / FIRST / "id_ed25519").is_file()

    rc, output, _recap = playbook("playbooks/status.yml", "-e", f"@{clusters['files'][FIRST]}")
    assert rc == 0, output[-3000:]
    assert f"cluster {FIRST} in us-west-2: 1 instances (1 running)" in output
    assert nodes[0]["InstanceId"] in output


def test_status_without_a_cluster_name_lists_every_cluster_one_line_each(clusters, playbook):
    assert [rc for rc, _output, _recap in clusters["provisions"].values()] == [0, 0]
    rc, output, _recap = playbook("playbooks/status.yml")
    assert rc == 0, output[-3000:]
    rows = {m.group(1): m.groups()[1:4] for m in map(LIST_ROW.match, (line.strip() for line in output.splitlines())) if m}
    # Other tests of the session may have clusters of their own in the region: these two are what this test made.
    assert {name: rows.get(name) for name in (FIRST, SECOND)} == {
        FIRST: ("1 running, 0 stopped", "g4dn.xlarge", "0.53"),
        SECOND: ("1 running, 0 stopped", "m5.xlarge", "unknown"),
    }
    assert f"cluster {FIRST} in" not in output


def test_a_misspelled_key_in_a_cluster_file_fails_in_one_line_and_creates_nothing(playbook, ec2_client, iam_client, tmp_path):
    path = cluster_file(tmp_path / "typo.yml", cluster_name="cf-typo", node_cout=3, cluster_local_dir=str(tmp_path / "local"),
                        ssh_allowed_cidrs=SSH_ALLOWED_CIDRS)
    rc, output, _recap = playbook("provision.yml", "-e", f"@{path}", env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    assert rc != 0
    expected = (f"{path}: node_cout is not an input, so it would have no effect; did you mean node_count? "
                "(every input: clusters/example.yml)")
    assert failure(output) == (expected, [f"[ERROR]: Task failed: Action failed: {expected}"])
    assert ec2_client.describe_vpcs(Filters=tag_filter("cf-typo"))["Vpcs"] == []
    assert {kind: ids for kind, ids in footprint(ec2_client, iam_client, "cf-typo").items() if ids} == {}
    assert not (tmp_path / "local").exists()


def test_a_flag_that_contradicts_the_cluster_file_fails_naming_both_values(playbook, ec2_client, tmp_path):
    path = cluster_file(tmp_path / "t.yml", cluster_name="cf-both", node_count=1, cluster_local_dir=str(tmp_path / "local"),
                        ssh_allowed_cidrs=SSH_ALLOWED_CIDRS)
    rc, output, _recap = playbook("provision.yml", "-e", f"@{path}", "-e", "node_count=5", env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    assert rc != 0
    expected = f"node_count is 1 in {path} but 5 in -e node_count=5; give it once (Ansible would silently keep the last)"
    assert failure(output) == (expected, [f"[ERROR]: Task failed: Action failed: {expected}"])
    assert ec2_client.describe_vpcs(Filters=tag_filter("cf-both"))["Vpcs"] == []


def test_a_cluster_file_that_does_not_parse_is_named_by_ansible_before_any_play(playbook, tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("cluster_name: cf-broken\nnode_count: [1\n")
    rc, output, _recap = playbook("playbooks/status.yml", "-e", f"@{path}")
    assert rc != 0
    assert [line for line in output.splitlines() if line.startswith(("[ERROR]", "Origin:"))] == [
        "[ERROR]: YAML parsing failed: While parsing a flow sequence did not find expected ',' or ']'.",
        f"Origin: {os.path.realpath(path)}:3:1",
    ]
    assert "PLAY [" not in output
