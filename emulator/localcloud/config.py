"""Settings of one emulator, from command-line flags with environment variables as defaults."""

import argparse
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from .public_network import RESERVED_RANGE
from .service_quotas import EC2_VCPU_QUOTAS

HOST = "127.0.0.1"
# The dummy credentials every client of an emulator uses (moto accepts any).
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
PACKAGE_DIR = Path(__file__).resolve().parent
# The package is only used from a checkout (pip install -e), so the recipe and the repo sit next to it.
PROJECT_DIR = PACKAGE_DIR.parent
REPO_ROOT = PROJECT_DIR.parent
# The AMIs moto serves (as MOTO_AMIS_PATH): Canonical's Ubuntu 22.04 and 24.04 names under Canonical's owner
# id, so the playbooks' production image lookup runs unchanged, in both architectures, and one old paravirtual
# 14.04 image, as AWS still lists them. Every instance runs the same container image.
AMIS_FILE = PACKAGE_DIR / "amis.json"
# `localcloud env` unsets these: with one of them set, AWS clients would prefer it to the emulator's key pair.
UNSET_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class LocalcloudError(Exception):
    """Something the user must fix; the message is one line that names the setting or resource and the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything that identifies and tunes one emulator; two emulators differ in name, port and state dir."""

    state_dir: Path
    port: int
    name: str
    interval: float
    default_user: str
    api_only: bool = False
    # "auto" until `up` picks a free block of 198.18.0.0/15 (see public_addresses.py).
    public_cidr: str = "auto"
    dpkg_lock_seconds: int = 75
    # Quota code -> vCPUs, for the quotas that differ from service_quotas.DEFAULT_VCPUS.
    vcpu_quotas: tuple[tuple[str, int], ...] = ()

    @property
    def endpoint_url(self) -> str:
        """The URL every AWS client of this emulator uses."""
        return f"http://{HOST}:{self.port}"

    @property
    def client_environment(self) -> dict[str, str]:
        """What points any AWS client (botocore, Ansible, awscli) at this emulator, as `localcloud env` prints it."""
        return client_environment(self.endpoint_url)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the flags shared by every command; each defaults to its LOCALCLOUD_* variable."""
    env = os.environ.get
    parser.add_argument("--state-dir", default=env("LOCALCLOUD_STATE_DIR", ""),
                        help="pid files, logs and state (env LOCALCLOUD_STATE_DIR, default <repo>/.localcloud)")
    parser.add_argument("--port", default=env("LOCALCLOUD_PORT", "5000"),
                        help="port of the AWS endpoint on 127.0.0.1 (env LOCALCLOUD_PORT, default 5000)")
    parser.add_argument("--name", default=env("LOCALCLOUD_NAME", "default"),
                        help="label and name prefix of Docker objects (env LOCALCLOUD_NAME, default 'default')")
    parser.add_argument("--interval", default=env("LOCALCLOUD_INTERVAL", "1"),
                        help="seconds between reconcile passes (env LOCALCLOUD_INTERVAL, default 1)")
    parser.add_argument("--default-user", default=env("LOCALCLOUD_DEFAULT_USER", "ubuntu"),
                        help="login user created in every instance (env LOCALCLOUD_DEFAULT_USER, default ubuntu)")
    parser.add_argument("--api-only", action="store_true", default=env("LOCALCLOUD_API_ONLY", "") not in ("", "0", "false"),
                        help="run the AWS API only: no reconciler, no containers (env LOCALCLOUD_API_ONLY=1)")
    parser.add_argument("--public-cidr", default=env("LOCALCLOUD_PUBLIC_CIDR", "auto"),
                        help="block of 198.18.0.0/15 for public IPs, or auto for a free /20 (env LOCALCLOUD_PUBLIC_CIDR, default auto)")
    parser.add_argument("--dpkg-lock-seconds", default=env("LOCALCLOUD_DPKG_LOCK_SECONDS", "75"),
                        help="seconds a first-boot job holds the dpkg lock in each new instance, 0 for none "
                             "(env LOCALCLOUD_DPKG_LOCK_SECONDS, default 75)")
    parser.add_argument("--vcpu-quotas", default=env("LOCALCLOUD_VCPU_QUOTAS", ""),
                        help="EC2 On-Demand vCPU quotas that differ from the default 1024, as CODE=vCPUs,... "
                             "e.g. L-DB2E81BA=0 for a new account's G and VT quota (env LOCALCLOUD_VCPU_QUOTAS)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Validate the parsed flags into Settings, failing on the first bad one."""
    return Settings(
        state_dir=parse_state_dir(args.state_dir),
        port=parse_port(args.port),
        name=parse_name(args.name),
        interval=parse_interval(args.interval),
        default_user=parse_user(args.default_user, "LOCALCLOUD_DEFAULT_USER (--default-user)"),
        api_only=args.api_only,
        public_cidr=parse_public_cidr(args.public_cidr),
        dpkg_lock_seconds=parse_seconds(args.dpkg_lock_seconds, "LOCALCLOUD_DPKG_LOCK_SECONDS (--dpkg-lock-seconds)"),
        vcpu_quotas=parse_vcpu_quotas(args.vcpu_quotas),
    )


