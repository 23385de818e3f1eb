"""The write plane of dYdX v4: keys and addresses, the protobuf messages the plugin sends,
Cosmos transactions (SIGN_MODE_DIRECT) and their signatures.

Sans-IO and pure: nothing here touches the network, so the mock validator decodes and verifies
with the same code the client encodes and signs with.
"""
