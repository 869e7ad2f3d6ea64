#!/usr/bin/env bash
# Runs `ansible-test sanity` on a copy of the collection: ansible-test insists on a path
# ending in ansible_collections/<namespace>/<name>, and on the files git would ship. The copy
# lives outside this checkout, where git would otherwise hide it as ignored build output.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
workdir=$(mktemp -d "${TMPDIR:-/tmp}/ec2mpi-sanity.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
copy="$workdir/ansible_collections/ec2mpi/cluster"
mkdir -p "$copy"
cd "$root"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done \
  | tar --null -T - -cf - | tar -xf - -C "$copy"
# Our modules import amazon.aws's module_utils: ansible-test finds other collections only beside ours.
site_collections=$(python3 -c 'import ansible_collections.amazon, os; print(os.path.dirname(list(ansible_collections.amazon.__path__)[0]))')
ln -s "$site_collections/amazon" "$workdir/ansible_collections/amazon"
cd "$copy"
python_version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
ansible-test sanity --color no --python "$python_version" "$@"
