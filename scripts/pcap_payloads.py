#!/usr/bin/env python3
"""Reads a pcap of memberlist/Serf traffic on loopback and yields UDP datagrams and TCP stream payloads.

Used by extract_wire_fixtures.py; needs nothing beyond the Python standard library (no tshark)."""
import struct


def records(path):
    data = open(path, 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xA1B2C3D4, 0xA1B23C4D) else '>'
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    offset = 24
    number = 0
    while offset + 16 <= len(data):
        _, _, captured, _ = struct.unpack(endian + 'IIII', data[offset:offset + 16])
        offset += 16
        frame = data[offset:offset + captured]
        offset += captured
        number += 1
        yield number, linktype, frame


def packets(path):
    """Yields (number, protocol, src, sport, dst, dport, tcp_flags, payload) for IPv4 UDP and TCP frames."""
    for number, linktype, frame in records(path):
        if linktype == 1:  # Ethernet
            ethertype = struct.unpack('>H', frame[12:14])[0]
            if ethertype != 0x0800:
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked
            ip = frame[16:]
        else:
            ip = frame[4:]
        if not ip or ip[0] >> 4 != 4:
            continue
        header = (ip[0] & 0x0F) * 4
        total = struct.unpack('>H', ip[2:4])[0]
        proto = ip[9]
        src = '.'.join(map(str, ip[12:16]))
        dst = '.'.join(map(str, ip[16:20]))
        body = ip[header:total]
        if proto == 17:
            sport, dport = struct.unpack('>HH', body[:4])
            yield number, 'udp', src, sport, dst, dport, 0, body[8:]
        elif proto == 6:
            sport, dport = struct.unpack('>HH', body[:4])
            data_offset = (body[12] >> 4) * 4
            flags = body[13]
            yield number, 'tcp', src, sport, dst, dport, flags, body[data_offset:]


def udp_datagrams(path):
    for number, proto, src, sport, dst, dport, _, payload in packets(path):
        if proto == 'udp' and payload:
            yield number, (src, sport), (dst, dport), payload


def tcp_streams(path):
    """Each TCP connection as (first frame number, client, server, client->server bytes, server->client bytes)."""
    connections = {}
    order = []
    for number, proto, src, sport, dst, dport, flags, payload in packets(path):
        if proto != 'tcp':
            continue
        a, b = (src, sport), (dst, dport)
        syn, ack = flags & 0x02, flags & 0x10
        if syn and not ack:
            key = (a, b)
            connections[key] = [number, a, b, bytearray(), bytearray()]
            order.append(connections[key])
            continue
        if (a, b) in connections:
            connections[(a, b)][3] += payload
        elif (b, a) in connections:
            connections[(b, a)][4] += payload
    return [(c[0], c[1], c[2], bytes(c[3]), bytes(c[4])) for c in order]
