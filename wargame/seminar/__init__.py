"""A live game: the session (undo history, input journal), and later the terminal program."""
