"""Starter corpus: public-domain scores from the music21 corpus rendered to audio.

Pipeline, one module per step:

- ``scores`` lists, orders and opens pieces; ``extract`` reduces a music21 score to the plain
  records of ``score_data`` (notes, bars, metre, key, lyric syllables);
- ``arrange`` draws a tempo, instruments (``instruments``), pan, reverb and chorus per render;
  single melodies get chords (``harmony``), a bass line, an accompaniment and, for dances,
  drums (``accompany``);
- ``midi`` writes the arrangement as a Standard MIDI File; ``render`` runs FluidSynth, levels
  the audio and writes FLAC clips cut at bar lines (``clips``);
- ``lyrics`` turns syllables into words, lines and synced (enhanced) LRC per clip;
  ``styles`` and ``captions`` write the descriptor caption;
- ``piece`` renders one piece, ``manifest`` keeps the JSONL records, ``build`` runs it all,
  resumably, and ``summarise`` reports a corpus.

``genres`` is the symbolic side of the modern-genre corpus: a seeded arranger that writes
complete songs in 15 DAW genres (drums, bass, harmony, melody or vocals as separate stems) and
their MIDI files; ``genres.build`` renders them as audio stems with labels (docs/corpus.md).

music21 and FluidSynth are needed only to build the corpus, never to run the app: they are
imported or looked up lazily, and ``deps`` names the packages to install when they are missing.
"""
