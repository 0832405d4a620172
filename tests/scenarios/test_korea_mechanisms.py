"""The shipped scenario's mechanisms, each with a known answer read off the file's own numbers:
North Korea's goal, its base-rate anchors, talks that open a summit, Council drafts that are
negotiated down, and the calendar."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from wargame.engine.model import WargameModel
from wargame.engine.policies import logit, utility
from wargame.errors import WargameError
from wargame.scenario.loading import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
KOREA = ROOT / "scenarios" / "korea_2017_over_japan.yaml"
LAUNCHES = ("nk_short_range_test", "nk_lofted_test", "nk_icbm_test", "nk_irbm_over_japan")


def parameter(scenario: Scenario, name: str) -> float:
    return scenario.spec.parameters[name].value


def turn_one_then(scenario: Scenario, seed: int, change: Callable[[WargameModel], None]):
    """Play turn 1 with NK's moves fixed to none, change the state before the turn's rules
    run, and open turn 2: what NK then weighs shows the rules' answer to the change."""
    model = WargameModel(scenario, seed=seed)
    model.begin_turn()
    while model.stage != "ending":
        name, _ = model.phase
        model.decide_phase()
        if name == "provocation":
            model.replace_moves("NK", [], "the test case: no launch on turn 1")
        model.plan_phase()
        model.apply_phase()
    change(model)
    model.end_turn()
    model.begin_turn()
    return {o.action: o.utility for o in model.options("NK")}


@pytest.fixture(scope="module")
def korea() -> Scenario:
    return load_scenario(KOREA, variant="weak_response")


def test_a_deterrent_at_its_goal_takes_the_programme_value_off_every_launch(korea):
    goal = parameter(korea, "nk_deterrent_goal")

    def at_start(model: WargameModel) -> None:
        model.state.attrs["NK"]["capability"] = model.state.vars["start_nk_capability"]

    def at_goal(model: WargameModel) -> None:
        model.state.attrs["NK"]["capability"] = goal

    before, after = turn_one_then(korea, 3, at_start), turn_one_then(korea, 3, at_goal)
    for launch in LAUNCHES:
        assert after[launch] - before[launch] == pytest.approx(
            -parameter(korea, "nk_programme_value")
        )
    assert after["nk_moratorium"] - before["nk_moratorium"] == pytest.approx(
        parameter(korea, "nk_freeze_from_goal")
    )
    assert after["nk_talks_offer"] - before["nk_talks_offer"] == pytest.approx(
        parameter(korea, "nk_talks_from_goal")
    )


def test_halfway_to_the_goal_a_test_loses_the_programme_value_times_half_to_the_curvature(korea):
    goal, curvature = parameter(korea, "nk_deterrent_goal"), parameter(korea, "nk_goal_curvature")

    def at_start(model: WargameModel) -> None:
        model.state.attrs["NK"]["capability"] = model.state.vars["start_nk_capability"]

    def halfway(model: WargameModel) -> None:
        start = model.state.vars["start_nk_capability"]
        model.state.attrs["NK"]["capability"] = (start + goal) / 2

    before, after = turn_one_then(korea, 3, at_start), turn_one_then(korea, 3, halfway)
    expected = -parameter(korea, "nk_programme_value") * 0.5**curvature
    assert after["nk_lofted_test"] - before["nk_lofted_test"] == pytest.approx(expected)


def test_at_the_start_each_launch_is_weighed_at_its_base_rate(korea):
    """On turn 1 every mechanism term is zero: a launch's utility is the log-odds of its
    base rate (launch days a month times the class's share), so it is taken with that chance."""
    model = WargameModel(korea, seed=0)
    model.begin_turn()
    utility = {o.action: o.utility for o in model.options("NK")}
    rate = parameter(korea, "nk_launch_days_per_month")
    for launch, share in (
        ("nk_short_range_test", "nk_share_short_range"),
        ("nk_lofted_test", "nk_share_irbm_lofted"),
        ("nk_icbm_test", "nk_share_icbm"),
        ("nk_irbm_over_japan", "nk_share_over_japan"),
    ):
        chance = min(parameter(korea, "max_monthly_chance"), rate * parameter(korea, share))
        assert 1 / (1 + math.exp(-utility[launch])) == pytest.approx(
            chance, abs=1e-5
        )  # records round utilities


