"""Shared fixtures: a tiny hand-built scenario whose right answers are known."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from wargame.engine.model import WargameModel
from wargame.engine.records import turn_records_to_json
from wargame.scenario.loading import Scenario, load_scenario_text


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as a person presses it, however the run was started: a shell without job control
    starts background commands with SIGINT ignored, every process inherits that, and the tests
    that press Ctrl-C on a batch would find it deaf. (Main process and each xdist worker.)"""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


# CI runs the same examples every time (a failure there is reproducible); locally hypothesis
# explores new ones on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

TINY: dict[str, Any] = {
    "scenario": {"id": "tiny", "title": "Tiny", "start_date": "2020-01-01", "turns": 4},
    "parameters": {
        "deterrence_strength": {"value": 1.0, "assumption": [0, 10]},
        "spiral_strength": {"value": 1.0, "assumption": [0, 10]},
        "weak_below": {"value": 0.5, "assumption": [0, 1]},
    },
    "categories": {
        "de_escalation": -2,
        "status_quo": 0,
        "posturing": 4,
        "non_violent_escalation": 12,
        "violent_escalation": 28,
        "nuclear": 60,
    },
    "state": {
        "variables": {
            "tension": {"initial": 0.2},
            "new_normal": {"initial": 0.0},
            "sanctions": {"initial": 0.0},
            "slow": {"initial": 0.0},
        },
        "attributes": {"capability": {"default": 0.3}, "drive": {"default": 0.1}},
        "beliefs": {"prior": {"alpha": 2, "beta": 2}, "learning_rate": "deterrence_strength"},
    },
    "actors": {
        "P": {
            "name": "Provocateur",
            "rationality": 5,
            "objectives": {"self.capability": "1 + self.drive", "tension": -0.1},
        },
        "G": {"name": "Guarantor", "rationality": 5, "objectives": {"tension": -1}},
        "A": {"name": "Ally", "rationality": 5, "objectives": {"tension": -1}},
        "V": {"name": "Veto player", "rationality": 5, "objectives": {"sanctions": -1}},
    },
    "relations": [{"from": "A", "to": "G", "alliance": 1}],
    "actions": {
        "p_test": {
            "actor": "P",
            "label": "Test",
            "category": "non_violent_escalation",
            "provocation": True,
            "targets": ["A"],
            "deterred_by": {"G": 0.2},
            "effects": [{"target": "tension", "add": 0.05}],
            "branches": [
                {
                    "name": "success",
                    "probability": 0.7,
                    "effects": [{"target": "self.capability", "add": 0.1}],
                },
                {"name": "failure"},
            ],
        },
        "g_weak": {
            "actor": "G",
            "label": "Statement",
            "category": "status_quo",
            "targets": ["P"],
            "signals": 0.1,
        },
        "g_strong": {
            "actor": "G",
            "label": "Show of force",
            "category": "posturing",
            "targets": ["P"],
            "signals": 0.9,
        },
        "g_covert": {
            "actor": "G",
            "label": "Covert action",
            "category": "non_violent_escalation",
            "targets": ["P"],
            "signals": 0.9,
            "observed_by": "covert",
        },
        "g_delayed": {
            "actor": "G",
            "label": "Deploy defences",
            "category": "posturing",
            "effects": [{"target": "slow", "add": 0.3, "delay": 2}],
        },
        "g_resolution": {
            "actor": "G",
            "label": "Resolution",
            "category": "non_violent_escalation",
            "consent": {"voters": ["V"]},
            "effects": [{"target": "sanctions", "add": 0.2}],
        },
        "v_veto": {
            "actor": "V",
            "label": "Veto",
            "category": "status_quo",
            "ballot": {"on": "g_resolution", "vote": "veto"},
        },
        "v_support": {
            "actor": "V",
            "label": "Support",
            "category": "status_quo",
            "ballot": {"on": "g_resolution", "vote": "support"},
        },
        "a_wait": {"actor": "A", "label": "Wait", "category": "status_quo"},
    },
    "phases": [{"name": "provoke", "actors": ["P"]}, {"name": "answer", "actors": ["G", "A", "V"]}],
    "rules": {
        "new_normal": {
            "when": "provoked(P) and response(P) < weak_below",
            "effects": [{"target": "new_normal", "add": "0.1 * deterrence_strength"}],
        },
        "spiral": {
            "when": "provoked(P) and response(P) >= weak_below",
            "effects": [{"target": "P.drive", "add": "0.1 * spiral_strength"}],
        },
    },
    "outcomes": {"routine": {"when": "new_normal >= 0.3"}},
    "doctrines": {
        "p_always": {"actor": "P", "plan": [{"choose": ["p_test"]}]},
        "g_none": {"actor": "G", "plan": [{"choose": []}]},
    },
}


def tiny_data(**sections: Any) -> dict[str, Any]:
    """The tiny scenario with some sections deep-merged from keyword arguments."""
    data = copy.deepcopy(TINY)

    def merge(into: dict[str, Any], new: dict[str, Any]) -> None:
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(data, sections)
    return data


@pytest.fixture
def tiny() -> Callable[..., Scenario]:
    """Build the tiny scenario, optionally changed: tiny(doctrines={...}, actors={...})."""

    def build(*, variant: str | None = None, overrides: tuple[str, ...] = (), **sections: Any):
        text = yaml.safe_dump(tiny_data(**sections), sort_keys=False)
        return load_scenario_text(text, file="tiny.yaml", variant=variant, overrides=overrides)

    return build


def scripted(**controllers: str) -> dict[str, Any]:
    """Actor sections that put actors under doctrines: scripted(P='p_always')."""
    return {aid: {"controller": f"script:{doctrine}"} for aid, doctrine in controllers.items()}


CLI_ENV = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}


def run_cli(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m wargame ...` in cwd, through the real entry point; never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "wargame", *map(str, args)],
        cwd=cwd,
        env=CLI_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def play(scenario: Scenario, seed: int = 0, turns: int | None = None) -> WargameModel:
    """Run a whole game with records."""
    return WargameModel(scenario, seed=seed, turns=turns).run()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A real Dask LocalCluster per test module: two worker processes, one thread each
    (started once, ~1 s); nannies restart a killed worker. Logs are silenced below CRITICAL,
    since a killed worker's lost keys are logged as errors."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,
    ) as local:
        yield local


def records_json(model: WargameModel) -> list[dict[str, Any]]:
    """A model's turn records as plain JSON (what `--json` and snapshots hold)."""
    return turn_records_to_json(model.records)
