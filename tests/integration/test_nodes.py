# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The playbooks on real nodes, the emulator's containers, reached over SSH at their public IPs as on AWS.

A cluster outside the default region, driven by nothing but its cluster file, named on every command.
"""

import ipaddress
import json
import subprocess
import time
import urllib.error
import urllib.request

from cluster_api import ANY_STATE, LIVE_STATES, PUBLIC_RANGE, SSH_ALLOWED_CIDRS, footprint, instances, tags_of
from localcloud.session import run_inventory

REGION = "eu-west-1"
CLUSTER = "eu"
SMOKE_TEST_PASSED = "MPI smoke test passed: 3 ranks on 3 nodes, allreduce sum right"
# Not Jupyter's default, so that the port-forward's local end meets nothing else on this machine.
JUPYTER_PORT = 18888
JUPYTER_URL = f"http://127.0.0.1:{JUPYTER_PORT}"
# The user's own program, as the user wrote it: compiled in the shared directory on the head, run on every node.
HELLO_C = r"""
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    char host[256];
    MPI_Init(&argc, &argv);
    gethostname(host, sizeof host);
    printf("hello from %s\n", host);
    MPI_Finalize();
    return 0;
}
"""


def succeeds(run):
    rc, output, recap = run
    assert rc == 0, output[-4000:]
    return output, recap


def write_cluster_file(path, local_dir, node_count):
    """The cluster's file, as a user writes clusters/<name>.yml once and names it on every command (JSON is YAML);
    its own CIDRs, so its Docker networks never meet another test's."""
    path.write_text(json.dumps({"cluster_name": CLUSTER, "aws_region": REGION, "vpc_cidr": "10.30.0.0/16", "subnet_cidr": "10.30.1.0/24",
                                "ssh_allowed_cidrs": SSH_ALLOWED_CIDRS, "cluster_local_dir": str(local_dir), "node_count": node_count,
                                "jupyter": True, "jupyter_port": JUPYTER_PORT}))


def ssh_config_hosts(config):
    """{Host line's names: {option: value}} of an OpenSSH client file, in the file's order."""
    hosts = {}
    for words in (line.split() for line in config.read_text().splitlines()):
        if words and words[0] == "Host":
            current = hosts.setdefault(" ".join(words[1:]), {})
        elif words and not words[0].startswith("#"):
            current[words[0]] = " ".join(words[1:])
    return hosts


def logs_in_with_the_ssh_config(local_dir, running):
    """<cluster_local_dir>/ssh_config names exactly the running nodes (head first, then by launch time and id) at their
    public IPs, and `ssh -F <it> head` and `... node2` log in to those nodes (EC2 hostnames: ip-10-30-1-N)."""
    config = local_dir / "ssh_config"
    hosts = ssh_config_hosts(config)
    head = next(node for node in running if tags_of(node).get("ec2mpi:role") == "head")
    workers = sorted((node for node in running if node is not head), key=lambda node: (node["LaunchTime"], node["InstanceId"]))
    assert list(hosts) == ["head node1"] + [f"node{number}" for number in range(2, len(running) + 1)]
    assert [host["HostKeyAlias"] for host in hosts.values()] == [node["InstanceId"] for node in [head, *workers]]
    assert [host["HostName"] for host in hosts.values()] == [node["PublicIpAddress"] for node in [head, *workers]]
    for name, node in (("head", head), ("node2", workers[0])):
        login = subprocess.run(["ssh", "-F", str(config), "-o", "BatchMode=yes", name, "hostname"],
                               capture_output=True, text=True, timeout=60, check=False)
        assert login.returncode == 0, login.stderr
        assert login.stdout.strip() == "ip-" + node["PrivateIpAddress"].replace(".", "-")


def inventory_groups(graph):
    """{group: [its own hosts]} from `ansible-inventory --graph` (a member is indented 3 more than its group)."""
    groups, at_depth = {}, {}
    for line in graph.splitlines():
        depth = line.find("--") + 2 if "--" in line else 0
        name = line[depth:].rstrip(":")
        if name.startswith("@"):
            at_depth[depth] = name[1:]
            groups.setdefault(name[1:], [])
        else:
            groups[at_depth[depth - 3]].append(name)
    return groups


def on_head(local_dir, nodes, command, stdin=""):
    """A command as the MPI user on the head, over ssh with the cluster's key and the host key the playbooks recorded."""
    head = next(node for node in nodes if tags_of(node).get("ec2mpi:role") == "head")
    return subprocess.run(
        ["ssh", "-F", "/dev/null", "-i", str(local_dir / "id_ed25519"), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-o", f"UserKnownHostsFile={local_dir / 'known_hosts'}", "-o", f"HostKeyAlias={head['InstanceId']}",
         "-o", "StrictHostKeyChecking=yes", f"ubuntu@{head['PublicIpAddress']}", command],
        input=stdin, capture_output=True, text=True, timeout=120, check=False)


