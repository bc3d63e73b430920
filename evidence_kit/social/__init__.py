"""Social-media accounts as evidence: a Profile and its Posts, every field naming the bytes behind it.

``session.capture_profiles`` captures account pages (the full web capture, plus ``reader.py`` reading
the timeline in the same recorded page), ``store.py`` extracts and records them, ``history.py`` says
what changed since the last capture. One module per platform under ``platforms/``, listed in
``registry.py``; walls (login, consent, bot checks, …) in ``walls.py``.
"""
