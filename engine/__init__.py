"""The background engine: protocol, jobs, takes on disk, OSC delivery, headless CLI.

No Qt here. `engine.protocol` and `engine.client` stay stdlib-only so the UI can import them
without loading torch; keep this `__init__` free of imports.
"""
