#!/usr/bin/env python3
"""Extracts the wire-format test fixtures from packet captures of serf agents' traffic.

    python3 scripts/extract_wire_fixtures.py CAPTURES_DIR

CAPTURES_DIR holds `serf.pcap` (a plain serf cluster) and `serf-enc.pcap` (one with an encryption key); the
fixtures in the repository came from Debian's serf 0.8.2 on loopback, with throw-away keys.

Writes Tests/MemberlistWireTests/Fixtures/*.txt, one payload per line as `label hex`. The plain capture gives
the first datagram of each kind (by its layers and message type) and every push-pull stream; the encrypted
capture gives every datagram and stream. Standard library only."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_payloads  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if len(sys.argv) != 2:
    sys.exit('usage: extract_wire_fixtures.py CAPTURES_DIR')
captures = sys.argv[1]
out = os.path.join(root, 'Tests', 'MemberlistWireTests', 'Fixtures')
os.makedirs(out, exist_ok=True)


def kind(payload):
    """A label for the datagram's layers: crc-compound, compress, ping, ..."""
    names = {0: 'ping', 1: 'indirect-ping', 2: 'ack', 3: 'suspect', 4: 'alive', 5: 'dead', 7: 'compound',
             8: 'user', 9: 'compress', 11: 'nack', 12: 'crc'}
    label = [names.get(payload[0], str(payload[0]))]
    if payload[0] == 12:
        label.append(names.get(payload[5], str(payload[5])))
        if payload[5] == 8:
            label.append('serf%d' % payload[6])
    elif payload[0] == 8:
        label.append('serf%d' % payload[1])
    return '-'.join(label)


def write(name, rows):
    with open(os.path.join(out, name), 'w') as handle:
        for label, payload in rows:
            handle.write('%s %s\n' % (label, payload.hex()))
    print('%s: %d payloads' % (name, len(rows)))


plain = os.path.join(captures, 'serf.pcap')
seen = {}
for number, source, destination, payload in pcap_payloads.udp_datagrams(plain):
    label = kind(payload)
    if label not in seen:
        seen[label] = ('%s#%d' % (label, number), payload)
write('serf-udp.txt', sorted(seen.values()))

streams = []
for number, client, server, request, reply in pcap_payloads.tcp_streams(plain):
    if server[1] in range(7946, 7952) and request:
        streams.append(('pushpull-request#%d' % number, request))
        streams.append(('pushpull-reply#%d' % number, reply))
write('serf-tcp.txt', streams[:6])

encrypted = os.path.join(captures, 'serf-enc.pcap')
write('serf-enc-udp.txt', [('packet#%d' % number, payload)
                           for number, _, _, payload in pcap_payloads.udp_datagrams(encrypted)])
rows = []
for number, client, server, request, reply in pcap_payloads.tcp_streams(encrypted):
    if request:
        rows.append(('stream-request#%d' % number, request))
        rows.append(('stream-reply#%d' % number, reply))
write('serf-enc-tcp.txt', rows)
