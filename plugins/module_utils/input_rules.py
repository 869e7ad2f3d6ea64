# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rules for names users type, in one place.

The modules call these functions; the roles reach them as the test plugins of plugins/test/
(`cluster_name is ec2mpi.cluster.cluster_name`), so a name is valid or not for both alike.
Nothing here calls AWS.
"""

import difflib
import ipaddress
import re
from typing import Any
from typing import Dict
from typing import Iterable

# Letters, digits and hyphens, starting with a letter: a tag value, a part of IAM and EC2 names,
# and an Ansible group name once hyphens are underscores; no EC2 filter wildcards (* ?).
CLUSTER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,31}")
# family.size, lower case: g4dn.xlarge, p4de.24xlarge, u-6tb1.metal, c7i.metal-24xl.
INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*")
# IAM's own rule for user names.
IAM_USER_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")


def is_cluster_name(value: Any) -> bool:
    return isinstance(value, str) and CLUSTER_NAME.fullmatch(value) is not None


def is_instance_type(value: Any) -> bool:
    return isinstance(value, str) and INSTANCE_TYPE.fullmatch(value) is not None


def is_iam_user_name(value: Any) -> bool:
    return isinstance(value, str) and IAM_USER_NAME.fullmatch(value) is not None


# How much of the internet SSH may be opened to without allow_world_ssh: a /16 of IPv4, a /48 of IPv6.
WORLD_BOUND = {4: 2 ** 16, 6: 2 ** 80}
# Addresses that are not on the internet: private, shared (CGNAT), loopback and link-local ranges.
NOT_PUBLIC = [ipaddress.ip_network(cidr) for cidr in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "fc00::/7", "fe80::/10", "::1/128",
)]


def public_addresses(network: Any) -> int:
    """How many internet addresses a network holds (the ranges in NOT_PUBLIC nest in it or lie apart from it)."""
    hidden = sum(
        network.num_addresses if network.subnet_of(other) else other.num_addresses if other.subnet_of(network) else 0
        for other in NOT_PUBLIC if other.version == network.version
    )
    return network.num_addresses - hidden


def is_open_to_internet(cidrs: Iterable[str]) -> bool:
    """Whether the CIDRs together cover more public addresses than WORLD_BOUND, by address count, not by spelling.

    0.0.0.0/0, ::0/0, 10.0.0.0/0 and 0.0.0.0/1 with 128.0.0.0/1 all are; a private /8 is not. The CIDRs must be valid."""
    networks = [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]
    for version, bound in WORLD_BOUND.items():
        union = ipaddress.collapse_addresses(network for network in networks if network.version == version)
        if sum(public_addresses(network) for network in union) > bound:
            return True
    return False


# The shared directory (input shared_dir) is the head's own and mounted over the same path on every other node: it
# must not be, or lie under, a directory the system or its packages own (mounted over on a worker, it would hide
# them), and not be a directory of directories or a user's home itself (a mount would hide every user's files,
# or the MPI user's ~/.ssh and ~/hostfile). Names stay plain: the path goes into sshfs's user@host:path.
SHARED_DIR_SYSTEM = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/lost+found", "/proc", "/root",
                     "/run", "/sbin", "/snap", "/sys", "/tmp", "/usr", "/var")
SHARED_DIR_PARENTS = ("/home", "/media", "/mnt", "/opt", "/srv")
SHARED_DIR_NAME = re.compile(r"[A-Za-z0-9._+-]+")


def shared_dir_problem(value: Any) -> str:
    """Why a path cannot be the shared directory, in a few words after the path; empty when it can."""
    if not isinstance(value, str) or not value:
        return "is not a path"
    if not value.startswith("/"):
        return "is relative: give an absolute path"
    if value == "/":
        return "is the root directory"
    names = value[1:].split("/")
    if any(name in ("", ".", "..") for name in names):
        return "is not written plainly (no //, /./, /../ or trailing /)"
    if not all(SHARED_DIR_NAME.fullmatch(name) for name in names):
        return "has characters other than letters, digits and . _ + - in its names"
    top = "/" + names[0]
    if top in SHARED_DIR_SYSTEM:
        return f"is a system directory or lies under one ({', '.join(SHARED_DIR_SYSTEM)})"
    if value in SHARED_DIR_PARENTS:
        return f"is one of {', '.join(SHARED_DIR_PARENTS)} itself: use a directory below it"
    if top == "/home" and len(names) == 2:
        return "is a user's home directory (mounted on the workers it would hide their ~/.ssh and ~/hostfile)"
    return ""


# How alike a name must be to an input's to be taken for a typo of it: node_cout and node_count are (0.95);
# iam_cluster_name, a role variable, and cluster_name are not (0.86).
TYPO_CUTOFF = 0.9


def misspelled_inputs(names: Iterable[str], inputs: Iterable[str]) -> Dict[str, str]:
    """The names that are not inputs but look like one, each with the input it looks like."""
    inputs = list(inputs)
    found = {}
    for name in names:
        if name in inputs or name.startswith("ansible_"):
            continue
        match = difflib.get_close_matches(name, inputs, n=1, cutoff=TYPO_CUTOFF)
        if match:
            found[name] = match[0]
    return found
