"""Tests of the network layer (tradeport.net) and the loopback test kit (tradeport.testing)."""
