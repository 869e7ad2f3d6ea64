#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_cluster_info
version_added: 0.1.0
short_description: List the AWS resources of an ec2mpi cluster, or of every ec2mpi cluster in a region
description:
  - Finds every resource tagged C(ec2mpi:cluster=<cluster_name>) in the region, by type. These are the
    resources M(ec2mpi.cluster.ec2_cluster_teardown) deletes.
  - One Describe call per EC2 resource type, filtered on the tag. Terminated instances are not listed.
  - IAM is global but the iam role names and tags its objects with the region, so the IAM resources listed are
    those of the module's region (and those of releases before regions, which belong to every region). That is the
    policies tagged C(ec2mpi:region) for it, the users the cluster created there (C(ec2mpi:created-by=<cluster>/<region>)),
    never a user that existed before. IAM groups cannot be tagged; a group belongs to a cluster when it is named
    C(ec2mpi-<cluster_name>-<region>-operators) (C(ec2mpi-<cluster_name>-operators) before regions) or has one of the
    cluster's policies attached.
  - Read-only; never changes anything. Check mode returns the same result.
author:
  - ec2mpi developers (@ec2mpi)
options:
  cluster_name:
    description:
      - The cluster, as the playbooks' C(cluster_name) (the value of the C(ec2mpi:cluster) tag).
      - Required unless O(all_clusters=true).
    type: str
  all_clusters:
    description:
      - List the resources of every ec2mpi cluster in the region, with RV(clusters) and RV(orphans).
      - Mutually exclusive with O(cluster_name).
    type: bool
    default: false
  include_iam:
    description:
      - Also list the cluster's IAM policies, users and groups.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: List what cluster mpi-lab owns in us-west-2
  ec2mpi.cluster.ec2_cluster_info:
    region: us-west-2
    cluster_name: mpi-lab
  register: cluster

- name: Show the nodes
  ansible.builtin.debug:
    msg: "{{ cluster.resources.instances | map(attribute='private_ip_address') | join(', ') }}"

- name: Find every ec2mpi cluster in the region, and those left without instances
  ec2mpi.cluster.ec2_cluster_info:
    region: us-west-2
    all_clusters: true
    include_iam: false
  register: everything

- name: Name the clusters nothing runs in any more
  ansible.builtin.debug:
    msg: "orphaned clusters: {{ everything.orphans | join(', ') or 'none' }}"
