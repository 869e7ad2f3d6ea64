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
