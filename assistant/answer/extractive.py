"""The old home of the extractive answerer, kept so its importers keep working: the units of a passage are in
units.py, the answer per agency (comparisons and lists) in agencies.py, parse_citations in citations.py."""
from __future__ import annotations

from .agencies import AgencyAnswerer
from .citations import parse_citations
from .prompts import NOT_ANSWERED
from .units import Answerer, Unit, split_units
from .units import abstain as _abstain
from .units import answer_from as _answer
from .units import render_units as _render

ExtractiveAnswerer = AgencyAnswerer  # reader.py asks it for comparisons and lists across agencies

__all__ = ["NOT_ANSWERED", "Answerer", "ExtractiveAnswerer", "Unit", "_abstain", "_answer", "_render",
           "parse_citations", "split_units"]
