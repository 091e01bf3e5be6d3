"""The application layer: what each command does, as functions returning typed results.

``cli.py`` parses arguments, calls one function here and prints what it returns; anything
a command decides (which seasons, which run, where files go, what the manifest says) is
decided here, so the same jobs can be called from a notebook or a test.
"""
