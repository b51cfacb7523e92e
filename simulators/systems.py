"""The list of simulated systems. Adding a system = one module + one entry here."""

from __future__ import annotations

from simulators.bank import Bank
from simulators.core import System

SYSTEMS: tuple[type[System], ...] = (Bank,)
