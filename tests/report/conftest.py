"""Fixtures of the report tests (the samples live in report_samples.py)."""

from __future__ import annotations

import pytest
from report_samples import HOSTILE_DOMAIN, HOSTILE_HOST, make_counterexample

from ldmspec.report import Counterexample


@pytest.fixture
def counterexample() -> Counterexample:
    return make_counterexample()


@pytest.fixture
def hostile() -> Counterexample:
    return make_counterexample(domain=HOSTILE_DOMAIN, target=HOSTILE_HOST)
