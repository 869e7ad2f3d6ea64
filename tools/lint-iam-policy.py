#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Render the iam role's operator policy with representative values and evaluate it with parliament.

Fails (exit 1) on a finding of MEDIUM severity or higher, unless tools/iam-policy-allow-list.yml lists
its issue for that statement, with a reason. `make lint` runs it; tests/unit renders the policy with
render_policy() too.
"""

import json
import sys
from pathlib import Path

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.template import trust_as_template

REPO_ROOT = Path(__file__).resolve().parent.parent
ROLE = REPO_ROOT / "roles" / "iam"
TEMPLATE = ROLE / "templates" / "operator-policy.json.j2"
ALLOW_LIST = Path(__file__).with_name("iam-policy-allow-list.yml")
FAILING = ("MEDIUM", "HIGH", "CRITICAL")

# What provision.yml passes for a GPU cluster on the default (Amazon) image, plus what policy.yml looks up.
EXAMPLE = {
    "iam_cluster_name": "mpi",
    "iam_region": "us-west-2",
    "iam_allowed_instance_types": ["g4dn.xlarge", "g5.xlarge"],
    "iam_image_owners": ["amazon"],
    "iam_account_id": "123456789012",
    "iam_partition": "aws",
}


def role_vars() -> dict:
    """The role's vars/main.yml, which the template reads (tag keys, the describe actions)."""
    return yaml.safe_load((ROLE / "vars" / "main.yml").read_text())


def render_policy(values: dict) -> dict:
    """The policy document the role would send to IAM for these values (EXAMPLE's keys)."""
    variables = {name: trust_as_template(value) if isinstance(value, str) else value for name, value in role_vars().items()}
    templar = Templar(loader=DataLoader(), variables={**variables, **values})
    rendered = templar.template(trust_as_template(TEMPLATE.read_text()))
    # Text that reads as JSON comes back as the object itself.
    return json.loads(rendered) if isinstance(rendered, str) else rendered


def findings(policy: dict) -> list:
    """(severity, issue, statement Sid, detail) of every parliament finding, statement by statement (so each names its Sid)."""
    # Imported here: parliament reads its IAM data at import, which render_policy's users do not need.
    import parliament  # pylint: disable=import-outside-toplevel

    found = []
    for statement in policy["Statement"]:
        alone = dict(policy, Statement=[statement])
        for finding in parliament.analyze_policy_string(json.dumps(alone)).findings:
            severity = parliament.config.get(finding.issue, {}).get("severity", "UNKNOWN")
            found.append((severity, finding.issue, statement.get("Sid"), json.dumps(finding.detail, default=str)))
    return found


def allowed(allow_list: list, issue: str, sid: str) -> bool:
    return any(entry["issue"] == issue and entry["sid"] == sid and entry.get("reason") for entry in allow_list)


def main() -> int:
    allow_list = yaml.safe_load(ALLOW_LIST.read_text()) or []
    failed = False
    for severity, issue, sid, detail in findings(render_policy(EXAMPLE)):
        if severity in FAILING and not allowed(allow_list, issue, sid):
            failed = True
            print(f"{TEMPLATE.relative_to(REPO_ROOT)}: {severity} {issue} in statement {sid}: {detail}; fix the statement, or add "
                  f"issue, sid and reason to {ALLOW_LIST.relative_to(REPO_ROOT)}")
        else:
            why = "allow-listed" if severity in FAILING else "below MEDIUM"
            print(f"{TEMPLATE.relative_to(REPO_ROOT)}: {severity} {issue} in statement {sid} ({why}): {detail}")
    if not failed:
        print(f"{TEMPLATE.relative_to(REPO_ROOT)}: parliament finds nothing of MEDIUM severity or higher outside the allow-list")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