def parse_state_dir(value: str) -> Path:
    """An explicit directory, else .localcloud in the repository (where .gitignore can cover it)."""
    if value:
        return Path(value).resolve()
    if not (REPO_ROOT / "emulator" / "pyproject.toml").is_file():
        raise LocalcloudError(f"cannot find the repository root above {PACKAGE_DIR}: set LOCALCLOUD_STATE_DIR (--state-dir)")
    return REPO_ROOT / ".localcloud"


def parse_port(value: str) -> int:
    """A TCP port number a normal user may bind."""
    if not value.isdigit() or not 1024 <= int(value) <= 65535:
        raise LocalcloudError(f"LOCALCLOUD_PORT (--port) must be a number from 1024 to 65535, not {value!r}")
    return int(value)


def parse_name(value: str) -> str:
    """A name that is valid inside Docker object names and labels."""
    if not value or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in value) or not value[0].isalnum():
        raise LocalcloudError(f"LOCALCLOUD_NAME (--name) must be letters, digits, '-', '_' or '.', starting with a letter or digit, not {value!r}")
    return value


def parse_interval(value: str) -> float:
    """A positive number of seconds."""
    try:
        interval = float(value)
    except ValueError:
        interval = 0.0
    if interval <= 0:
        raise LocalcloudError(f"LOCALCLOUD_INTERVAL (--interval) must be a positive number of seconds, not {value!r}")
    return interval


def parse_user(value: str, setting: str) -> str:
    """A plausible Unix user name (useradd rejects worse ones later, with a less clear message)."""
    if not value or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in value) or value[0] in "-.":
        raise LocalcloudError(f"{setting} must be a Unix user name such as ubuntu, not {value!r}")
    return value


def parse_public_cidr(value: str) -> str:
    """auto, or a block inside the range reserved for testing (nothing outside it may ever be handed out)."""
    if value == "auto":
        return value
    try:
        block = ipaddress.ip_network(value)
    except ValueError:
        block = None
    if block is None or block.version != 4 or not block.subnet_of(RESERVED_RANGE) or block.prefixlen > 28:
        raise LocalcloudError(f"LOCALCLOUD_PUBLIC_CIDR (--public-cidr) must be auto or a network of /28 or larger inside "
                              f"{RESERVED_RANGE}, not {value!r}")
    return str(block)


def parse_seconds(value: str, setting: str) -> int:
    """A whole number of seconds, 0 or more."""
    if not value.isdigit():
        raise LocalcloudError(f"{setting} must be a whole number of seconds (0 or more), not {value!r}")
    return int(value)


def parse_vcpu_quotas(value: str) -> tuple[tuple[str, int], ...]:
    """CODE=vCPUs pairs separated by commas, each code one of EC2's Running On-Demand quotas."""
    pairs = []
    for item in filter(None, value.split(",")):
        code, _equals, vcpus = item.partition("=")
        if code not in EC2_VCPU_QUOTAS or not vcpus.isdigit():
            raise LocalcloudError(f"LOCALCLOUD_VCPU_QUOTAS (--vcpu-quotas) must be CODE=vCPUs,... with codes among "
                                  f"{', '.join(EC2_VCPU_QUOTAS)}, not {item!r}")
        pairs.append((code, int(vcpus)))
    return tuple(pairs)


def client_environment(endpoint_url: str) -> dict[str, str]:
    """Environment variables that point every AWS client at an endpoint with the dummy credentials.

    botocore reads AWS_ENDPOINT_URL, so amazon.aws modules, its inventory plugin and awscli all follow.
    UNSET_VARIABLES must be absent as well."""
    return {"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


def settings_to_argv(settings: Settings) -> list[str]:
    """Flags that give a child process exactly these settings, whatever its environment says."""
    argv = ["--state-dir", str(settings.state_dir), "--port", str(settings.port), "--name", settings.name,
            "--interval", str(settings.interval), "--default-user", settings.default_user,
            "--public-cidr", settings.public_cidr,
            "--dpkg-lock-seconds", str(settings.dpkg_lock_seconds),
            "--vcpu-quotas", ",".join(f"{code}={vcpus}" for code, vcpus in settings.vcpu_quotas)]
    return argv + ["--api-only"] if settings.api_only else argv
