"""Demonstration data: real-format ODS codes across the seven regions and clearly synthetic directors with whole
FPPT files.

Organisation codes and names are public NHS reference data. Every director is generated, is flagged
``synthetic`` and describes no real person. ``load_demo`` fills an empty database; ``lookup`` finds the demo's
showcase records (what ``register demo-ids`` prints) for documentation, screenshots and browser tests.
"""

from register.demo.load import load_demo
from register.demo.lookup import DemoIds, is_empty, lookup
from register.demo.reference_data import BOARD, ORGANISATIONS, TRUSTS

__all__ = ["BOARD", "ORGANISATIONS", "TRUSTS", "DemoIds", "is_empty", "load_demo", "lookup"]
