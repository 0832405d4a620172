"""Build hook: with WARGAME_COMPILE=1 the hot modules are compiled to C with mypyc.

The pure-Python package is the default and the reference; a compiled build gives the same
results (CI compares them) about twice as fast, for large batches. See README, "Speed".
"""

import os

from setuptools import setup

HOT_MODULES = [
    "wargame/scenario/expr.py",
    "wargame/engine/program.py",
    "wargame/engine/policies.py",
    "wargame/engine/resolver.py",
    "wargame/engine/rng.py",
    "wargame/engine/state.py",
]

ext_modules = []
if os.environ.get("WARGAME_COMPILE") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(HOT_MODULES, opt_level="3")

setup(ext_modules=ext_modules)
