"""The emulator's internet gateway: each instance's public IP is translated to its private IP on this machine.

On EC2 an instance never holds its public IP: the internet gateway maps it one to one onto the private
address, and the instance has one interface, in its subnet. Here the same is done with a DNAT rule per
instance in an iptables chain of the emulator's own, hooked into the nat table's OUTPUT for the
emulator's public block only, so connections this machine makes to a public IP reach the container at
the private IP. The block itself is the subnet of the emulator's public Docker network: an address
without a rule goes to that empty bridge, never off this machine.

Adding a second interface with the public IP to each container instead would show the instance an
address it does not have on AWS, and OpenMPI 4.1 then hangs in its first collective even with
btl_tcp_if_include set: the emulator must not give nodes interfaces AWS does not.

Needs root, as Docker's own rules do. Nothing but the emulator's chain and its one jump is touched.
"""

import hashlib
import subprocess

from .config import LocalcloudError

TABLE = "nat"
HOOK = "OUTPUT"


def chain_name(name: str) -> str:
    """The emulator's chain: iptables chain names hold at most 28 characters, emulator names more."""
    return "LOCALCLOUD-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def iptables(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """One iptables command on the nat table, waiting for the xtables lock that Docker also takes."""
    try:
        result = subprocess.run(["iptables", "-w", "-t", TABLE, *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise LocalcloudError("iptables is missing: install it (Debian/Ubuntu: apt-get install iptables); "
                              "the emulator maps public IPs with it") from error
    if check and result.returncode != 0:
        raise LocalcloudError(f"iptables {' '.join(args)} failed: {result.stderr.strip()} (mapping public IPs needs root)")
    return result


def jump(name: str, block: str) -> list[str]:
    """The rule that sends this machine's connections to the public block through the emulator's chain."""
    return [HOOK, "-d", block, "-j", chain_name(name)]


def ensure_gateway(name: str, block: str) -> None:
    """Create the chain and its jump unless they exist."""
    chain = chain_name(name)
    if iptables("-S", chain, check=False).returncode != 0:
        iptables("-N", chain)
    if iptables("-C", *jump(name, block), check=False).returncode != 0:
        iptables("-I", *jump(name, block))


def mappings(name: str) -> dict[str, str]:
    """{public IP: private IP} as the chain has them now (none when there is no chain)."""
    found = {}
    for line in iptables("-S", chain_name(name), check=False).stdout.splitlines():
        words = line.split()
        if "-d" in words and "--to-destination" in words:
            found[words[words.index("-d") + 1].removesuffix("/32")] = words[words.index("--to-destination") + 1]
    return found


def dnat(name: str, public_ip: str, private_ip: str) -> list[str]:
    """The rule of one instance."""
    return [chain_name(name), "-d", f"{public_ip}/32", "-j", "DNAT", "--to-destination", private_ip]


def set_mappings(name: str, wanted: dict[str, str]) -> tuple[list[str], list[str]]:
    """Make the chain map exactly the wanted {public IP: private IP}; return the public IPs (added, removed)."""
    current = mappings(name)
    removed = [public for public, private in current.items() if wanted.get(public) != private]
    added = [public for public, private in wanted.items() if current.get(public) != private]
    for public in removed:
        iptables("-D", *dnat(name, public, current[public]))
    for public in added:
        iptables("-A", *dnat(name, public, wanted[public]))
    return added, removed


def jumps_to(chain: str) -> list[list[str]]:
    """Every rule of the hook that jumps to the chain, as `iptables -S` prints it ("-A OUTPUT -d ... -j <chain>")."""
    return [line.split() for line in iptables("-S", HOOK).stdout.splitlines() if line.split()[-2:] == ["-j", chain]]


def remove_gateway(name: str) -> bool:
    """Remove the chain and every jump to it, whatever block each jump names (a state file may record another block
    than an earlier `up` hooked, and the chain cannot go while a jump remains); return whether there was a chain."""
    chain = chain_name(name)
    if iptables("-S", chain, check=False).returncode != 0:
        return False
    for rule in jumps_to(chain):
        iptables("-D", *rule[1:])
    iptables("-F", chain)
    iptables("-X", chain)
    return True
