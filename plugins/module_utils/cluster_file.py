# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rules for a cluster file (`-e @clusters/<name>.yml`) and the other -e sources beside it.

Ansible merges every -e source into one dict, silently: a misspelled key of a file has no effect, and a key
given twice keeps the last value. The lookup plugin ec2mpi.cluster.extra_vars_sources reads the sources
(ansible.context.CLIARGS['extra_vars']) the way ansible.utils.vars.load_extra_vars does; the filter
ec2mpi.cluster.extra_vars_problems applies problems() below; roles/inputs/tasks/nodes.yml, which every
playbook runs first, fails on what it finds. Nothing here calls AWS or imports Ansible's controller code.
"""

import json
import os
from typing import Any
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional

from ansible_collections.ec2mpi.cluster.plugins.module_utils.input_rules import misspelled_inputs

Source = Dict[str, Any]  # {"source": the -e argument, "file": the file or None, "kind": ..., "vars": {name: value}}

# Where a user finds every input: named by the messages.
INPUTS_DOC = "clusters/example.yml"


def source_kind(argument: str) -> str:
    """How Ansible reads one -e argument (load_extra_vars): a file, YAML/JSON text, or key=value words."""
    if argument.startswith("@"):
        return "file"
    if argument[:1] in ("[", "{"):
        return "yaml"
    return "kv"


def file_label(path: str, cwd: Optional[str] = None) -> str:
    """A file as the user named it: relative to the working directory when inside it, else absolute.

    Ansible's CLI has already made the path absolute (maybe_unfrack_path), so the spelling typed is gone."""
    cwd = cwd or os.getcwd()
    relative = os.path.relpath(path, cwd)
    return path if relative == ".." or relative.startswith(".." + os.sep) else relative


def source_label(source: Source) -> str:
    return source["file"] if source.get("file") else f"-e {source['source']}"


def agree(a: Any, b: Any, a_kind: str, b_kind: str) -> bool:
    """Whether two sources give one variable the same value.

    key=value words are always strings: node_count=1 gives '1', which agrees with a file's 1 (and true with
    true) when it reads as that value in YAML."""
    if a == b:
        return True
    for words, other, kind in ((a, b, a_kind), (b, a, b_kind)):
        if kind == "kv" and isinstance(words, str) and words == yaml_scalar_text(other):
            return True
    return False


def yaml_scalar_text(value: Any) -> Optional[str]:
    """How a scalar is written as a key=value word that YAML reads back as the same value, or None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def value_text(value: Any) -> str:
    """A value as a user writes it: scalars plain, lists and dicts as JSON."""
    text = yaml_scalar_text(value)
    return text if text is not None else json.dumps(value, default=str)


def unknown_keys(sources: Iterable[Source], inputs: Iterable[str]) -> List[str]:
    """One line per key of a cluster file that is not an input (names starting with ansible_ are Ansible's own)."""
    inputs = list(inputs)
    problems = []
    for source in sources:
        if source["kind"] != "file":
            continue
        unknown = [name for name in source["vars"] if name not in inputs and not name.startswith("ansible_")]
        looks_like = misspelled_inputs(unknown, inputs)
        for name in unknown:
            hint = f"; did you mean {looks_like[name]}?" if name in looks_like else ""
            problems.append(f"{source['file']}: {name} is not an input, so it would have no effect{hint} (every input: {INPUTS_DOC})")
    return problems


def contradictions(sources: List[Source]) -> List[str]:
    """One line per variable that a cluster file and another -e source set to different values (Ansible keeps the last)."""
    problems = []
    seen: Dict[str, Source] = {}
    for source in sources:
        for name, value in source["vars"].items():
            first = seen.get(name)
            if first is None:
                seen[name] = source
                continue
            if "file" not in (first["kind"], source["kind"]):
                continue
            earlier = first["vars"][name]
            if not agree(earlier, value, first["kind"], source["kind"]):
                problems.append(
                    f"{name} is {value_text(earlier)} in {source_label(first)} but {value_text(value)} "
                    f"in {source_label(source)}; give it once (Ansible would silently keep the last)"
                )
    return problems


def problems(sources: List[Source], inputs: Iterable[str]) -> List[str]:
    """Every problem of the -e sources, each one line naming the file and the key: unknown keys, then contradictions."""
    return unknown_keys(sources, inputs) + contradictions(sources)
