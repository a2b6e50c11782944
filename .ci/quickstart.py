"""Print one of the README quick start's two commands: `setup` (build the site) or `test`."""

import re
import sys
from pathlib import Path

readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
section = readme.split("## Quick start", 1)[1]
block = re.search(r"```\w*\n(.*?)```", section, re.S)[1]
commands = [line for line in block.splitlines() if line.strip()]
if len(commands) != 2:
    sys.exit(f"README quick start: expected exactly two commands, found {len(commands)}")
print(commands[{"setup": 0, "test": 1}[sys.argv[1]]])
