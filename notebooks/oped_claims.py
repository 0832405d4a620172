# %% [markdown]
# # What the model says about the op-ed's claims
#
# `weak_response` against `strong_united_response` (and the announced 2017 mix,
# `maximum_pressure_and_engagement`) in the shipped scenario, over many seeds
# per variant (the same seeds for both: common random numbers), at low, central and high
# settings of the deterrence and spiral strengths (a 3 x 3 grid). Run as a script:
#
#     python notebooks/oped_claims.py --runs 1000 [--json out.json]
#
# It prints, per setting and variant: North Korean launch days and launches over Japan per
# year (a Hwasong-12 overflight or the salvo at Guam, which flies over Japan), the share
# of runs where each outcome happened, and how often each option was chosen.

# %%
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from wargame.engine.model import WargameModel
from wargame.scenario.loading import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "korea_2017_over_japan.yaml"
VARIANTS = ("weak_response", "strong_united_response", "maximum_pressure_and_engagement")
OVER_JAPAN = ("nk_irbm_over_japan", "nk_guam_bracketing")
LAUNCHES = ("nk_short_range_test", "nk_lofted_test", "nk_icbm_test", *OVER_JAPAN)


def strengths(name: str, scenario_file: Path) -> tuple[float, float, float]:
    """Low end, central value and high end of a parameter's assumption range."""
    parameter = load_scenario(scenario_file).spec.parameters[name]
    low, high = parameter.assumption or (parameter.value, parameter.value)
    return low, parameter.value, high


def play_many(scenario_file: Path, variant: str, runs: int, overrides: list[str]) -> dict[str, Any]:
    """Outcome rates, mean counts per game and option use over seeds 0..runs-1."""
    scenario = load_scenario(scenario_file, variant=variant, overrides=overrides)
    outcomes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    turns = 0
    for seed in range(runs):
        model = WargameModel(scenario, seed=seed, record=False).run()
        summary = model.summary()
        model.release()
        outcomes.update(k for k, turn in summary["outcomes"].items() if turn is not None)
        counts.update(summary["counts"])
        turns += summary["turns_played"]
    return {
        "variant": variant,
        "overrides": overrides,
        "runs": runs,
        "mean_turns": turns / runs,
        "outcome_share": {o[0]: outcomes[o[0]] / runs for o in scenario.program.outcomes},
        "mean_count": {k: v / runs for k, v in sorted(counts.items())},
        "never_chosen": sorted(
            a
            for a, act in scenario.program.actions.items()
            if counts[a] == 0 and act.ballot_on is None
        ),
    }


def main() -> None:
    """Print the comparison table at each setting of the two strengths."""
    parser = argparse.ArgumentParser(description="weak vs strong response over many seeds")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    settings = []
    deterrence = strengths("deterrence_strength", args.scenario)
    spiral = strengths("spiral_strength", args.scenario)
    levels = (("low", 0), ("central", 1), ("high", 2))
    for d_label, d in levels:
        for s_label, s in levels:
            settings.append(
                (
                    f"deterrence {d_label}, spiral {s_label}",
                    [
                        f"parameters.deterrence_strength={deterrence[d]}",
                        f"parameters.spiral_strength={spiral[s]}",
                    ],
                )
            )
    results = []
    for label, overrides in settings:
        print(f"\n== {label}: {' '.join(overrides)} ({args.runs} runs per variant)")
        for variant in VARIANTS:
            result = play_many(args.scenario, variant, args.runs, overrides)
            result["setting"] = label
            results.append(result)
            over_japan = sum(result["mean_count"].get(a, 0.0) for a in OVER_JAPAN)
            launch_days = sum(result["mean_count"].get(a, 0.0) for a in LAUNCHES)
            shares = ", ".join(f"{k} {v:.3f}" for k, v in result["outcome_share"].items())
            print(
                f"  {variant:32s} launch days/game {launch_days:.2f}, over Japan/game "
                f"{over_japan:.2f}; {shares}"
            )
    central = [r for r in results if r["setting"] == "deterrence central, spiral central"]
    for result in central:
        print(f"\n== option use per game, {result['variant']} (central setting)")
        for action, mean in result["mean_count"].items():
            if "." not in action:
                print(f"  {action:36s} {mean:.3f}")
        print(f"  never chosen: {', '.join(result['never_chosen']) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
