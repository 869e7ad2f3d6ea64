# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""progress: the line a module's wait leaves for its action plugin."""

from ansible_collections.ec2mpi.cluster.plugins.module_utils.progress import Progress


def test_each_line_replaces_the_last_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "progress"
    progress = Progress(str(path))
    progress.say("1/4 instances running")
    progress.say("3/4 instances running")
    assert path.read_text() == "3/4 instances running"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress"]


def test_without_a_file_nothing_is_written(tmp_path):
    Progress(None).say("1/4 instances running")
    assert list(tmp_path.iterdir()) == []
