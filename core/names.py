"""Registration names: what every record's ``name`` (and ``domain``) must look like."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")


def check_name(name: object, kind: str) -> str:
    """Return ``name`` if it is a valid registration name, else raise ``ValueError``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{kind} name {name!r} is invalid: use lower-case letters, digits, '_', '-' or '.', "
            f"starting with a letter"
        )
    return name
