# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lookup reads the -e arguments as ansible-playbook's CLI left them in ansible.context.CLIARGS."""

import pytest

from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
from ansible.parsing.dataloader import DataLoader
from ansible_collections.ec2mpi.cluster.plugins.lookup.extra_vars_sources import LookupModule


@pytest.fixture
def extra_vars(monkeypatch):
    def given(*arguments):
        monkeypatch.setattr(context, "CLIARGS", ImmutableDict(extra_vars=tuple(arguments)))
        return LookupModule(loader=DataLoader()).run([], variables={})
    return given


def test_each_source_in_order_with_the_variables_it_sets(extra_vars, tmp_path, monkeypatch):
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "lab.yml").write_text("cluster_name: lab\nnode_count: 1\nssh_allowed_cidrs: [192.0.2.10/32]\n")
    monkeypatch.chdir(tmp_path)
    assert extra_vars(f"@{tmp_path}/clusters/lab.yml", "node_count=5 aws_region=eu-west-1", '{"operator_users": ["alice"]}') == [
        {"source": f"@{tmp_path}/clusters/lab.yml", "kind": "file", "file": "clusters/lab.yml",
         "vars": {"cluster_name": "lab", "node_count": 1, "ssh_allowed_cidrs": ["192.0.2.10/32"]}},
        {"source": "node_count=5 aws_region=eu-west-1", "kind": "kv", "file": None, "vars": {"node_count": "5", "aws_region": "eu-west-1"}},
        {"source": '{"operator_users": ["alice"]}', "kind": "yaml", "file": None, "vars": {"operator_users": ["alice"]}},
    ]


def test_words_without_a_name_are_raw_params_as_ansible_keeps_them(extra_vars):
    assert extra_vars("operator_users=alice bob") == [
        {"source": "operator_users=alice bob", "kind": "kv", "file": None, "vars": {"operator_users": "alice", "_raw_params": "bob"}}]


def test_templates_in_a_file_are_returned_as_written(extra_vars, tmp_path):
    (tmp_path / "t.yml").write_text('cluster_local_dir: "{{ lookup(\'env\', \'HOME\') }}/x"\n')
    assert extra_vars(f"@{tmp_path}/t.yml")[0]["vars"] == {"cluster_local_dir": "{{ lookup('env', 'HOME') }}/x"}


def test_no_extra_vars_no_sources(extra_vars):
    assert extra_vars() == []
