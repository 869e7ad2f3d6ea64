# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rules for names users type, in one place.

The modules call these functions; the roles reach them as the test plugins of plugins/test/
(`cluster_name is ec2mpi.cluster.cluster_name`), so a name is valid or not for both alike.
Nothing here calls AWS.
"""

import re
from typing import Any

# Letters, digits and hyphens, starting with a letter: a tag value, a part of IAM and EC2 names,
# and an Ansible group name once hyphens are underscores; no EC2 filter wildcards (* ?).
CLUSTER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,31}")
# family.size, lower case: g4dn.xlarge, p4de.24xlarge, u-6tb1.metal, c7i.metal-24xl.
INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*")
# IAM's own rule for user names.
IAM_USER_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")


def is_cluster_name(value: Any) -> bool:
    return isinstance(value, str) and CLUSTER_NAME.fullmatch(value) is not None


def is_instance_type(value: Any) -> bool:
    return isinstance(value, str) and INSTANCE_TYPE.fullmatch(value) is not None


def is_iam_user_name(value: Any) -> bool:
    return isinstance(value, str) and IAM_USER_NAME.fullmatch(value) is not None
