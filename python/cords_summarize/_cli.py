"""The `cords-summarize` console script pip installs: runs the executable that came with the package (or the one
_executable() finds), with the same arguments, exit code and output."""
import os
import sys


def main() -> None:
    from . import _executable

    exe = _executable()
    os.execv(exe, [exe] + sys.argv[1:])
