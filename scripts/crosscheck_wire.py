#!/usr/bin/env python3
"""Checks swift-gossip's wire output with independent implementations.

    python3 scripts/crosscheck_wire.py FILE

Each line of FILE is either `aes KEY SEALED PLAINTEXT AAD` (hex; `-` for empty): SEALED must be
version 1 · nonce · ciphertext · tag and open with Python's `cryptography` AES-GCM under KEY; or
`lzw COMPRESSED PLAINTEXT`: COMPRESSED must inflate to PLAINTEXT with the Go-compatible LZW decoder of
shared/tools/dissect.py (the captures' reference). Exits non-zero on the first mismatch."""
import importlib.util
import os
import sys
import types

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tools = os.environ.get('GOSSIP_SHARED_TOOLS', os.path.join(root, '..', 'shared', 'tools'))
# dissect.py imports msgpack at the top; its LZW decoder does not use it.
sys.modules.setdefault('msgpack', types.ModuleType('msgpack'))
spec = importlib.util.spec_from_file_location('dissect', os.path.join(tools, 'dissect.py'))
dissect = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dissect)



def unhex(field):
    return b'' if field == '-' else bytes.fromhex(field)


aes = lzw = 0
for number, line in enumerate(open(sys.argv[1]), 1):
    fields = line.split()
    if not fields:
        continue
    if fields[0] == 'aes':
        key, sealed, plaintext, aad = (unhex(f) for f in fields[1:5])
        if sealed[0] != 1:
            sys.exit('line %d: version byte %d' % (number, sealed[0]))
        opened = AESGCM(key).decrypt(sealed[1:13], sealed[13:], aad)
        if opened != plaintext:
            sys.exit('line %d: AES-GCM plaintext differs' % number)
        aes += 1
    elif fields[0] == 'lzw':
        compressed, plaintext = unhex(fields[1]), unhex(fields[2])
        if dissect.lzw_lsb_decode(compressed) != plaintext:
            sys.exit('line %d: LZW output does not inflate to the input' % number)
        lzw += 1
print('aes ok %d' % aes)
print('lzw ok %d' % lzw)
