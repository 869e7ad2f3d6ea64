# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ssh_config role on the controller, with nodes as ec2_cluster_info describes them, read back by OpenSSH itself.

Each test runs ansible-playbook on localhost (no AWS, no node) with playbooks/vars/node_connection.yml, as the
playbooks pass it, and asks `ssh -G` (which parses a config and connects to nothing) what the file says.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"

pytestmark = pytest.mark.skipif(shutil.which("ssh") is None, reason="needs OpenSSH's client (ssh -G)")


def node(instance_id, role, launch_time, private_ip, public_ip=None, state="running", user="ubuntu"):
    tags = {"ec2mpi:cluster": "lab", "ec2mpi:login-user": user}
    if role:
        tags["ec2mpi:role"] = role
    return {"id": instance_id, "state": state, "role": role, "launch_time": launch_time, "private_ip_address": private_ip,
            "public_ip_address": public_ip, "tags": tags}


HEAD = node("i-0ccc", "head", "2025-01-31T12:00:05+00:00", "10.0.1.7", "198.18.0.7")
# Launched in one RunInstances (the same second): ordered by id.
WORKER_B = node("i-0bbb", "worker", "2025-01-31T12:00:00+00:00", "10.0.1.5", "198.18.0.5", user="admin")
WORKER_A = node("i-0aaa", "worker", "2025-01-31T12:00:00+00:00", "10.0.1.4", "198.18.0.4")
# No public IP: reached at its private one.
PRIVATE_ONLY = node("i-0ddd", "worker", "2025-01-31T12:09:00+00:00", "10.0.1.9")
STOPPED = node("i-0eee", "worker", "2025-01-31T11:00:00+00:00", "10.0.1.8", state="stopped")

PLAYBOOK = """
- name: Write the ssh_config as the playbooks do
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files:
    - {repo}/playbooks/vars/node_connection.yml
  tasks:
    - name: Write it
      ansible.builtin.import_role:
        name: ec2mpi.cluster.ssh_config
      vars:
        ssh_config_path: "{{{{ node_ssh_config_file }}}}"
        ssh_config_nodes: "{{{{ nodes }}}}"
        ssh_config_identity_file: "{{{{ node_ssh_identity_file }}}}"
        ssh_config_options: "{{{{ options | default(node_ssh_options) }}}}"

    - name: Keep Ansible's own ssh arguments for a node, to compare
      ansible.builtin.copy:
        content: "{{{{ [ansible_ssh_private_key_file, ansible_ssh_common_args] | to_json }}}}"
        dest: "{{{{ cluster_local_dir }}}}/ansible_ssh"
        mode: "0600"
      vars:
        instance_id: i-0ccc
      when: not ansible_check_mode
"""


def run(tmp_path, nodes, *args, options=None, make_dir=True):
    """ansible-playbook with the nodes, cluster_local_dir <tmp_path>/lab; (rc, output)."""
    local_dir = tmp_path / "lab"
    if make_dir:
        local_dir.mkdir(exist_ok=True)
    playbook = tmp_path / "ssh_config.yml"
    playbook.write_text(PLAYBOOK.format(repo=REPO))
    extra = {"nodes": nodes, "cluster_local_dir": str(local_dir), "ssh_private_key_path": str(local_dir / "id_ed25519")}
    if options is not None:
        extra["options"] = options
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(ANSIBLE_PLAYBOOK), str(playbook), "-e", json.dumps(extra), *args], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout


def succeeds(tmp_path, nodes, *args, **kwargs):
    rc, output = run(tmp_path, nodes, *args, **kwargs)
    assert rc == 0, output[-3000:]
    return output


def ssh_g(*args):
    """What OpenSSH makes of its config and arguments: {option: first value} as `ssh -G` prints it (lower-case names)."""
    proc = subprocess.run(["ssh", "-G", *args], capture_output=True, text=True, check=True)
    settings = {}
    for line in proc.stdout.splitlines():
        option, _space, value = line.partition(" ")
        settings.setdefault(option, value)
    return settings


def resolved(config, host):
    return ssh_g("-F", str(config), host)


def host_lines(config):
    return [line for line in config.read_text().splitlines() if line.startswith("Host ")]