def on_head_once_up(local_dir, command):
    """A command on the head through the ssh_config provision.yml wrote (its host key not yet known: it accepts a new one),
    once the head's sshd answers: provision.yml does not wait for it (mpi-cluster.yml does)."""
    deadline = time.monotonic() + 300
    while True:
        run = subprocess.run(["ssh", "-F", str(local_dir / "ssh_config"), "-o", "BatchMode=yes", "head", command],
                             capture_output=True, text=True, timeout=120, check=False)
        if run.returncode != 255 or time.monotonic() > deadline:
            return run
        time.sleep(5)


def hello_hosts(local_dir, nodes, ranks):
    """The hosts ./hello in the shared directory answered from, one rank per node (as EC2 names them: ip-10-30-1-4)."""
    run = on_head(local_dir, nodes, f"cd /shared && mpirun --hostfile ~/hostfile -np {ranks} --map-by node ./hello")
    assert run.returncode == 0, run.stdout + run.stderr
    return sorted(line.removeprefix("hello from ").split(".")[0] for line in run.stdout.splitlines() if line.startswith("hello from "))


def http_status(url, token=""):
    """The HTTP status of a GET, with Jupyter's token header when given; 0 when nothing answers (yet)."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return 0


def jupyter_answers_through_the_printed_port_forward(local_dir, output):
    """The summary's port-forward reaches JupyterLab on the head's 127.0.0.1: its login page without the token, its API
    only with the token the summary says how to read."""
    config = local_dir / "ssh_config"
    forward = ["ssh", "-F", str(config), "-N", "-L", f"{JUPYTER_PORT}:127.0.0.1:{JUPYTER_PORT}", "head"]
    read_token = ["ssh", "-F", str(config), "head", "cat", "/etc/ec2mpi/jupyter.env"]
    flat = " ".join(output.split())  # the YAML callback may fold a long line
    assert f"jupyter: {' '.join(forward)}" in flat and f"jupyter token: {' '.join(read_token)}" in flat, output[-3000:]
    token = subprocess.run([*read_token[:3], "-o", "BatchMode=yes", *read_token[3:]], capture_output=True, text=True,
                           timeout=60, check=True).stdout.strip().removeprefix("JUPYTER_TOKEN=")
    with subprocess.Popen([*forward[:3], "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", *forward[3:]]) as tunnel:
        try:
            deadline = time.monotonic() + 60
            while tunnel.poll() is None and time.monotonic() < deadline and http_status(f"{JUPYTER_URL}/login") != 200:
                time.sleep(1)
            assert http_status(f"{JUPYTER_URL}/login") == 200
            assert http_status(f"{JUPYTER_URL}/api/status", token) == 200
            assert http_status(f"{JUPYTER_URL}/api/status") == 403
        finally:
            tunnel.terminate()


def short_names(nodes):
    return sorted(node["PrivateDnsName"].split(".")[0] for node in nodes)


def test_a_cluster_in_another_region_lives_its_whole_life_with_only_its_cluster_file(nodes_emulator, nodes_playbook, tmp_path):
    local_dir = tmp_path / "local"
    cluster_file = tmp_path / f"{CLUSTER}.yml"
    write_cluster_file(cluster_file, local_dir, node_count=3)
    args = ["-e", f"@{cluster_file}"]
    ec2 = nodes_emulator.client("ec2", region=REGION)
    iam = nodes_emulator.client("iam", region=REGION)

    succeeds(nodes_playbook("provision.yml", *args))
    nodes = instances(ec2, CLUSTER, states=("running",))
    assert len(nodes) == 3
    assert all(ipaddress.ip_address(node["PublicIpAddress"]) in PUBLIC_RANGE for node in nodes), nodes
    assert instances(nodes_emulator.client("ec2"), CLUSTER, states=ANY_STATE) == [], "something landed in us-west-2"

    # Jupyter's port taken on the head: one line, before any node changes; free again, the same command succeeds.
    squatter = on_head_once_up(local_dir, f"sudo systemd-run --unit=squatter python3 -m http.server --bind 127.0.0.1 {JUPYTER_PORT}")
    assert squatter.returncode == 0, squatter.stderr
    head = next(node for node in nodes if tags_of(node)["ec2mpi:role"] == "head")
    rc, output, recap = nodes_playbook("mpi-cluster.yml", *args)
    assert rc != 0
    in_use = f"jupyter_port {JUPYTER_PORT} is in use on node {head['InstanceId']} by python3: set jupyter_port to a free port"
    assert in_use in " ".join(output.split()), output[-3000:]  # the YAML callback may fold a long line
    assert {host: recap[host]["changed"] for host in recap if host != "localhost"} == {node["InstanceId"]: 0 for node in nodes}
    assert on_head(local_dir, nodes, "sudo systemctl stop squatter").returncode == 0

    output, _recap = succeeds(nodes_playbook("mpi-cluster.yml", *args))
    assert SMOKE_TEST_PASSED in output
    # Check mode on the set-up cluster (Jupyter included): nothing to change anywhere, and the smoke test is named, not run.
    check_output, recap = succeeds(nodes_playbook("mpi-cluster.yml", *args, "--check", "--diff"))
    assert {host: recap[host]["changed"] for host in recap} == {"localhost": 0} | {node["InstanceId"]: 0 for node in nodes}
    assert "check mode: the MPI smoke test would run 3 ranks on 3 nodes" in check_output
    assert "MPI smoke test passed" not in check_output
    jupyter_answers_through_the_printed_port_forward(local_dir, output)
    # Bound to 127.0.0.1 alone: nothing listens on the head's other addresses.
    listening = on_head(local_dir, nodes, f"ss --no-header --listening --tcp --numeric 'sport = :{JUPYTER_PORT}'")
    assert [line.split()[3] for line in listening.stdout.splitlines()] == [f"127.0.0.1:{JUPYTER_PORT}"], listening
    hostfile = [line.split()[0] for line in (local_dir / "hostfile").read_text().splitlines() if not line.startswith("#")]
    assert sorted(hostfile) == sorted(node["PrivateIpAddress"] for node in nodes)
    # ssh in one command, and the one inventory's groups for the head and the workers.
    assert f"ssh: ssh -F {local_dir / 'ssh_config'} head" in " ".join(output.split())  # the YAML callback may fold a long line
    logs_in_with_the_ssh_config(local_dir, nodes)
    rc, graph, errors = run_inventory("--graph", env=nodes_emulator.env)
    assert rc == 0, errors
    groups = inventory_groups(graph)
    assert groups[f"cluster_{CLUSTER}_head"] == [node["InstanceId"] for node in nodes if tags_of(node)["ec2mpi:role"] == "head"]
    assert sorted(groups[f"cluster_{CLUSTER}_workers"]) == sorted(
        node["InstanceId"] for node in nodes if tags_of(node)["ec2mpi:role"] == "worker")

    # The user's own program, written and compiled in the shared directory on the head only, runs on every node.
    compiled = on_head(local_dir, nodes, "cat > /shared/hello.c && cd /shared && mpicc -o hello hello.c", stdin=HELLO_C)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert hello_hosts(local_dir, nodes, 3) == short_names(nodes)

    succeeds(nodes_playbook("playbooks/stop.yml", *args))
    assert {node["State"]["Name"] for node in instances(ec2, CLUSTER, states=LIVE_STATES)} == {"stopped"}

    output, _recap = succeeds(nodes_playbook("playbooks/start.yml", *args))
    assert SMOKE_TEST_PASSED in output
    started = instances(ec2, CLUSTER, states=("running",))
    # As on EC2: the same private IPs, new public ones.
    assert sorted(node["PrivateIpAddress"] for node in started) == sorted(node["PrivateIpAddress"] for node in nodes)
    assert not {node["PublicIpAddress"] for node in started} & {node["PublicIpAddress"] for node in nodes}
    # start.yml rewrote the ssh_config with the new public IPs.
    assert f"ssh: ssh -F {local_dir / 'ssh_config'} head" in " ".join(output.split())  # the YAML callback may fold a long line
    logs_in_with_the_ssh_config(local_dir, started)
    # A unit enabled at boot, so it ran again after the start.
    unit = on_head(local_dir, started, "systemctl is-enabled ec2mpi-jupyter; systemctl is-active ec2mpi-jupyter")
    assert unit.stdout.split() == ["enabled", "active"], unit
    # The workers lost their mounts with the stop; start.yml mounted them again, and the binary is still the head's.
    assert hello_hosts(local_dir, started, 3) == short_names(started)

    output, _recap = succeeds(nodes_playbook("playbooks/status.yml", *args))
    assert f"cluster {CLUSTER} in {REGION}: 3 instances (3 running)" in output
    assert all(node["InstanceId"] in output and node["PublicIpAddress"] in output for node in started)
    assert f"ssh: ssh -F {local_dir / 'ssh_config'} head" in " ".join(output.split())  # the YAML callback may fold a long line

    # A grow: the new node mounts the shared directory with the next mpi-cluster.yml, and runs the same binary.
    write_cluster_file(cluster_file, local_dir, node_count=4)
    succeeds(nodes_playbook("provision.yml", *args))
    output, _recap = succeeds(nodes_playbook("mpi-cluster.yml", *args))
    assert "MPI smoke test passed: 4 ranks on 4 nodes, allreduce sum right" in output
    grown = instances(ec2, CLUSTER, states=("running",))
    assert len(grown) == 4
    assert hello_hosts(local_dir, grown, 4) == short_names(grown)

    succeeds(nodes_playbook("playbooks/teardown.yml", *args, "-e", "teardown_iam=true", "-e", "teardown_local_files=true"))
    left = {kind: ids for kind, ids in footprint(ec2, iam, CLUSTER, instance_states=LIVE_STATES).items() if ids}
    assert left == {}
