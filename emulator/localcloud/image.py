"""The base image of every emulated instance: built once per recipe, then reused from Docker's cache."""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TextIO

import docker
import docker.errors

from .config import PROJECT_DIR, LocalcloudError
from .mirror import SUITE, debian_mirror

RECIPE_DIR = PROJECT_DIR / "image"
REPOSITORY = "ec2mpi-localcloud-base"
RECIPE_LABEL = "ec2mpi.localcloud.recipe"
# Instances boot systemd, as EC2 instances do; it runs localcloud-init (cloud-init's stand-in) and then sshd.
INIT_COMMAND = "/sbin/init"
# Where configure-rootfs finds the recipe inside the debootstrapped tree, during the build only.
RECIPE_IN_ROOTFS = "tmp/localcloud-recipe"
# The certificate authorities this machine adds to the public ones (a TLS-intercepting egress proxy's, say). An EC2
# instance reaches PyPI and other HTTPS sources with the public CAs; an instance here reaches them through this
# machine's network, so it trusts what this machine trusts, or pip on a node fails where it works on AWS.
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")
# Where Debian's update-ca-certificates reads them, inside the image.
LOCAL_CA_IN_ROOTFS = "usr/local/share/ca-certificates"


def recipe_files() -> list[Path]:
    """Every file that shapes the image; all of them feed the tag."""
    if not RECIPE_DIR.is_dir():
        raise LocalcloudError(f"image recipe {RECIPE_DIR} is missing: install the package from a checkout with pip install -e localcloud")
    return sorted(p for p in RECIPE_DIR.iterdir() if p.is_file())


def local_ca_files() -> list[Path]:
    """This machine's added CA certificates (update-ca-certificates takes *.crt), none when it has none."""
    return sorted(LOCAL_CA_DIR.rglob("*.crt")) if LOCAL_CA_DIR.is_dir() else []


def recipe_hash() -> str:
    """A short hash of the recipe and of the CAs it copies, so an edited recipe or a new CA gets a new tag and a fresh build."""
    digest = hashlib.sha256()
    for path in recipe_files() + local_ca_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def image_tag() -> str:
    """The tag the current recipe builds."""
    return f"{REPOSITORY}:{recipe_hash()}"


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    """Whether Docker already holds the image."""
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def packages() -> list[str]:
    """The package names in packages.txt, comments and blank lines dropped."""
    lines = (line.split("#", 1)[0].strip() for line in (RECIPE_DIR / "packages.txt").read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def build_image(client: docker.DockerClient, log_path: Path) -> str:
    """Build the current recipe's image; its output goes to log_path."""
    tag = image_tag()
    mirror = debian_mirror()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        build_with_debootstrap(client, tag, mirror, log)
    return tag


def build_with_debootstrap(client: docker.DockerClient, tag: str, mirror: str, log: TextIO) -> None:
    """debootstrap a root filesystem, run the recipe in it, docker import it: needs no registry."""
    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        raise LocalcloudError("building the base image needs root and debootstrap: run as root with debootstrap installed "
                              "(make system-deps installs it)")
    with tempfile.TemporaryDirectory(prefix="localcloud-rootfs-") as workdir:
        rootfs = Path(workdir) / "rootfs"
        run_logged(["debootstrap", "--variant=minbase", f"--include={','.join(packages())}", SUITE, str(rootfs), mirror], log)
        recipe = rootfs / RECIPE_IN_ROOTFS
        shutil.copytree(RECIPE_DIR, recipe)
        for certificate in local_ca_files():
            target = rootfs / LOCAL_CA_IN_ROOTFS / certificate.relative_to(LOCAL_CA_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(certificate, target)
        run_logged(["chroot", str(rootfs), f"/{RECIPE_IN_ROOTFS}/configure-rootfs", mirror], log)
        shutil.rmtree(recipe)
        tarball = Path(workdir) / "rootfs.tar"
        run_logged(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(tarball), "."], log)
        repository, version = tag.split(":", 1)
        client.api.import_image(src=str(tarball), repository=repository, tag=version, changes=[
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            f'CMD ["{INIT_COMMAND}"]',
            f"LABEL {RECIPE_LABEL}={recipe_hash()}",
        ])
    if not image_exists(client, tag):
        raise LocalcloudError(f"docker import did not create {tag} (see {log.name}): check that the Docker engine accepts imports")


def run_logged(command: list[str], log: TextIO) -> None:
    """Run one build step with its output in the build log; a failure names the step and the log."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise LocalcloudError(f"image build step {command[0]} failed with exit code {result.returncode} (see {log.name}): "
                              "check LOCALCLOUD_DEBIAN_MIRROR and the network, then run localcloud build-image")
