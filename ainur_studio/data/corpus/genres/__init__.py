"""Genre arranger: seeded multi-part songs in the genres people make in DAWs (symbolic only).

``arrange_song(genre, seed)`` (``arranger``) builds a ``song.Song``: tempo, metre, key,
sections (``form``), a chord per bar (``progressions`` over ``theory``), and parts per stem
role (``song.STEM_ROLES``) - drums (``grooves``, ``drums``), bass (``bass``), harmony
(``harmony_parts``), melody or vocals (``melody``) - following one declarative spec per
genre (``styles``). Every rhythm is a step string (``steps``). ``midi_out`` writes one
Standard MIDI File per stem and one for the mix (mido, a build-time dependency);
``report`` reads them back and measures the melody, the chord tones and the key per genre.
See docs/corpus-genres.md.
"""
