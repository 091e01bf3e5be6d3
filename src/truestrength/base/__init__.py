"""The base layer: what every stage shares and nothing above it defines.

Configuration, errors, seasons and the calendar, the in-memory league view, ratings (Elo,
SRS), targets, the predictor protocol, the game-probability model, the forward-chaining
season iterator, atomic files and run manifests. Modules here import only each other.
"""
