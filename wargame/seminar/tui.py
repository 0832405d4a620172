"""The seminar screen: a full-screen terminal program for a room (Textual).

Left, the board: turn and date, the escalation ladder with the current rung, every state
variable but the bookkeeping ones with its change since last turn, key relations. Right, what
is happening: last turn in a few sentences, this turn so far, and what is asked now: a human
team's numbered options (with cost and odds; those it cannot take now greyed with the
reason), a human voter's ballots, or the plan of a phase before it is applied (each die with
its odds, each vote), which the facilitator accepts, forces or re-rolls. One line at the
bottom takes every answer and command; every intervention asks for a reason. F2 shows ids
and utility terms.

The screen only lays out `wargame.seminar.view` and drives the game through `Desk` and the
`Session` (which checks every input and journals it); the session file is written at every
start of a turn and phase, and by `save` and `quit`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Static

from wargame.errors import WargameError
from wargame.seminar import view
from wargame.seminar.desk import Desk
from wargame.seminar.session import Session

HELP = [
    ("1 3", "a team's move: the numbers of its options (0: no move)"),
    ("?N", "explain option N: effects, costs, odds, who sees it, what its agent would do"),
    ("Enter", "(at a review) accept the plan and apply the phase"),
    ("f N RESULT", "(at a review) force item N to RESULT"),
    ("r N", "(at a review) re-roll item N"),
    ("replace TEAM", "(at a review) replace an agent's moves"),
    ("inject", "add an event: one of the scenario's (by number) or a new one"),
    ("next N fired|held", "decide whether the scenario's inject N comes at the next turn"),
    ("hand TEAM WHO", "hand a team to human, agent or script:DOCTRINE"),
    ("undo N", "go back N steps (starts of phases and turns)"),
    ("save", "write the session file now (it is also written after every phase)"),
    ("log", "the facilitator log"),
    ("detail / F2", "show or hide ids and utility terms"),
    ("help / F1", "this list"),
    ("PgUp / PgDn", "scroll the right-hand side (what happened earlier)"),
    ("quit / F10", "save and leave; continue with wargame play --resume FILE"),
]


class SeminarApp(App[int]):
    """The seminar screen for one session."""

    TITLE = "wargame seminar"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { layout: vertical; }
    #top { height: 1; background: $primary; color: $text; text-style: bold; padding: 0 1; }
    #body { height: 1fr; }
    #board { width: 30; border-right: vkey $primary; padding: 0 1; scrollbar-size-vertical: 1; }
    #main { width: 1fr; padding: 0 1; }
    #ask { height: auto; max-height: 3; color: $warning; text-style: bold; padding: 0 1; }
    #status { height: auto; max-height: 2; color: $error; padding: 0 1; }
    #entry { height: 1; border: none; padding: 0 1; }
    #entry:focus { border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f2", "detail", "Details"),
        Binding("f3", "log", "Log"),
        Binding("f10", "leave", "Save+quit"),
        Binding("ctrl+q", "leave", "Save+quit", show=False, priority=True),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("pageup", "scroll(-1)", "Scroll", show=False),
        Binding("pagedown", "scroll(1)", "Scroll", show=False),
    ]

    def __init__(self, session: Session, path: Path | None = None) -> None:
        super().__init__()
        self.desk = Desk(session)
        self.session_path = path
        self.detail = False
        self.showing: str | None = None  # 'help' or 'log' instead of the story
        self.question: str | None = None
        self.answer: Callable[[str], None] | None = None
        self.note = ""
        self.replacing: str | None = None
        self.explained: list[str] = []

    @property
    def session(self) -> Session:
        return self.desk.session

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="top")
        with Horizontal(id="body"):
            with VerticalScroll(id="board"):
                yield Static(id="board-text")
            with VerticalScroll(id="main"):
                yield Static(id="main-text")
        yield Static(id="status")
        yield Static(id="ask")
        yield Input(id="entry", placeholder="type here, then Enter (help: F1)")
        yield Footer()

    def on_mount(self) -> None:
        self._run(self.desk.settle)
        self.query_one("#entry", Input).focus()
        self.refresh_screen()

    # -- input ---------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        self.note = ""
        try:
            if self.answer is not None:
                self._answer(text)
            else:
                self._command(text)
        except Exception as error:  # a bug must not end a seminar: the game is saved
            self.question = self.answer = None
            self.note = f"unexpected error (please report it): {type(error).__name__}: {error}"
        self.refresh_screen()

    def _answer(self, text: str) -> None:
        answer = self.answer
        assert answer is not None
        if text.lower() == "cancel":
            self.action_cancel()
            return
        self.answer, self.question = None, None
        self._run(lambda: answer(text))

    def ask(self, question: str, then: Callable[[str], None], *, empty: bool = False) -> None:
        """Ask a question on the bottom line; `then` gets the answer (not empty unless allowed)."""

        def check(text: str) -> None:
            if not text and not empty:
                self.note = "an answer is needed (or 'cancel')"
                self.ask(question, then, empty=empty)
                return
            then(text)

        self.question, self.answer = question, check

    def reason(self, doing: str, then: Callable[[str], None]) -> None:
        self.ask(f"Reason for {doing} (for the record):", then)

    def _run(self, call: Callable[[], object]) -> None:
        try:
            call()
        except WargameError as error:
            self.note = str(error)

    def _command(self, text: str) -> None:
        words = text.split()
        head = words[0].lower() if words else ""
        prompt = self.desk.prompt
        self.showing = None
        if head in ("help", "h"):
            self.action_help()
        elif head == "log":
            self.action_log()
        elif head in ("detail", "details"):
            self.action_detail()
        elif head == "save":
            self._run(self._save)
            if not self.note:
                self.note = f"saved to {self.session_path}"
        elif head in ("quit", "q", "exit"):
            self.action_leave()
        elif head == "undo":
            self._undo(words[1:])
        elif head in ("inject", "event"):
            self._inject(words[1:], ad_hoc=head == "event")
        elif head == "next":
            self._next(words[1:])
        elif head == "hand":
            self._hand(words[1:])
        elif head == "replace":
            self._replace(words[1:])
        elif text.startswith("?"):
            self._explain(text[1:].strip())
        elif prompt.kind == "moves" and prompt.team is not None:
            team = prompt.team
            self._run(lambda: self.desk.enter_moves(team, text))
            self.explained = []
        elif prompt.kind == "vote" and prompt.team is not None and prompt.proposal:
            voter, proposal = prompt.team, prompt.proposal
            self._run(lambda: self.desk.enter_vote(voter, proposal, text))
        elif prompt.kind == "review":
            self._review(head, words[1:])
        elif not text:
            return
        else:
            self.note = f"'{text}' is not a command here; F1 lists them"

    # -- commands ------------------------------------------------------------------------
    def _review(self, head: str, args: list[str]) -> None:
        if head in ("", "a", "accept", "y", "yes"):
            self._run(self.desk.accept)
        elif head in ("f", "force"):
            if len(args) != 2 or not args[0].isdigit():
                self.note = "write: f N RESULT (item N of the plan, e.g. f 1 failure)"
                return
            number, result = int(args[0]), args[1]
            self._run(lambda: self.desk.item(number))
            if not self.note:
                self.reason(
                    f"forcing item {number} to '{result}'",
                    lambda why: self.desk.force(number, result, why),
                )
        elif head in ("r", "reroll", "re-roll"):
            if len(args) != 1 or not args[0].isdigit():
                self.note = "write: r N (item N of the plan)"
                return
            number = int(args[0])
            self._run(lambda: self.desk.item(number))
            if not self.note:
                self.reason(f"re-rolling item {number}", lambda why: self.desk.reroll(number, why))
        else:
            self.note = "at a review: Enter accepts, f N RESULT forces, r N re-rolls (F1: all)"

    def _next(self, args: list[str]) -> None:
        if len(args) != 2:
            self.note = "write: next N fired (or held): inject N at the next turn's start"
            return
        which, outcome = args
        self.reason(
            f"deciding that inject {which} is {outcome} next turn",
            lambda why: self._said(self.desk.force_next_turn(which, outcome, why)),
        )

    def _said(self, key: str) -> None:
        self.note = f"done: {key} is decided; its die will not be rolled"

    def _undo(self, args: list[str]) -> None:
        if args and not args[0].isdigit():
            self.note = "write: undo N (N steps back; undo alone is one step)"
            return
        steps = int(args[0]) if args else 1
        self.reason(f"undoing {steps} step(s)", lambda why: self.desk.undo(steps, why))

    def _inject(self, args: list[str], *, ad_hoc: bool) -> None:
        if ad_hoc:
            self._event(" ".join(args))
            return
        if args:
            which = " ".join(args)
            self.reason(f"firing inject {which}", lambda why: self.desk.fire_inject(which, why))
            return
        self.showing = "injects"

        def chosen(text: str) -> None:
            injects = self.desk.injects()
            number = int(text) if text.isdigit() else 0
            if 1 <= number <= len(injects) or text in {i for i, _ in injects}:
                self.showing = None
                self.reason(f"firing inject {text}", lambda why: self.desk.fire_inject(text, why))
            else:
                self.showing = None
                self._event(text)

        self.ask("Inject: the number of a scenario inject, or describe a new event:", chosen)

    def _event(self, description: str) -> None:
        def described(text: str) -> None:
            self.ask(
                "Changes to the state, e.g. 'tension +0.05; NK.capability =0.6' (Enter for none):",
                lambda changes: self._changes(text, changes),
                empty=True,
            )

        if description:
            described(description)
        else:
            self.ask("Describe the event (what the room hears):", described)

    def _changes(self, description: str, changes: str) -> None:
        view.parse_changes(changes)  # a wrong one is refused here, before the reason
        self.reason("this event", lambda why: self.desk.add_event(description, changes, why))

    def _hand(self, args: list[str]) -> None:
        if len(args) != 2:
            teams = ", ".join(f"{t} ({c})" for t, c in self.session.model.controllers.items())
            self.note = f"write: hand TEAM human|agent|script:DOCTRINE. Teams now: {teams}"
            return
        team, controller = args
        self.reason(
            f"handing {team} to {controller}",
            lambda why: self.desk.hand_over(team, controller, why),
        )

    def _replace(self, args: list[str]) -> None:
        if len(args) != 1:
            self.note = "write: replace TEAM (at a review: an agent's moves in this phase)"
            return
        team = args[0]
        self._run(lambda: view.menu(self.session, team))
        if self.note:
            return
        self.replacing = team

        def numbers(text: str) -> None:
            if text.startswith("?"):
                self._explain(text[1:].strip(), team)
                self.ask(
                    f"New moves for {team}: option numbers (0 for none), ?N explains:", numbers
                )
                return
            view.choose(self.session, team, text)
            self.reason(f"replacing {team}'s moves", lambda why: self._replaced(team, text, why))

        self.ask(f"New moves for {team}: option numbers (0 for none), ?N explains:", numbers)

    def _replaced(self, team: str, text: str, why: str) -> None:
        self.replacing = None
        self.desk.replace(team, text, why)

    def _explain(self, text: str, team: str | None = None) -> None:
        prompt = self.desk.prompt
        team = team or self.replacing or (prompt.team if prompt.kind == "moves" else None)
        if team is None:
            self.note = "?N explains an option of the team whose move it is"
            return
        if not text.isdigit():
            self.note = "write ?N with N an option number, e.g. ?2"
            return
        chosen_team = team
        self._run(
            lambda: setattr(
                self, "explained", view.explain(self.session, chosen_team, int(text), self.detail)
            )
        )

    def _save(self) -> None:
        if self.desk.save is not None:
            self.desk.save(self.session)
        elif self.session.autosave is not None:
            self.session.autosave(self.session)

    # -- actions (keys) ------------------------------------------------------------------
    def action_scroll(self, pages: int) -> None:
        main = self.query_one("#main", VerticalScroll)
        if pages < 0:
            main.scroll_page_up(animate=False)
        else:
            main.scroll_page_down(animate=False)

    def action_help(self) -> None:
        self.showing = "help"
        self.refresh_screen()

    def action_log(self) -> None:
        self.showing = "log"
        self.refresh_screen()

    def action_detail(self) -> None:
        self.detail = not self.detail
        self.note = "details shown (ids, utility terms)" if self.detail else "details hidden"
        self.refresh_screen()

    def action_cancel(self) -> None:
        if self.answer is not None:
            self.answer, self.question, self.replacing = None, None, None
            self.note = "cancelled"
            self.refresh_screen()

    def action_leave(self) -> None:
        try:
            self._save()
        except WargameError as error:
            self.note = f"{error}; not quitting (free the problem, then quit again)"
            self.refresh_screen()
            return
        self.exit(0)

    # -- drawing -------------------------------------------------------------------------
    def refresh_screen(self) -> None:
        board = view.board(self.session)
        place = "game over" if board.place == "game over" else f"{board.place}"
        mark = "  HINDSIGHT: not a forecast" if board.hindsight else ""
        self.query_one("#top", Static).update(
            Text(f"Turn {board.turn}/{board.last_turn}  {board.date}  {place}{mark}", no_wrap=True)
        )
        self.query_one("#board-text", Static).update(self._board(board))
        self.query_one("#main-text", Static).update(self._main())
        self.query_one("#status", Static).update(Text(self.note))
        self.query_one("#ask", Static).update(Text(self.question or self._asking()))
        main = self.query_one("#main", VerticalScroll)
        self.call_after_refresh(main.scroll_end, animate=False)

    def _board(self, board: view.Board) -> Text:
        text = Text()
        if board.hindsight:
            text.append(board.hindsight + "\n\n", style="bold reverse")
        if board.ladder:
            text.append("ESCALATION LADDER\n", style="bold")
            for rung in reversed(board.ladder):
                name = view.one_line(rung.name.split(" (")[0], 22)
                if rung.current:
                    text.append(f"> {name}\n", style="bold reverse")
                else:
                    text.append(f"  {name}\n", style="dim")
        text.append("\nSTATE          now change\n", style="bold")
        for v in board.variables:
            change = f"{v.change:+.2f}" if abs(v.change) >= 0.005 else "    ."
            style = "bold" if abs(v.change) >= 0.005 else ""
            text.append(f"{v.name[:13]:<13} {v.value:5.2f} {change}\n", style=style)
        if board.hidden:
            text.append(f"({board.hidden} bookkeeping not shown)\n", style="dim")
        if board.relations:
            text.append("\nRELATIONS\n", style="bold")
            for line in board.relations[:8]:
                text.append(line + "\n")
        return text

    def _asking(self) -> str:
        prompt = self.desk.prompt
        program = self.session.model.program
        if prompt.kind == "moves" and prompt.team is not None:
            who = view.actor_label(program, prompt.team).upper()
            return (
                f"{who}: your move. Option numbers ({view.budget(self.session, prompt.team)}), "
                "0 for none, ?N explains:"
            )
        if prompt.kind == "vote" and prompt.team is not None:
            return f"{view.actor_label(program, prompt.team).upper()}: your vote (a number):"
        if prompt.kind == "review":
            return "FACILITATOR: Enter accepts; f N RESULT forces; r N re-rolls; replace TEAM:"
        return "The game is over: undo N, log, save or quit."

    def _main(self) -> Text:
        text = Text()
        session, program = self.session, self.session.model.program
        if self.showing == "help":
            text.append("COMMANDS (at any prompt)\n", style="bold")
            for command, what in HELP:
                text.append(f"{command:<14}", style="bold")
                text.append(f" {what}\n")
            return text
        if self.showing == "log":
            text.append("FACILITATOR LOG\n", style="bold")
            for entry in session.log[-60:]:
                why = f" (why: {entry.reason})" if entry.reason else ""
                text.append(f"t{entry.turn} {entry.phase or '-'}: {entry.what}{why}\n")
            return text
        if self.showing == "injects":
            text.append("SCENARIO INJECTS\n", style="bold")
            for i, (inject_id, description) in enumerate(self.desk.injects(), start=1):
                text.append(f"{i:>2}. ", style="bold")
                text.append(f"{description} [{inject_id}]\n")
            return text
        board = view.board(session)
        finished = session.model.records
        prompt = self.desk.prompt
        asked = self.replacing is not None or prompt.kind in ("moves", "vote")
        if finished and not asked:  # a team's prompt keeps the room on this turn
            last = finished[-1]
            text.append(f"LAST TURN ({last.turn}, {last.date})\n", style="bold")
            for line in board.last_turn_lines:
                text.append(f"- {line}\n")
        story = view.turn_so_far(session, self.detail)
        if story:
            text.append(f"\nTHIS TURN SO FAR (turn {session.model.state.turn})\n", style="bold")
            for line in story:
                text.append(line + "\n")
        team = self.replacing or (prompt.team if prompt.kind == "moves" else None)
        if team is not None:
            self._options(text, team)
        elif prompt.kind == "vote" and prompt.team and prompt.proposal:
            proposal = view.action_label(program, prompt.proposal)
            text.append(
                f"\n{view.actor_label(program, prompt.team).upper()} VOTES ON {proposal}\n",
                style="bold",
            )
            for i, ballot in enumerate(program.actors[prompt.team].ballots[prompt.proposal], 1):
                text.append(f"{i}. {ballot.label}\n")
        elif prompt.kind == "review":
            self._review_text(text)
        elif prompt.kind == "over":
            summary = session.model.summary()
            text.append("\nTHE GAME IS OVER\n", style="bold")
            for outcome, turn in summary["outcomes"].items():
                if turn:
                    text.append(f"- {outcome}: turn {turn}\n")
        if self.explained:
            text.append("\n")
            for line in self.explained:
                text.append(line + "\n", style="italic")
        return text

    def _options(self, text: Text, team: str) -> None:
        program = self.session.model.program
        who = view.actor_label(program, team).upper()
        text.append(f"\n{who}: OPTIONS ({view.budget(self.session, team)})\n", style="bold")
        for line in view.scheduled_lines(self.session, team):
            text.append(line + "\n", style="italic")
        width = max(30, self.query_one("#main", VerticalScroll).size.width - 3)
        compact = self.size.height < 32  # 80x24: one line an option, the turn so far above
        for option in view.menu(self.session, team):
            odds = f"; {option.odds}" if option.odds else ""
            ident = f" [{option.id}]" if self.detail else ""
            head = f"{option.number:>2}. {option.label}{ident}"
            if option.illegal:
                text.append(f"{head} - cannot now: {option.illegal}\n", style="dim")
                continue
            text.append(head, style="bold")
            tail = f"  cost {option.cost:.2f}{odds}"
            text.append(tail)
            room = width - len(head) - len(tail) - 3
            if not option.description:
                text.append("\n")
            elif compact and room >= 12:
                text.append(f" - {view.one_line(option.description, room)}\n", style="dim")
            elif compact:
                text.append("\n")
            else:
                line = view.one_line(option.description, width - 4)
                text.append(f"\n    {line}\n", style="dim")

    def _review_text(self, text: Text) -> None:
        session = self.session
        phase = session.model.phase
        name = phase[0] if phase else ""
        text.append(f"\nPHASE {name}: ABOUT TO BE APPLIED\n", style="bold")
        for line in view.decisions(session, self.detail):
            text.append(line + "\n")
        plan = self.desk.plan()
        items = view.plan_items(session, plan)
        if items:
            text.append("Dice and votes:\n", style="bold")
            for item in items:
                key = f" [{item.key}]" if self.detail else ""
                text.append(f"{item.number:>2}. {item.text}{key}\n")
        else:
            text.append("(no dice or votes in this phase)\n", style="dim")


def run_app(session: Session, path: Path) -> None:
    """Run the seminar screen until the facilitator quits (the session is saved on the way)."""
    app = SeminarApp(session, path)
    app.run()
    print(f"Session saved to {path}. To continue: wargame play --resume {path}")