def test_the_head_is_head_and_node1_then_the_running_workers_by_launch_time_and_id(tmp_path):
    succeeds(tmp_path, [WORKER_B, STOPPED, PRIVATE_ONLY, HEAD, WORKER_A])
    config = tmp_path / "lab" / "ssh_config"
    assert host_lines(config) == ["Host head node1", "Host node2", "Host node3", "Host node4"]
    assert [resolved(config, name)["hostkeyalias"] for name in ("head", "node1", "node2", "node3", "node4")] == [
        "i-0ccc", "i-0ccc", "i-0aaa", "i-0bbb", "i-0ddd"]


def test_each_host_is_its_public_ip_else_its_private_one_as_its_login_user_with_the_cluster_key_and_known_hosts(tmp_path):
    succeeds(tmp_path, [HEAD, WORKER_A, WORKER_B, PRIVATE_ONLY])
    local_dir = tmp_path / "lab"
    config = local_dir / "ssh_config"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    head = resolved(config, "head")
    assert {key: head[key] for key in ("hostname", "user", "hostkeyalias", "identityfile", "identitiesonly",
                                       "stricthostkeychecking", "userknownhostsfile")} == {
        "hostname": "198.18.0.7", "user": "ubuntu", "hostkeyalias": "i-0ccc", "identityfile": str(local_dir / "id_ed25519"),
        "identitiesonly": "yes", "stricthostkeychecking": "accept-new", "userknownhostsfile": str(local_dir / "known_hosts")}
    assert resolved(config, "node3")["user"] == "admin"
    assert resolved(config, "node4")["hostname"] == "10.0.1.9"


def test_the_file_says_what_ansibles_own_ssh_arguments_say(tmp_path):
    succeeds(tmp_path, [HEAD, WORKER_A])
    local_dir = tmp_path / "lab"
    private_key_file, common_args = json.loads((local_dir / "ansible_ssh").read_text())
    by_ansible = ssh_g("-F", "/dev/null", *common_args.split(), "198.18.0.7")
    by_file = resolved(local_dir / "ssh_config", "head")
    assert by_file["identityfile"] == private_key_file
    for option in ("hostname", "hostkeyalias", "stricthostkeychecking", "userknownhostsfile"):
        assert by_file[option] == by_ansible[option], option


def test_a_node_gone_or_stopped_since_leaves_the_file_and_a_rerun_changes_nothing(tmp_path):
    succeeds(tmp_path, [HEAD, WORKER_A, WORKER_B])
    output = succeeds(tmp_path, [HEAD, WORKER_B, dict(WORKER_A, state="stopped")])
    config = tmp_path / "lab" / "ssh_config"
    assert host_lines(config) == ["Host head node1", "Host node2"]
    assert resolved(config, "node2")["hostkeyalias"] == "i-0bbb"
    assert "i-0aaa" not in config.read_text()
    assert "changed=1" in output

    output = succeeds(tmp_path, [HEAD, WORKER_B, dict(WORKER_A, state="stopped")])
    assert "changed=0" in output


def test_a_missing_directory_is_made_for_the_owner_alone_and_one_there_keeps_its_mode(tmp_path):
    succeeds(tmp_path, [HEAD], make_dir=False)
    assert stat.S_IMODE((tmp_path / "lab").stat().st_mode) == 0o700
    (tmp_path / "lab").chmod(0o755)
    succeeds(tmp_path, [HEAD, WORKER_A])
    assert stat.S_IMODE((tmp_path / "lab").stat().st_mode) == 0o755
    assert host_lines(tmp_path / "lab" / "ssh_config") == ["Host head node1", "Host node2"]


def test_check_mode_writes_nothing(tmp_path):
    output = succeeds(tmp_path, [HEAD, WORKER_A], "--check")
    assert not (tmp_path / "lab" / "ssh_config").exists()
    assert "changed=1" in output


@pytest.mark.parametrize("setting", ["no", False])
def test_host_key_checking_turned_off_is_refused_in_one_line(tmp_path, setting):
    rc, output = run(tmp_path, [HEAD], options={"StrictHostKeyChecking": setting})
    assert rc != 0
    assert "ssh_config_options: StrictHostKeyChecking" in output and "use accept-new" in output
    assert not (tmp_path / "lab" / "ssh_config").exists()
