# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: image_recipe
version_added: 0.3.0
short_description: The recipe hash of a baked cluster image
description:
  - A hash of the files that say what C(playbooks/image.yml) installs on an image (the package lists of the openmpi
    and shared_dir roles, the tasks that install them, the bake's own tasks), read on the controller.
  - C(playbooks/image.yml) tags the images it bakes with it (C(ec2mpi:image)); C(provision.yml) with C(ami_id=baked)
    boots the newest image tagged with it. The rule lives in C(plugins/module_utils/image_recipe.py).
author:
  - ec2mpi developers (@ec2mpi)
options: {}
"""

EXAMPLES = r"""
- name: Say which recipe this checkout bakes
  ansible.builtin.debug:
    msg: "recipe {{ lookup('ec2mpi.cluster.image_recipe') }}"
"""

RETURN = r"""
_raw:
  description: One element, the recipe hash (12 hex digits).
  type: list
  elements: str
  sample: [3f2a9c0d41b7]
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.ec2mpi.cluster.plugins.module_utils.image_recipe import recipe_hash


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [recipe_hash()]
