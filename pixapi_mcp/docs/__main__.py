"""``python -m pixapi_mcp.docs``: rewrite the generated files of the repository's ``llms/`` bundle
and name each one that changed (on stderr: this is a developer command, stdout stays clean)."""

from __future__ import annotations

import sys

from pixapi_mcp.docs.pages import write_bundle


def main() -> None:
    for changed in write_bundle():
        sys.stderr.write(f"wrote llms/{changed}\n")


if __name__ == "__main__":
    main()
