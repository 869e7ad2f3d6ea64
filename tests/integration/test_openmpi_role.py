# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ec2mpi.cluster.openmpi's dnf path, as far as it can run here.

Debian/Ubuntu are installed for real on the emulator's containers (Molecule). No RHEL-family
package repository is reachable from this project's machines, so the dnf install itself cannot
run; what can is checked: the RHEL-family variables, and the PATH setup they drive, in check
mode with --diff (nothing is written).
"""

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "roles" / "openmpi"


def test_redhat_variables_name_the_dnf_packages_and_paths():
    redhat = yaml.safe_load((ROLE / "vars" / "RedHat.yml").read_text())
    assert {"openmpi", "openmpi-devel", "gcc"} <= set(redhat["openmpi_packages"])
    assert redhat["openmpi_bin_dir"] == "/usr/lib64/openmpi/bin"
    assert redhat["openmpi_mca_params_file"] == "/etc/openmpi-x86_64/openmpi-mca-params.conf"


def test_redhat_path_setup_in_check_mode_shows_both_shells_and_writes_nothing(tmp_path):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    before = {path: path.read_bytes() if path.exists() else None for path in (Path("/etc/profile.d/openmpi.sh"), Path("/etc/bashrc"))}
    run = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "--check", "--diff", str(ROOT / "tests/integration/openmpi_redhat_playbook.yml")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'export PATH="/usr/lib64/openmpi/bin:$PATH"' in run.stdout  # profile.d for login shells
    assert 'export PATH="/usr/lib64/openmpi/bin:$PATH"  # ec2mpi.cluster.openmpi' in run.stdout  # bashrc for SSH
    assert "changed=2" in run.stdout
    after = {path: path.read_bytes() if path.exists() else None for path in before}
    assert after == before, "check mode wrote files"
