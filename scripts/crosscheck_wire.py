#!/usr/bin/env python3
"""Checks swift-gossip's wire output with independent implementations.

    python3 scripts/crosscheck_wire.py FILE

Each line of FILE is either `aes KEY SEALED PLAINTEXT AAD` (hex; `-` for empty): SEALED must be
version 1 · nonce · ciphertext · tag and open with Python's `cryptography` AES-GCM under KEY; or
`lzw COMPRESSED PLAINTEXT`: COMPRESSED must inflate to PLAINTEXT with the Go-compatible LZW decoder below
(memberlist compresses with Go's compress/lzw). Exits non-zero on the first mismatch."""
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def lzw_inflate(data):
    """Go's compress/lzw reader, LSB order, 8-bit literals: clear code 256, end code 257, codes from 9 bits
    wide up to 12, the width growing once the next free code needs it; a full table adds nothing until the
    next clear. Written from the format, apart from the Swift encoder it checks."""
    clear, end = 256, 257
    table = [bytes([value]) for value in range(256)] + [b'', b'']
    width, bits, count, position = 9, 0, 0, 0
    previous = None
    out = bytearray()
    while True:
        while count < width:
            if position == len(data):
                raise ValueError('ends before the end code')
            bits |= data[position] << count
            position += 1
            count += 8
        code = bits & ((1 << width) - 1)
        bits >>= width
        count -= width
        if code == clear:
            del table[258:]
            width, previous = 9, None
            continue
        if code == end:
            return bytes(out)
        if code < len(table) and code not in (clear, end):
            entry = table[code]
            if previous is not None and len(table) < 4096:
                table.append(previous + entry[:1])
        elif code == len(table) and previous is not None:
            entry = previous + previous[:1]
            table.append(entry)
        else:
            raise ValueError('code %d with %d in the table' % (code, len(table)))
        out += entry
        previous = entry
        if len(table) >= 1 << width and width < 12:
            width += 1


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
        if lzw_inflate(compressed) != plaintext:
            sys.exit('line %d: LZW output does not inflate to the input' % number)
        lzw += 1
print('aes ok %d' % aes)
print('lzw ok %d' % lzw)
