"""Owner aliases of the catalog's images as AWS gives them, which moto does not.

moto marks every image of MOTO_AMIS_PATH as owned by the alias `amazon`, so `Owners=["amazon"]` would find
Canonical's images and any look-alike of another account too. On AWS only Amazon's own images (the Deep
Learning AMIs, for one) carry that alias. After moto loads the catalog, each image keeps the alias its
catalog entry gives (`owner_alias`), or none.
"""

import json
from pathlib import Path
from typing import Any


def aliases(catalog: Path) -> dict[str, str | None]:
    """{image id: owner alias or None} of the catalog file."""
    return {entry["ami_id"]: entry.get("owner_alias") for entry in json.loads(catalog.read_text())}


def keep_catalog_aliases(load_amis: Any, catalog: Path) -> Any:
    by_id = aliases(catalog)

    def load_amis_with_aliases(self: Any) -> None:
        load_amis(self)
        for ami_id, alias in by_id.items():
            if ami_id in self.amis:
                self.amis[ami_id].owner_alias = alias

    load_amis_with_aliases.localcloud_wrapped = True
    return load_amis_with_aliases


def install(catalog: Path) -> None:
    """Fix the aliases of every region's images from now on (idempotent)."""
    # moto takes seconds to import: only the server process pays for it.
    from moto.ec2.models.amis import AmiBackend  # pylint: disable=import-outside-toplevel

    if not getattr(AmiBackend._load_amis, "localcloud_wrapped", False):
        AmiBackend._load_amis = keep_catalog_aliases(AmiBackend._load_amis, catalog)
