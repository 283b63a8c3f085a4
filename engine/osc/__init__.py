"""DAW bridge over OSC: take notifications, per-DAW import, audio streaming with
acknowledgement, and tempo/transport listening. python-osc for encoding; no Qt.

Addresses and type tags are in `addresses.py` and `docs/daw-bridge.md`.
"""
