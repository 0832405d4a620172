"""The set-up page: a scenario from the server's folder or uploaded (checked, every problem
shown with its line), a variant, a seed, and who plays each team."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import solara

from wargame.errors import WargameError
from wargame.web.setup import Offer, Upload, check_upload, offer, problem_lines
from wargame.web.show import Heading, Lines

NO_VARIANT = "(none: the scenario as written)"


@dataclass(frozen=True)
class SetUp:
    """What the page asks for; the page makes it a game (`setup.choose`)."""

    source: Path | Upload
    variant: str | None
    seed: int
    controllers: dict[str, str]
    turns: int | None = None
    """Play up to this turn (None: the scenario's last), as `wargame play --turns`."""


@solara.component
def SetUpPanel(
    offers: Sequence[Offer],
    on_start: Callable[[SetUp], None],
    can_change: bool = True,
) -> None:
    titles = {f"{o.title} ({o.path.name})": o for o in offers}
    picked, set_picked = solara.use_state(next(iter(titles), ""))
    uploaded, set_uploaded = solara.use_state(cast("Upload | None", None))
    upload_offer, set_upload_offer = solara.use_state(cast("Offer | None", None))
    problems, set_problems = solara.use_state(cast(list[str], []))
    pasted, set_pasted = solara.use_state("")
    variant, set_variant = solara.use_state(NO_VARIANT)
    seed, set_seed = solara.use_state(0)
    turns, set_turns = solara.use_state(0)
    chosen, set_chosen = solara.use_state(cast(dict[str, str], {}))

    current: Offer | None = upload_offer or titles.get(picked)

    def take(name: str, data: bytes) -> None:
        try:
            scenario, text = check_upload(name, data)
        except WargameError as error:
            set_problems(problem_lines(error))
            set_uploaded(None)
            set_upload_offer(None)
            return
        set_problems([])
        set_uploaded(Upload(Path(name).name or "upload.yaml", text))
        set_upload_offer(offer(scenario, Path(name)))
        set_chosen({})
        set_variant(NO_VARIANT)

    def pick(title: str) -> None:
        set_picked(title)
        set_upload_offer(None)
        set_uploaded(None)
        set_chosen({})

    def start() -> None:
        if current is None:
            set_problems(["choose a scenario or upload one first"])
            return
        source: Path | Upload = uploaded if uploaded is not None else current.path
        controllers = {t.id: chosen.get(t.id, t.default) for t in current.teams}
        on_start(
            SetUp(
                source,
                None if variant == NO_VARIANT else variant,
                int(seed),
                controllers,
                int(turns) or None,
            )
        )

    with solara.Card(title="Set up a game", classes=["setup"]):
        if titles:
            solara.Select(
                "Scenario",
                values=list(titles),
                value=picked,
                on_value=pick,
            )
        Heading("Or upload a scenario", 4)
        solara.FileDrop(
            label="Drop a scenario YAML file here",
            on_file=lambda info: take(info["name"], info["file_obj"].read()),
            lazy=True,
        )
        solara.InputTextArea(
            "Or paste a scenario's YAML", value=pasted, on_value=set_pasted,
            continuous_update=True, rows=4,
        )  # fmt: skip
        solara.Button(
            "Check the pasted scenario",
            on_click=lambda: take("pasted.yaml", pasted.encode("utf-8")),
            outlined=True,
        )
        if problems:
            with solara.Error(classes=["upload-problems"]):
                Lines(["The scenario is refused:", *problems])
        if current is not None:
            Heading(current.title, 3)
            solara.Select(
                "Variant", values=[NO_VARIANT, *current.variants], value=variant,
                on_value=set_variant,
            )  # fmt: skip
            solara.InputInt("Seed (same seed, same dice)", value=seed, on_value=set_seed)
            solara.InputInt(
                f"Turns to play (0: all {current.turns} of the scenario)",
                value=turns,
                on_value=set_turns,
                continuous_update=True,
            )
            Heading("Who plays each team", 4)
            for team in current.teams:
                solara.Select(
                    f"{team.name} ({team.id})",
                    values=team.controllers,
                    value=chosen.get(team.id, team.default),
                    on_value=lambda c, t=team.id: set_chosen({**chosen, t: c}),  # type: ignore[misc]
                )
        solara.Button(
            "Start the game", on_click=start, color="primary",
            disabled=not can_change or current is None,
        )  # fmt: skip
