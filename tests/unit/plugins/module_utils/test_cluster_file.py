# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_file

INPUTS = ["cluster_name", "node_count", "instance_type", "allow_world_ssh", "ssh_allowed_cidrs"]


def file_source(variables, path="clusters/lab.yml"):
    return {"source": f"@/repo/{path}", "kind": "file", "file": path, "vars": variables}


def kv_source(words, variables):
    return {"source": words, "kind": "kv", "file": None, "vars": variables}


def yaml_source(text, variables):
    return {"source": text, "kind": "yaml", "file": None, "vars": variables}


@pytest.mark.parametrize("argument, kind", [
    ("@clusters/lab.yml", "file"), ('{"node_count": 3}', "yaml"), ("[1]", "yaml"), ("node_count=3", "kv"), ("a=b c", "kv"),
])
def test_source_kind_as_ansible_reads_an_e_argument(argument, kind):
    assert cluster_file.source_kind(argument) == kind


def test_a_file_inside_the_working_directory_is_named_relative_to_it():
    assert cluster_file.file_label("/repo/clusters/lab.yml", cwd="/repo") == "clusters/lab.yml"


def test_a_file_outside_the_working_directory_is_named_in_full():
    assert cluster_file.file_label("/tmp/lab.yml", cwd="/repo") == "/tmp/lab.yml"


def test_a_misspelled_key_of_a_file_names_the_file_the_key_and_the_input():
    assert cluster_file.problems([file_source({"cluster_name": "lab", "node_cout": 3})], INPUTS) == [
        "clusters/lab.yml: node_cout is not an input, so it would have no effect; did you mean node_count? "
        "(every input: clusters/example.yml)"]


def test_a_key_of_a_file_like_no_input_names_the_file_and_the_key():
    assert cluster_file.problems([file_source({"colour": "blue"})], INPUTS) == [
        "clusters/lab.yml: colour is not an input, so it would have no effect (every input: clusters/example.yml)"]


def test_ansible_s_own_variables_are_allowed_in_a_file():
    assert cluster_file.problems([file_source({"ansible_python_interpreter": "/usr/bin/python3"})], INPUTS) == []


def test_unknown_names_outside_a_file_are_left_to_the_misspelling_warning():
    assert cluster_file.problems([kv_source("node_cout=3", {"node_cout": "3"})], INPUTS) == []


def test_a_flag_that_contradicts_the_file_names_the_file_the_key_and_both_values():
    sources = [file_source({"node_count": 1}), kv_source("node_count=5", {"node_count": "5"})]
    assert cluster_file.problems(sources, INPUTS) == [
        "node_count is 1 in clusters/lab.yml but 5 in -e node_count=5; give it once (Ansible would silently keep the last)"]


def test_a_flag_before_the_file_contradicts_it_too():
    sources = [kv_source("instance_type=g5.xlarge", {"instance_type": "g5.xlarge"}), file_source({"instance_type": "g4dn.xlarge"})]
    assert cluster_file.problems(sources, INPUTS) == [
        "instance_type is g5.xlarge in -e instance_type=g5.xlarge but g4dn.xlarge in clusters/lab.yml; "
        "give it once (Ansible would silently keep the last)"]


def test_json_that_contradicts_the_file_names_both_lists():
    sources = [file_source({"ssh_allowed_cidrs": ["192.0.2.10/32"]}),
               yaml_source('{"ssh_allowed_cidrs": ["198.51.100.7/32"]}', {"ssh_allowed_cidrs": ["198.51.100.7/32"]})]
    assert cluster_file.problems(sources, INPUTS) == [
        'ssh_allowed_cidrs is ["192.0.2.10/32"] in clusters/lab.yml but ["198.51.100.7/32"] in -e {"ssh_allowed_cidrs": '
        '["198.51.100.7/32"]}; give it once (Ansible would silently keep the last)']


def test_two_files_that_disagree_name_both():
    sources = [file_source({"node_count": 1}, "clusters/base.yml"), file_source({"node_count": 2})]
    assert cluster_file.problems(sources, INPUTS) == [
        "node_count is 1 in clusters/base.yml but 2 in clusters/lab.yml; give it once (Ansible would silently keep the last)"]


@pytest.mark.parametrize("file_value, words", [(1, "1"), (True, "true"), (False, "false"), ("lab", "lab"), ("g4dn.xlarge", "g4dn.xlarge")])
def test_a_flag_that_repeats_the_file_s_value_is_no_problem(file_value, words):
    sources = [file_source({"node_count": file_value}), kv_source(f"node_count={words}", {"node_count": words})]
    assert cluster_file.problems(sources, INPUTS) == []


def test_two_flags_that_disagree_are_left_to_ansible_as_without_a_file():
    sources = [kv_source("node_count=1", {"node_count": "1"}), kv_source("node_count=2", {"node_count": "2"})]
    assert cluster_file.problems(sources, INPUTS) == []


def test_unknown_keys_come_before_contradictions():
    sources = [file_source({"node_cout": 3, "node_count": 1}), kv_source("node_count=2", {"node_count": "2"})]
    assert [line.split(" ")[0] for line in cluster_file.problems(sources, INPUTS)] == ["clusters/lab.yml:", "node_count"]