def test_a_moratorium_excludes_every_launch_in_its_month(korea):
    model = WargameModel(korea, seed=0)
    model.begin_turn()
    model.decide_phase()
    for launch in (*LAUNCHES, "nk_nuclear_test", "nk_guam_bracketing", "nk_guam_threat"):
        with pytest.raises(WargameError, match="nk_moratorium"):
            model.replace_moves("NK", ["nk_moratorium", launch], "both at once")


def test_an_accepted_offer_of_talks_opens_the_summit_which_needs_north_koreas_consent(korea):
    model = WargameModel(korea, seed=0)
    model.begin_turn()
    model.state.vars["talks_offered"] = 1.0
    menu = {o.action for o in model.options("US")}
    assert "us_summit" not in menu  # talks are not open yet
    model.state.vars["talks_open"] = 1.0
    menu = {o.action for o in model.options("US")}
    assert "us_summit" in menu
    consent = korea.spec.actions["us_summit"].consent
    assert consent is not None and consent.voters == ["NK"]


def test_every_council_draft_falls_back_to_a_weaker_one_and_the_last_to_none(korea):
    actions = korea.spec.actions
    chain, draft = [], "us_unsc_oil_embargo_banks"
    while draft:
        chain.append(draft)
        consent = actions[draft].consent
        assert consent is not None and sorted(consent.voters) == ["CN", "RU"]
        draft = consent.fallback
    assert chain == ["us_unsc_oil_embargo_banks", "us_unsc_oil_cap", "us_unsc_designations"]


def plan_answer_to_an_icbm(scenario: Scenario, us_moves: list[str]) -> WargameModel:
    """Turn 1 played to the allied answer's plan: NK tests an ICBM, the US tables us_moves."""
    model = WargameModel(scenario, seed=0)
    model.begin_turn()
    while True:
        name, _ = model.phase
        model.decide_phase()
        if name == "provocation":
            model.replace_moves("NK", ["nk_icbm_test"], "the test case's provocation")
        if name == "allied_answer":
            model.replace_moves("US", us_moves, "the test case's draft")
            model.replace_moves("KR", [], "only the draft moves sanctions in this case")
            model.plan_phase()
            return model
        model.plan_phase()
        model.apply_phase()


EMBARGO = "t1:US:us_unsc_oil_embargo_banks#1"


