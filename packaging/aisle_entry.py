"""Entry point of the frozen Aisle.

`aisle --bundle-selftest ...` checks the bundle itself (see bundle_selftest.py); every other command line goes to
`app.compose.cli.main`, exactly as the `aisle` console script of a source install.
"""

import sys


def run() -> int:
    if sys.argv[1:2] == ["--bundle-selftest"]:
        import bundle_selftest

        return bundle_selftest.main(sys.argv[2:])
    from app.compose.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
