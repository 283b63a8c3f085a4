"""The background engine: the process, its protocol, jobs, takes on disk and DAW delivery.

No Qt here, and no command line (that is `commands/`). `engine.protocol` and `engine.client`
stay stdlib-only so the UI can import them without loading torch; keep this `__init__` free
of imports.
"""
