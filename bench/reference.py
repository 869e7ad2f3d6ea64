# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reference: the tutorial's awscli routine, typed as the tutorial types it, one `aws` process per command.

It is what provision.yml replaces, so it sets the floor for wall time and API requests: no
checks, no IAM, no VPC of its own, no waiting for the instances."""

import json
import subprocess
import tempfile
import time
from pathlib import Path

from localcloud.session import BIN_DIR, REGION, Emulator

from measurement import BenchError, Measurement, Timing, measure

SUITE = "reference"
AWS_CLI = BIN_DIR / "aws"
# The tutorial's instance type, and Canonical's Ubuntu 22.04, which the playbooks look up too.
INSTANCE_TYPE = "p2.xlarge"
CANONICAL = "099720109477"
AMI_NAME_PATTERN = "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*"
AWS_CLI_TIMEOUT = 120


def run(emulator: Emulator, nodes: int, repeat: int) -> Measurement:
    """The routine for `nodes` instances in an empty account; finding the AMI is not part of it (the tutorial hard-codes one)."""
    emulator.reset_state()
    image_id = find_image(emulator)
    return measure(emulator, SUITE, nodes, repeat, lambda: tutorial_routine(emulator, image_id, nodes, repeat))


def find_image(emulator: Emulator) -> str:
    """An Ubuntu image of the emulator's, as the tutorial's hard-coded AMI id stands for one."""
    images = emulator.client("ec2").describe_images(Owners=[CANONICAL], Filters=[{"Name": "name", "Values": [AMI_NAME_PATTERN]}])["Images"]
    if not images:
        raise BenchError(f"the emulator at {emulator.endpoint_url} has no image named {AMI_NAME_PATTERN}: the reference needs one")
    return max(images, key=lambda image: image["CreationDate"])["ImageId"]


def tutorial_routine(emulator: Emulator, image_id: str, nodes: int, repeat: int) -> Timing:
    """Security group, SSH rule, key pair saved as a 0400 .pem, run-instances, then describe-instances to find the ids."""
    group = f"bench-ref-{nodes}-{repeat}"
    key_name = f"bench-ref-{nodes}-{repeat}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ec2mpi-bench-ref-") as keys_dir:
        aws(emulator, "ec2", "create-security-group", "--group-name", group, "--description", "MPI cluster (tutorial reference)")
        aws(emulator, "ec2", "authorize-security-group-ingress", "--group-name", group,
            "--protocol", "tcp", "--port", "22", "--cidr", "127.0.0.1/32")
        key_file = Path(keys_dir) / f"{key_name}.pem"
        key_file.write_text(aws(emulator, "ec2", "create-key-pair", "--key-name", key_name, "--query", "KeyMaterial", "--output", "text"))
        key_file.chmod(0o400)
        aws(emulator, "ec2", "run-instances", "--image-id", image_id, "--count", str(nodes), "--instance-type", INSTANCE_TYPE,
            "--key-name", key_name, "--security-groups", group)
        described = aws(emulator, "ec2", "describe-instances")
    seconds = time.monotonic() - started
    # The tutorial greps InstanceId; parsing the same output counts them without guessing at its layout.
    instance_ids = [instance["InstanceId"] for reservation in json.loads(described)["Reservations"]
                    for instance in reservation["Instances"]]
    if len(instance_ids) < nodes:
        raise BenchError(f"the reference ran {nodes} instances but describe-instances lists {len(instance_ids)}")
    return Timing(seconds=seconds)


def aws(emulator: Emulator, *args: str) -> str:
    """One `aws` command as the tutorial types it, against the emulator (its environment: AWS_ENDPOINT_URL, dummy credentials,
    no config files); its stdout."""
    command = [str(AWS_CLI), "--region", REGION, *args]
    try:
        proc = subprocess.run(command, env=emulator.env, capture_output=True, text=True, timeout=AWS_CLI_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"aws {' '.join(args)} did not finish within {AWS_CLI_TIMEOUT} s") from error
    if proc.returncode != 0:
        raise BenchError(f"aws {' '.join(args)} failed (rc {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout
