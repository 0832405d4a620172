"""The turn page's panels, each a pure drawing of `wargame.seminar.view` reads of a Session.

A panel that changes the game takes callbacks (the page wires them to `Table.change`), so
each can be rendered and clicked on its own in a test (`solara.render`). `can_change` False
draws the panel read-only (a player's view when a token is needed). `version` is the
table's: the session object stays the same as the game moves on, so a panel is drawn anew
when the version changes.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from solara.alias import rv

from wargame.engine.narrative import action_label, actor_label
from wargame.seminar import view
from wargame.seminar.session import Session
from wargame.web.show import Heading, Lines, Table


@solara.component
def BoardPanel(session: Session, version: int = 0) -> None:
    """Turn and date, the escalation ladder with the current rung, every state variable with
    its change, the relations, and the last turn in a few sentences."""
    board = view.board(session)
    with solara.Card(classes=["board"]):
        Heading(board.title, 2)
        solara.Text(
            f"Turn {board.turn} of {board.last_turn} · {board.date} · {board.place}",
            classes=["turn-line"],
        )
        if board.hindsight:
            solara.Warning(f"Hindsight variant: {board.hindsight}")
        if board.ladder:
            Heading(f"Escalation ladder ({board.ladder_variable})", 4)
            Table(
                ["", "rung", "from"],
                [["▶" if r.current else "", r.name, f"{r.at:g}"] for r in board.ladder],
                classes="ladder",
            )
            current = next((r.name for r in board.ladder if r.current), "")
            solara.Text(f"Current rung: {current}", classes=["current-rung"])
        Heading("State", 4)
        Table(
            ["variable", "value", "change over the last turn"],
            [[v.name, f"{v.value:.3f}", f"{v.change:+.3f}"] for v in board.variables],
            classes="state",
        )
        if board.relations:
            Heading("Relations", 4)
            Lines(board.relations)
        if board.last_turn_lines:
            Heading("Last turn", 4)
            Lines(board.last_turn_lines)


@solara.component
def MovesPanel(
    session: Session, team: str, on_enter: Callable[[str], None], can_change: bool = True
) -> None:
    """A human team's options when its phase comes: label, description, cost and odds, the
    full explanation on expand, and what the team's own agent would do and why."""
    chosen, set_chosen = solara.use_state(frozenset[int]())
    agent, set_agent = solara.use_state(False)
    program = session.model.program
    name = actor_label(program, team)
    options = view.menu(session, team)

    def toggle(number: int, on: bool) -> None:
        set_chosen(chosen | {number} if on else chosen - {number})

    def enter() -> None:
        on_enter(" ".join(str(n) for n in sorted(chosen)) or "0")
        set_chosen(frozenset())

    with solara.Card(title=f"{name}: your moves", classes=["moves-panel"]):
        solara.Text(f"Choose {view.budget(session, team)} (none is a choice too).")
        Lines(view.scheduled_lines(session, team))
        for option in options:
            cost = f"cost {option.cost:.2f}" + (
                f", budget {option.budget_cost:g}" if option.budget_cost else ""
            )
            odds = f"; {option.odds}" if option.odds else ""
            label = f"{option.number}. {option.label} ({cost}{odds})"
            if option.illegal:
                label += f" (not now: {option.illegal})"
            solara.Checkbox(
                label=label,
                value=option.number in chosen,
                on_value=lambda on, n=option.number: toggle(n, on),  # type: ignore[misc]
                disabled=bool(option.illegal) or not can_change,
            )
            About(session, team, option.number, option.label).key(f"about-{team}-{option.number}")
        solara.Button(
            "What would our agent do, and why?", on_click=lambda: set_agent(not agent), text=True
        )
        if agent:
            Lines(view.agent_view(session, team), classes=["agent-view"])
        solara.Button(
            f"Enter the moves of {name}", on_click=enter, color="primary", disabled=not can_change
        )


@solara.component
def About(session: Session, team: str, number: int, label: str) -> None:
    """An option's full explanation, worked out and drawn only when asked for (a menu of
    fifteen options stays fifteen lines until one is opened)."""
    shown, set_shown = solara.use_state(False)
    solara.Button(
        f"{'Hide' if shown else 'About'} {label}",
        on_click=lambda: set_shown(not shown),
        text=True,
        small=True,
        classes=["about-option"],
    )
    if shown:
        Lines(view.explain(session, team, number), classes=["option-explained"])


@solara.component
def VotePanel(
    session: Session,
    voter: str,
    proposal: str,
    on_vote: Callable[[str], None],
    can_change: bool = True,
) -> None:
    """A human voter's ballot on a proposal."""
    program = session.model.program
    ballots = program.actors[voter].ballots[proposal]
    name = actor_label(program, voter)
    labels = [b.label for b in ballots]
    picked, set_picked = solara.use_state(labels[0] if labels else "")
    with solara.Card(title=f"{name}: your vote on {action_label(program, proposal)}"):
        solara.Select("Ballot", values=labels, value=picked, on_value=set_picked)
        solara.Button(
            f"Cast the vote of {name}",
            on_click=lambda: on_vote(str(labels.index(picked) + 1)),
            color="primary",
            disabled=not can_change or not labels,
        )


@solara.component
def ReviewPanel(
    session: Session,
    on_accept: Callable[[], None],
    on_force: Callable[[int, str, str], None],
    on_reroll: Callable[[int, str], None],
    can_change: bool = True,
    version: int = 0,
    on_replace: Callable[[str, str, str], None] | None = None,
) -> None:
    """A phase's plan before it is applied: the decisions with each agent's reasons (an
    agent's moves may be replaced), the dice with odds and the votes (each may be forced or
    re-rolled), each with a reason; what applying it will do, and the button that applies it."""
    reason, set_reason = solara.use_state("")
    model = session.model
    program = model.program
    agents = {
        actor_label(program, a): a
        for a in (model.phase[1] if model.phase else [])
        if model.controllers.get(a) != "human"
    }
    replaced, set_replaced = solara.use_state(next(iter(agents), ""))
    moves, set_moves = solara.use_state("")
    plan = session.model.planned()
    items = view.plan_items(session, plan)
    phase = session.model.phase
    with solara.Card(
        title=f"About to be decided: phase {phase[0] if phase else ''}", classes=["review"]
    ):
        Heading("Decisions", 4)
        Lines(view.decisions(session) or ["No one moves in this phase."])
        solara.InputText(
            "Reason (for replace, force or re-roll: logged)",
            value=reason,
            on_value=set_reason,
            continuous_update=True,
            disabled=not can_change,
        )
        if agents and on_replace is not None:
            label = replaced if replaced in agents else next(iter(agents))
            team = agents[label]
            Heading("Replace an agent's moves", 4)
            solara.Select("Agent team", values=list(agents), value=label, on_value=set_replaced)
            Lines([f"{o.number}. {o.label}" for o in view.menu(session, team)])
            with solara.Row():
                solara.InputText(
                    "New moves: option numbers (0 for none)",
                    value=moves,
                    on_value=set_moves,
                    continuous_update=True,
                    disabled=not can_change,
                )
                solara.Button(
                    f"Replace the moves of {actor_label(program, team)}",
                    on_click=lambda: on_replace(team, moves, reason),
                    disabled=not can_change,
                    outlined=True,
                )
        Heading("Dice and votes", 4)
        if not items:
            solara.Text("No dice or votes in this plan.")
        for item in items:
            with solara.Row(classes=["plan-item"]):
                solara.Text(f"{item.number}. {item.text}")
                for result in item.results:
                    solara.Button(
                        f"Force {item.number} to {result}",
                        on_click=lambda n=item.number, r=result: on_force(n, r, reason),
                        disabled=not can_change,
                        outlined=True,
                    )
                solara.Button(
                    f"Re-roll {item.number}",
                    on_click=lambda n=item.number: on_reroll(n, reason),
                    disabled=not can_change,
                    outlined=True,
                )
        Heading("What applying it does", 4)
        Lines(view.plan_outcome(session, plan) or ["Nothing changes."])
        solara.Button("Resolve", on_click=on_accept, color="primary", disabled=not can_change)


@solara.component
def NarrativePanel(session: Session, version: int = 0) -> None:
    """This turn so far, and the last finished turn, in plain words with the agents' reasons."""
    now = view.turn_so_far(session)
    with solara.Card(title="What happened", classes=["narrative"]):
        if now:
            Heading("This turn so far", 4)
            Lines(now)
        records = session.model.records
        if records:
            Heading(f"Turn {records[-1].turn}", 4)
            Lines(view.summary_lines(session))
        if not now and not records:
            solara.Text("Nothing yet: the game has just begun.")


RECENT_LOG = 12
"""Log entries the turn page shows at first (the rest on request: a long log is slow to
redraw after every move, and the room reads the newest)."""


@solara.component
def LogPanel(session: Session, version: int = 0) -> None:
    """The facilitator log: every input and undo, with its reason and time, newest first
    (the last few, or all of them on request)."""
    everything, set_everything = solara.use_state(False)
    entries = list(enumerate(session.log, start=1))[::-1]
    hidden = 0 if everything else max(0, len(entries) - RECENT_LOG)
    shown = entries[: len(entries) - hidden]
    with solara.Card(title="Log", classes=["log"]):
        rv.Html(
            tag="p",
            class_="log-count",
            attributes={"data-entries": str(len(entries))},
            children=[
                f"{len(entries)} entries, newest first"
                + (f"; the last {len(shown)} shown" if hidden else "")
            ],
        )
        Table(
            ["#", "turn", "phase", "what", "reason", "time"],
            [[str(n), str(e.turn), e.phase or "", e.what, e.reason, e.time] for n, e in shown],
            classes="log-table",
            keys=[f"entry-{n}" for n, _ in shown],
        )
        if len(entries) > RECENT_LOG:
            solara.Button(
                f"Show the last {RECENT_LOG} only" if everything else f"Show all {len(entries)}",
                on_click=lambda: set_everything(not everything),
                text=True,
            )


@solara.component
def ControlsPanel(
    session: Session,
    on_undo: Callable[[str], None],
    on_hand_over: Callable[[str, str, str], None],
    on_inject: Callable[[str, str], None],
    on_event: Callable[[str, str, str], None],
    can_change: bool = True,
    version: int = 0,
    on_next_turn: Callable[[str, str, str], None] | None = None,
) -> None:
    """The facilitator's controls besides the review: undo, hand a team over, fire one of
    the scenario's injects now or decide whether it comes at the next turn's start, an
    ad-hoc event; each with a reason, all logged."""
    reason, set_reason = solara.use_state("")
    program = session.model.program
    teams = {actor_label(program, a): a for a in program.actors}
    team, set_team = solara.use_state(next(iter(teams), ""))
    controller, set_controller = solara.use_state("human")
    injects = {
        view.one_line(f"{i.id}: {' '.join(i.description.split())}", 80): i.id
        for i in program.injects
    }
    inject, set_inject = solara.use_state(next(iter(injects), ""))
    outcomes = {"it fires at the next turn's start": "fired", "it does not come next turn": "held"}
    outcome, set_outcome = solara.use_state(next(iter(outcomes)))
    event, set_event = solara.use_state("")
    changes, set_changes = solara.use_state("")
    chosen_team = teams.get(team, team)
    doctrines = [  # the chosen team's own doctrines (one written for another is refused)
        f"script:{d}"
        for d, doc in session.scenario.spec.doctrines.items()
        if doc.actor == chosen_team
    ]
    played_by = controller if controller in ("human", "agent", *doctrines) else "human"
    with solara.Card(title="Facilitator", classes=["controls"]):
        solara.InputText(
            "Reason (logged with the control)",
            value=reason,
            on_value=set_reason,
            continuous_update=True,
            disabled=not can_change,
        )
        solara.Button(
            "Undo", on_click=lambda: on_undo(reason), disabled=not can_change, outlined=True
        )
        with solara.Row():
            solara.Select("Team", values=list(teams), value=team, on_value=set_team)
            solara.Select(
                "Played by",
                values=["human", "agent", *doctrines],
                value=played_by,
                on_value=set_controller,
            )
            solara.Button(
                "Hand over",
                on_click=lambda: on_hand_over(chosen_team, played_by, reason),
                disabled=not can_change,
                outlined=True,
            )
        if injects:
            with solara.Row():
                solara.Select(
                    "Scenario inject", values=list(injects), value=inject,
                    on_value=set_inject,
                )  # fmt: skip
                solara.Button(
                    "Fire inject",
                    on_click=lambda: on_inject(injects.get(inject, inject), reason),
                    disabled=not can_change,
                    outlined=True,
                )
            if on_next_turn is not None:
                with solara.Row():
                    solara.Select(
                        "Next turn", values=list(outcomes), value=outcome, on_value=set_outcome
                    )
                    solara.Button(
                        "Decide for the next turn",
                        on_click=lambda: on_next_turn(
                            injects.get(inject, inject), outcomes.get(outcome, outcome), reason
                        ),
                        disabled=not can_change,
                        outlined=True,
                    )
        with solara.Row():
            solara.InputText(
                "Ad-hoc event", value=event, on_value=set_event, continuous_update=True
            )
            solara.InputText(
                "Changes (tension +0.05; NK.capability =0.6)",
                value=changes,
                on_value=set_changes,
                continuous_update=True,
            )
            solara.Button(
                "Add event",
                on_click=lambda: on_event(event, changes, reason),
                disabled=not can_change,
                outlined=True,
            )
