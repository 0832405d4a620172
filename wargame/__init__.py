"""wargame: policy-response wargames on Mesa."""

__version__ = "0.1.0"


def compiled() -> bool:
    """True when the hot modules run as C extensions (a WARGAME_COMPILE=1 build)."""
    from wargame.engine import policies

    return not policies.__file__.endswith(".py")
