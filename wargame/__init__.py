"""wargame: policy-response wargames on Mesa."""

__version__ = "0.1.0"
