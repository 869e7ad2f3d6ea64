"""Let `ansible-test sanity` bootstrap its virtualenvs without downloading get-pip.py.

ansible-test fetches a pip bootstrap script from a host that many networks (ours included)
cannot reach, but it first looks for a cached copy. This writes that cached copy: a script
that installs pip with the interpreter's own `ensurepip`, then hands ansible-test's package
pins to that pip (which reaches PyPI like any other pip).
"""

import os
import sys
import types

from ansible_test._internal.python_requirements import get_venv_packages

STUB = '''\
"""Written by ec2mpi's tools/ansible-test-offline.py: get-pip.py via ensurepip."""
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + arguments))
'''


def main() -> int:
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    pip_version = get_venv_packages(types.SimpleNamespace(version=python_version))["pip"]
    path = os.path.expanduser(f"~/.ansible/test/cache/get_pip_{pip_version.replace('.', '_')}.py")
    if os.path.exists(path):
        return 0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as stub:
        stub.write(STUB)
    print(f"wrote offline pip bootstrap for ansible-test: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
