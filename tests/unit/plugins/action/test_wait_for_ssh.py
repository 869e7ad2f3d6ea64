# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wait_for_ssh: an SSH greeting on 127.0.0.1 counts, anything else or nothing does not; progress is shown."""

import socket
import threading
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.ec2mpi.cluster.plugins.action import wait_for_ssh


def server(greeting):
    """A listener on 127.0.0.1 that sends greeting to every connection; returns its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        while True:
            connection, _address = listener.accept()
            with connection:
                connection.sendall(greeting)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(args):
    task = MagicMock(args=args, async_val=0)
    task.get_name.return_value = "Wait for SSH"
    plugin = wait_for_ssh.ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    plugin._display = MagicMock()
    return plugin.run(task_vars={}), [call.args[0] for call in plugin._display.display.call_args_list]


def test_an_ssh_greeting_counts_and_other_answers_do_not():
    assert wait_for_ssh.greets("127.0.0.1", server(b"SSH-2.0-OpenSSH_9.2\r\n"))
    assert not wait_for_ssh.greets("127.0.0.1", server(b"HTTP/1.1 400 Bad Request\r\n"))
    assert not wait_for_ssh.greets("127.0.0.1", closed_port())


def test_all_answering_returns_at_once():
    port = server(b"SSH-2.0-OpenSSH_9.2\r\n")
    result, shown = run({"nodes": [{"name": "i-1", "address": "127.0.0.1"}], "port": port, "timeout": 10})
    assert result["changed"] is False and not result.get("failed")
    assert shown == []


def test_a_node_that_never_answers_is_named_after_the_timeout_with_progress_on_the_way(monkeypatch):
    clock = iter(range(0, 100, 10))
    monkeypatch.setattr(wait_for_ssh.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(wait_for_ssh.time, "sleep", lambda seconds: None)
    port = server(b"SSH-2.0-OpenSSH_9.2\r\n")
    result, shown = run({"nodes": [{"name": "i-1", "address": "127.0.0.1"}, {"name": "i-2", "address": "127.0.0.2"}],
                         "port": port, "timeout": 30})
    assert result["failed"] is True
    assert result["msg"] == ("after 30 s, i-2 (127.0.0.2) does not answer SSH on port %d: look at them in the EC2 console "
                             "(status checks, system log) and at the security group's SSH rule" % port)
    assert shown[0] == "Wait for SSH: 1/2 nodes answer SSH after 10 s (waiting up to 30 s)"


@pytest.mark.parametrize("args", [{}, {"nodes": [{"name": "i-1"}]}])
def test_bad_arguments_fail(args):
    with pytest.raises(AnsibleActionFail):
        run(args)