@pytest.mark.parametrize(
    ("case", "votes", "passed", "step"),
    [
        (
            "a watered-down draft passes where the full one is vetoed",
            {
                f"{EMBARGO}:vote:CN": "cn_veto_oil_embargo_banks",
                f"{EMBARGO}:us_unsc_oil_cap:vote:CN": "cn_support_oil_cap",
                f"{EMBARGO}:us_unsc_oil_cap:vote:RU": "ru_support_oil_cap",
            },
            "us_unsc_oil_cap",
            "cap_draft_step",
        ),
        (
            "without a veto threat the full draft goes ahead",
            {
                f"{EMBARGO}:vote:CN": "cn_support_oil_embargo_banks",
                f"{EMBARGO}:vote:RU": "ru_support_oil_embargo_banks",
            },
            "us_unsc_oil_embargo_banks",
            "embargo_draft_step",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else "",
)
def test_the_draft_that_passes_is_the_one_china_and_russia_can_accept(case, votes, passed, step):
    """The US tables the full embargo after an ICBM test; the voters' ballots are forced. The
    draft that goes ahead moves sanctions by its own step, and only it and the proposal count
    as taken."""
    korea = load_scenario(KOREA, variant="strong_united_response")
    model = plan_answer_to_an_icbm(korea, ["us_unsc_oil_embargo_banks"])
    for key, ballot in votes.items():
        model.force(key, ballot, case)
    before = model.state.vars["sanctions_pressure"]
    model.apply_phase()
    expected = before + parameter(korea, step) * (1 - before)
    assert model.state.vars["sanctions_pressure"] == pytest.approx(expected)
    taken = {a for a in model.state.counts if a.startswith("us_unsc")}
    assert taken == {"us_unsc_oil_embargo_banks", passed}


def vote_chances(model: WargameModel, voter: str, draft: str) -> dict[str, float]:
    """The voter's chance of each ballot on the draft, as its agent would cast it now."""
    actor = model.program.actors[voter]
    weights = {term: weight(model.state) for term, weight in actor.objectives}
    ballots = actor.ballots[draft]
    utilities = [utility(actor, ballot, model.state, weights, False)[0] for ballot in ballots]
    chances = logit(utilities, actor.rationality)
    return {ballot.id: chance for ballot, chance in zip(ballots, chances, strict=True)}


@pytest.mark.parametrize("voter", ["CN", "RU"])
@pytest.mark.parametrize("pressure", [0.0, 0.5])
def test_a_veto_follows_the_record_unless_the_draft_goes_beyond_what_the_voter_accepts(
    korea, voter, pressure
):
    """A draft within what the voter can accept is vetoed and abstained on at the record's
    rates; beyond it (the full embargo) the veto's odds grow by veto_red_line per unit of
    excess harshness; US pressure shrinks them."""
    model = WargameModel(korea, seed=0)
    model.begin_turn()
    model.state.attrs[voter]["pressure"] = pressure
    p = {name: parameter(korea, name) for name in korea.spec.parameters}
    low = voter.lower()
    base_odds_veto = p["council_veto_share"] / (
        1 - p["council_veto_share"] - p["council_abstain_share"]
    )
    odds_abstain = p["council_abstain_share"] / (
        1 - p["council_veto_share"] - p["council_abstain_share"]
    )
    for draft, harshness in (
        ("designations", "designations_harshness"),
        ("oil_embargo_banks", "embargo_harshness"),
    ):
        excess = max(0.0, p[harshness] - p[f"{low}_acceptable_harshness"])
        odds_veto = base_odds_veto * math.exp(
            p["veto_red_line"] * excess - p["veto_pressure_logodds"] * pressure
        )
        chances = vote_chances(model, voter, f"us_unsc_{draft}")
        assert chances[f"{low}_veto_{draft}"] == pytest.approx(
            odds_veto / (1 + odds_veto + odds_abstain)
        )
        assert chances[f"{low}_abstain_{draft}"] == pytest.approx(
            odds_abstain / (1 + odds_veto + odds_abstain)
        )
    at_the_record = vote_chances(model, voter, "us_unsc_designations")[f"{low}_veto_designations"]
    if pressure == 0.0:
        assert at_the_record == pytest.approx(p["council_veto_share"])


# The op-ed's mixed bundles: what each leaves out is never played, in any game.
MIXED_BUNDLES = [
    (
        "sanctions_without_signalling",
        "US",
        {
            "us_nuclear_bomber_overflight",
            "us_conventional_show_of_force",
            "us_exercise",
            "us_reposition_hardware",
        },
    ),
    ("sanctions_without_signalling", "KR", {"kr_missile_drill", "kr_exercise"}),
    (
        "signalling_without_china",
        "US",
        {
            "us_unsc_oil_cap",
            "us_unsc_oil_embargo_banks",
            "us_unsc_designations",
            "us_secondary_sanctions",
            "us_press_china",
        },
    ),
    ("signalling_without_china", "CN", {"cn_enforce_sanctions"}),
    ("signalling_without_china", "KR", {"kr_sanctions"}),
]


@pytest.mark.parametrize(("variant", "actor", "left_out"), MIXED_BUNDLES)
def test_a_mixed_bundle_never_plays_what_it_leaves_out(variant, actor, left_out):
    scenario = load_scenario(KOREA, variant=variant)
    played: set[str] = set()
    for seed in range(12):
        model = WargameModel(scenario, seed=seed)
        model.run()
        played |= {
            action
            for record in model.records
            for phase in record.phases
            for decision in phase.decisions
            if decision.actor == actor
            for action in decision.chosen
        }
    assert played, f"{actor} made no move in 12 games of {variant}"
    assert not played & left_out
