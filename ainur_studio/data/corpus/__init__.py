"""Starter corpus: public-domain scores from the music21 corpus rendered to audio.

The pipeline is ``scores`` (select and read pieces, music21) -> ``arrange`` (instruments, bass,
accompaniment, drums, pan, effects; pure) -> ``midi`` (Standard MIDI File writer; pure) ->
``render`` (FluidSynth -> 48 kHz stereo, cut at bar lines -> FLAC) with ``lyrics`` (syllables ->
words -> lines -> enhanced LRC) and ``captions`` (descriptor text) beside it, and ``manifest``
(JSONL records, held-out split by piece). ``build`` ties them together.

music21 and FluidSynth are needed only to build the corpus, never to run the app: they are
imported or looked up lazily, and ``deps`` names the packages to install when they are missing.
"""