"""

RETURN = r"""
resources:
  description:
    - The resources found, by type; each a list of snake_case dicts with at least C(id),
      C(name) (the resource's name, or its C(Name) tag), C(cluster) and C(tags).
    - Besides those, instances have the fields shown below; every other type has all the fields of its
      AWS description in snake_case (for IAM groups also C(matched_by), V(name) or V(attached policy)).
    - The keys V(iam_policies), V(iam_users) and V(iam_groups) are present only with O(include_iam=true).
  returned: success
  type: dict
  contains:
    instances:
      description: The instances in any state but terminated.
      returned: always
      type: list
      elements: dict
      contains:
        id:
          description: The instance id.
          returned: always
          type: str
          sample: i-0123456789abcdef0
        name:
          description: The C(Name) tag.
          returned: always
          type: str
          sample: ec2mpi-mpi-lab
        state:
          description: The instance state.
          returned: always
          type: str
          sample: running
        instance_type:
          description: The instance type.
          returned: always
          type: str
          sample: g4dn.xlarge
        private_ip_address:
          description: The private IPv4 address.
          returned: always
          type: str
          sample: 10.0.1.17
        public_ip_address:
          description: The public IPv4 address, null when it has none.
          returned: always
          type: str
          sample: 203.0.113.7
        role:
          description: The C(ec2mpi:role) tag (V(head) or V(worker)), null before it is set.
          returned: always
          type: str
          sample: head
        launch_time:
          description: When the instance was launched (ISO 8601).
          returned: always
          type: str
          sample: "2025-01-31T12:00:00+00:00"
        subnet_id:
          description: The subnet.
          returned: always
          type: str
          sample: subnet-0123456789abcdef0
        vpc_id:
          description: The VPC.
          returned: always
          type: str
          sample: vpc-0123456789abcdef0
        cluster:
          description: The C(ec2mpi:cluster) tag.
          returned: always
          type: str
          sample: mpi-lab
        tags:
          description: All tags.
          returned: always
          type: dict
          sample: {"ec2mpi:cluster": mpi-lab, "ec2mpi:role": head, Name: ec2mpi-mpi-lab}
    vpcs:
      description: The VPCs.
      returned: always
      type: list
      elements: dict
      sample: [{id: vpc-0123456789abcdef0, name: ec2mpi-mpi-lab, cluster: mpi-lab, cidr_block: 10.0.0.0/16, tags: {}}]
    subnets:
      description: The subnets.
      returned: always
      type: list
      elements: dict
    route_tables:
      description: The route tables.
      returned: always
      type: list
      elements: dict
    internet_gateways:
      description: The internet gateways.
      returned: always
      type: list
      elements: dict
    security_groups:
      description: The security groups.
      returned: always
      type: list
      elements: dict
    key_pairs:
      description: The key pairs.
      returned: always
      type: list
      elements: dict
    placement_groups:
      description: The placement groups.
      returned: always
      type: list
      elements: dict
    iam_policies:
      description: The customer managed policies tagged with the cluster.
      returned: when O(include_iam=true)
      type: list
      elements: dict
    iam_users:
      description: The IAM users tagged with the cluster.
      returned: when O(include_iam=true)
      type: list
      elements: dict
    iam_groups:
      description:
        - The IAM groups named C(ec2mpi-<cluster>-<region>-operators) (or C(ec2mpi-<cluster>-operators), before regions)
          or holding one of the cluster's policies.
      returned: when O(include_iam=true)
      type: list
      elements: dict
count:
  description: How many resources RV(resources) lists in all.
  returned: success
  type: int
  sample: 12
clusters:
  description: Per cluster, how many resources of each type it has and how many of its instances run.
  returned: when O(all_clusters=true)
  type: dict
  sample: {mpi-lab: {instances: 2, running_instances: 2, vpcs: 1, subnets: 1, security_groups: 1}}
orphans:
  description:
    - The clusters with EC2 resources in the region but no pending, running, stopping or stopped instance,
      sorted. IAM is global, so IAM resources alone never make a cluster an orphan.
  returned: when O(all_clusters=true)
  type: list
  elements: str
  sample: [old-lab]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ec2mpi.cluster.plugins.module_utils import cluster_resources as cr


def input_problem(cluster_name, all_clusters: bool):
    """One line naming the bad input and its fix, or None."""
    if cluster_name and all_clusters:
        return "cluster_name and all_clusters: true are mutually exclusive; set one of them"
    if not cluster_name and not all_clusters:
        return "cluster_name is required: set it to the cluster's name (its ec2mpi:cluster tag), or set all_clusters: true to list every cluster"
    return cr.invalid_cluster_name_message(cluster_name) if cluster_name else None


def main():
    argument_spec = dict(
        cluster_name=dict(type="str"),
        all_clusters=dict(type="bool", default=False),
        include_iam=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    cluster_name = module.params["cluster_name"] or None
    all_clusters = module.params["all_clusters"]
    include_iam = module.params["include_iam"]
    problem = input_problem(cluster_name, all_clusters)
    if problem:
        module.fail_json(msg=problem)

    ec2_client = module.client("ec2")
    iam_client = module.client("iam") if include_iam else None
    try:
        found = cr.discover(ec2_client, iam_client, cluster_name, include_iam, module.region)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    result = dict(changed=False, resources=cr.summaries(found), count=cr.count(found))
    if all_clusters:
        result.update(clusters=cr.cluster_counts(found), orphans=cr.orphans(found))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
