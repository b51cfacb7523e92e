"""The list of simulated systems. Adding a system = one module + one entry here."""

from __future__ import annotations

from simulators.archives import Archives
from simulators.bank import Bank
from simulators.core import System
from simulators.hmrc import Hmrc
from simulators.insee import Insee
from simulators.registry import Registry
from simulators.scoring import Scoring
from simulators.vies import Vies

SYSTEMS: tuple[type[System], ...] = (Bank, Registry, Archives, Scoring, Insee, Vies, Hmrc)
