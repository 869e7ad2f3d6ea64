# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""clusters/example.yml against roles/inputs/meta/argument_specs.yml, the one home of the inputs and their defaults.

The example's convention: every input has one line `# <name>: <default>` (commented out: a copy of the file sets
nothing it does not mean to), except cluster_name, set to its default so that the file names its cluster, and the
inputs without a default, set to an example; each such line follows a one-line comment saying what the input is.
"""

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "clusters" / "example.yml"
OPTIONS = yaml.safe_load((ROOT / "roles" / "inputs" / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
# A key line, set or commented out: input names are lower case, the comments' prose starts with a capital.
KEY_LINE = re.compile(r"^(#\s)?([a-z][a-z0-9_]*):(?:\s(.*))?$")
TEST_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


def key_lines():
    """[(line number, commented, name, value read as YAML)] of every key line."""
    lines = EXAMPLE.read_text().splitlines()
    found = []
    for number, line in enumerate(lines):
        match = KEY_LINE.match(line)
        if match:
            found.append((number, bool(match.group(1)), match.group(2), yaml.safe_load(match.group(3) or "")))
    return lines, found


def test_the_example_has_one_line_per_input_and_no_other_key():
    _lines, found = key_lines()
    names = [name for _number, _commented, name, _value in found]
    assert sorted(names) == sorted(OPTIONS)
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("name", [name for name, spec in OPTIONS.items() if "default" in spec])
def test_an_input_with_a_default_shows_that_default_commented_out_but_cluster_name(name):
    _lines, found = key_lines()
    [(commented, value)] = [(commented, value) for _number, commented, key, value in found if key == name]
    assert (commented, value) == (name != "cluster_name", OPTIONS[name]["default"])


def test_the_inputs_without_a_default_are_set_to_a_test_net_example():
    _lines, found = key_lines()
    required = sorted(name for name, spec in OPTIONS.items() if "default" not in spec)
    assert required == ["ssh_allowed_cidrs"]
    set_keys = {name: value for _number, commented, name, value in found if not commented}
    assert sorted(set_keys) == ["cluster_name", "ssh_allowed_cidrs"]
    cidrs = [ipaddress.ip_network(cidr) for cidr in set_keys["ssh_allowed_cidrs"]]
    assert cidrs and all(any(cidr.subnet_of(net) for net in TEST_NETS) for cidr in cidrs), cidrs


def test_every_input_line_follows_a_one_line_comment():
    lines, found = key_lines()
    uncommented = [name for number, _commented, name, _value in found
                   if not re.match(r"^# [A-Z]", lines[number - 1]) or KEY_LINE.match(lines[number - 1])]
    assert uncommented == []


def test_the_example_as_a_cluster_file_sets_only_what_it_shows():
    assert yaml.safe_load(EXAMPLE.read_text()) == {"cluster_name": "mpi", "ssh_allowed_cidrs": ["192.0.2.10/32"]}
