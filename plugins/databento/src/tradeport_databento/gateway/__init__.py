"""The live gateway (Raw API): plain TCP, text control lines, then DBN records.

Deviation from the plugin layout: where WebSocket venues have ``websocket/``, Databento has
``gateway/`` (its protocol is not WebSocket): ``protocol.py`` (the control lines, sans-IO),
``client.py`` (the live session on the core's stream session).
"""
