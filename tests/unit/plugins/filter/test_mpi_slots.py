# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ec2mpi.cluster.plugins.filter.mpi_slots import mpi_slots

G4DN_12XLARGE = {"ec2mpi:gpus": "4", "ec2mpi:cores": "24", "ec2mpi:vcpus": "48"}


def test_auto_is_the_default():
    assert mpi_slots(G4DN_12XLARGE) == 4


def test_errors_are_filter_errors_naming_the_filter():
    with pytest.raises(AnsibleFilterError, match="mpi_slots: 'many' is not a slot policy"):
        mpi_slots(G4DN_12XLARGE, "many")
