"""Public IPv4 addresses as AWS gives them, from a range that is reserved for testing and never routed.

An instance launched into a subnet that maps public IPs gets one, loses it when stopped and gets a new
one when started (moto already does all three). moto invents them in 54.214.0.0/16, which belongs to
AWS; here they come from the emulator's public block instead: a /20 of 198.18.0.0/15 (RFC 2544, set
aside for benchmarking, never routed on the internet), which the reconciler binds to a Docker network
of its own. So the controller reaches nodes on their public addresses, as on AWS, and never contacts
an address outside loopback and the emulator's networks. (server.py makes moto use addresses().)
"""

import ipaddress
import itertools
from collections.abc import Iterable, Iterator

RESERVED_RANGE = ipaddress.ip_network("198.18.0.0/15")
BLOCK_PREFIX = 20


def free_block(taken: Iterable[str]) -> str:
    """The first /20 of the range that overlaps none of the taken CIDRs (Docker networks, other emulators' blocks)."""
    networks = [network for network in (ipaddress.ip_network(cidr, strict=False) for cidr in taken) if network.version == 4]
    for block in RESERVED_RANGE.subnets(new_prefix=BLOCK_PREFIX):
        if not any(block.overlaps(network) for network in networks):
            return str(block)
    raise ValueError(f"every /{BLOCK_PREFIX} of {RESERVED_RANGE} is taken by a Docker network")


def gateway(block: str) -> str:
    """The block's first address: the Docker bridge's, i.e. this machine's side of the public network."""
    return str(next(ipaddress.ip_network(block).hosts()))


def addresses(block: str) -> Iterator[str]:
    """The block's addresses after the gateway, handed out in turn (a /20 has 4093 before one comes round again)."""
    return itertools.cycle([str(address) for address in itertools.islice(ipaddress.ip_network(block).hosts(), 1, None)])


def contains(block: str, address: str) -> bool:
    """Whether an address moto reports lies in the block (anything else is never attached, never contacted)."""
    return ipaddress.ip_address(address) in ipaddress.ip_network(block)
