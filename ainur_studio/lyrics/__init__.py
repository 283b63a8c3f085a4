"""Synced lyrics: LRC reading and writing (`lrc`) and the timing helpers the model and the
timeline editor share (`align`). Pure Python, no torch, no Qt."""

from ainur_studio.lyrics.errors import LrcError, LrcProblem
from ainur_studio.lyrics.lrc import format_lrc, parse_lrc, read_lrc, write_lrc

__all__ = ["LrcError", "LrcProblem", "format_lrc", "parse_lrc", "read_lrc", "write_lrc"]
