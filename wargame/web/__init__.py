"""`wargame serve`: the facilitator's dashboard in the browser (Solara), as thin over the
seminar desk (`wargame.seminar.desk`) and its reads (`wargame.seminar.view`) as the terminal
program is. `table` holds the one live game of a session file; `access` the token rule;
`setup` the choice and checking of a scenario; `panels` and `pages` draw; `app` is the page
Solara serves and `server` starts it."""
