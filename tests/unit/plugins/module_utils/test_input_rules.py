# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.ec2mpi.cluster.plugins.module_utils import input_rules


@pytest.mark.parametrize("name", ["mpi", "mpi-lab", "A1", "a" * 32])
def test_cluster_names_that_are_valid(name):
    assert input_rules.is_cluster_name(name)


@pytest.mark.parametrize("name", ["", "9lives", "a_b", "my cluster", "a*", "a" * 33, None, 7])
def test_cluster_names_that_are_not(name):
    assert not input_rules.is_cluster_name(name)


# Real AWS types of every shape: metal sizes with a suffix, hyphenated families, numbered sizes.
@pytest.mark.parametrize("instance_type", ["p2.xlarge", "g4dn.12xlarge", "c7i.metal-24xl", "u-6tb1.metal", "p4de.24xlarge"])
def test_instance_types_that_are_valid(instance_type):
    assert input_rules.is_instance_type(instance_type)


@pytest.mark.parametrize("instance_type", ["p2xlarge", "G5 xlarge", "g4dn.", ".xlarge", "G4dn.xlarge", None])
def test_instance_types_that_are_not(instance_type):
    assert not input_rules.is_instance_type(instance_type)


@pytest.mark.parametrize("user", ["alice", "ops.team+1@example", "a" * 64])
def test_iam_user_names_that_are_valid(user):
    assert input_rules.is_iam_user_name(user)


@pytest.mark.parametrize("user", ["", "bad user!", "a" * 65, ["alice"]])
def test_iam_user_names_that_are_not(user):
    assert not input_rules.is_iam_user_name(user)


# By the public addresses covered, not by spelling: the whole internet in many forms, and a /16 or /48 at most.
@pytest.mark.parametrize("cidrs", [["0.0.0.0/0"], ["::0/0"], ["10.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"],
                                   ["203.0.0.0/15"], ["203.0.0.0/16", "198.51.0.0/16"], ["2001:db8::/47"]])
def test_cidrs_open_to_the_internet(cidrs):
    assert input_rules.is_open_to_internet(cidrs)


@pytest.mark.parametrize("cidrs", [["203.0.113.7/32"], ["203.0.0.0/16"], ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                                   ["2001:db8::/48"], ["fc00::/7"], ["203.0.0.0/16", "2001:db8::/48"]])
def test_cidrs_that_are_not(cidrs):
    assert not input_rules.is_open_to_internet(cidrs)


INPUTS = ["cluster_name", "node_count", "instance_type", "vpc_id", "mpi_slots"]


def test_misspelled_inputs_name_the_input_they_look_like():
    given = ["node_cout", "cluster_nmae", "instance_typ", "node_count", "iam_cluster_name", "vpc_ic", "ansible_node_count", "playbook_dir"]
    assert input_rules.misspelled_inputs(given, INPUTS) == {
        "node_cout": "node_count",
        "cluster_nmae": "cluster_name",
        "instance_typ": "instance_type",
    }


@pytest.mark.parametrize("path", ["/shared", "/home/ubuntu/shared", "/opt/shared", "/srv/mpi", "/mnt/scratch", "/data/run-1.2+x"])
def test_shared_dirs_that_are_valid(path):
    assert input_rules.shared_dir_problem(path) == ""


@pytest.mark.parametrize("path, problem", [
    ("shared", "is relative: give an absolute path"),
    ("./shared", "is relative: give an absolute path"),
    ("/", "is the root directory"),
    ("", "is not a path"),
    (None, "is not a path"),
    ("/shared/", "is not written plainly (no //, /./, /../ or trailing /)"),
    ("//shared", "is not written plainly (no //, /./, /../ or trailing /)"),
    ("/opt/../etc", "is not written plainly (no //, /./, /../ or trailing /)"),
    ("/my shared", "has characters other than letters, digits and . _ + - in its names"),
    ("/a:b", "has characters other than letters, digits and . _ + - in its names"),
    ("/home", "is one of /home, /media, /mnt, /opt, /srv itself: use a directory below it"),
    ("/opt", "is one of /home, /media, /mnt, /opt, /srv itself: use a directory below it"),
    ("/home/ubuntu", "is a user's home directory (mounted on the workers it would hide their ~/.ssh and ~/hostfile)"),
])
def test_shared_dirs_that_are_not(path, problem):
    assert input_rules.shared_dir_problem(path) == problem


@pytest.mark.parametrize("path", ["/usr", "/usr/local/shared", "/etc", "/var/tmp/x", "/tmp", "/tmp/shared", "/lib64", "/root/x",
                                  "/proc", "/boot", "/dev/shm"])
def test_shared_dirs_in_system_directories_are_not(path):
    assert input_rules.shared_dir_problem(path).startswith("is a system directory or lies under one (/bin, /boot, /dev, /etc,")
