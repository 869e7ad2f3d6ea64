# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import re

from ansible_collections.ec2mpi.cluster.plugins.module_utils.image_recipe import COLLECTION_ROOT
from ansible_collections.ec2mpi.cluster.plugins.module_utils.image_recipe import RECIPE_FILES
from ansible_collections.ec2mpi.cluster.plugins.module_utils.image_recipe import recipe_hash


def recipe_of(tmp_path, contents):
    for name, text in contents.items():
        (tmp_path / name).write_text(text)
    return recipe_hash(tmp_path, list(contents))


def test_the_recipe_is_twelve_hex_digits_of_the_collection_s_files():
    assert re.fullmatch("[0-9a-f]{12}", recipe_hash())
    assert recipe_hash() == recipe_hash(COLLECTION_ROOT, RECIPE_FILES)


def test_every_recipe_file_exists():
    assert [name for name in RECIPE_FILES if not (COLLECTION_ROOT / name).is_file()] == []


def test_a_changed_package_list_is_a_new_recipe_and_the_same_files_the_same(tmp_path):
    before = recipe_of(tmp_path, {"a.yml": "packages: [gcc]\n", "b.yml": "x\n"})
    assert recipe_of(tmp_path, {"a.yml": "packages: [gcc]\n", "b.yml": "x\n"}) == before
    assert recipe_of(tmp_path, {"a.yml": "packages: [gcc, make]\n", "b.yml": "x\n"}) != before


def test_a_line_moved_to_another_file_is_a_new_recipe(tmp_path):
    assert recipe_of(tmp_path, {"a.yml": "gcc\n", "b.yml": ""}) != recipe_of(tmp_path, {"a.yml": "", "b.yml": "gcc\n"})
