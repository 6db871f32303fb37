"""A minimal client of Serf's RPC protocol (our agent speaks it too): MessagePack as Serf's codec writes it, and a
persistent connection that sends a command and reads its answer. Python's standard library only."""
import socket
import struct


def pack(value):
    if value is None:
        return b'\xc0'
    if value is True:
        return b'\xc3'
    if value is False:
        return b'\xc2'
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        return b'\xcf' + struct.pack('>Q', value)
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        return b'\xc6' + struct.pack('>I', len(data)) + data
    if isinstance(value, str):
        data = value.encode()
        return (bytes([0xa0 | len(data)]) if len(data) < 32 else b'\xd9' + bytes([len(data)])) + data
    if isinstance(value, dict):
        out = bytes([0x80 | len(value)])
        for key, item in value.items():
            out += pack(key) + pack(item)
        return out
    if isinstance(value, list):
        out = bytes([0x90 | len(value)])
        for item in value:
            out += pack(item)
        return out
    raise TypeError(value)


def unpack(data, offset=0):
    """Returns (value, next offset); raises IndexError when the data ends early."""
    first = data[offset]
    offset += 1
    if first <= 0x7f:
        return first, offset
    if 0x80 <= first <= 0x8f or first in (0xde, 0xdf):
        if first <= 0x8f:
            count = first & 0x0f
        elif first == 0xde:
            count = struct.unpack('>H', data[offset:offset + 2])[0]; offset += 2
        else:
            count = struct.unpack('>I', data[offset:offset + 4])[0]; offset += 4
        result = {}
        for _ in range(count):
            key, offset = unpack(data, offset)
            item, offset = unpack(data, offset)
            result[key.decode() if isinstance(key, bytes) else key] = item
        return result, offset
    if 0x90 <= first <= 0x9f or first in (0xdc, 0xdd):
        if first <= 0x9f:
            count = first & 0x0f
        elif first == 0xdc:
            count = struct.unpack('>H', data[offset:offset + 2])[0]; offset += 2
        else:
            count = struct.unpack('>I', data[offset:offset + 4])[0]; offset += 4
        result = []
        for _ in range(count):
            item, offset = unpack(data, offset)
            result.append(item)
        return result, offset
    if 0xa0 <= first <= 0xbf or first in (0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6):
        if 0xa0 <= first <= 0xbf:
            count = first & 0x1f
        elif first in (0xd9, 0xc4):
            count = data[offset]; offset += 1
        elif first in (0xda, 0xc5):
            count = struct.unpack('>H', data[offset:offset + 2])[0]; offset += 2
        else:
            count = struct.unpack('>I', data[offset:offset + 4])[0]; offset += 4
        if offset + count > len(data):
            raise IndexError('short')
        raw = bytes(data[offset:offset + count])
        return (raw if first in (0xc4, 0xc5, 0xc6) else raw.decode(errors='replace')), offset + count
    if first == 0xc0:
        return None, offset
    if first in (0xc2, 0xc3):
        return first == 0xc3, offset
    widths = {0xcc: ('>B', 1), 0xcd: ('>H', 2), 0xce: ('>I', 4), 0xcf: ('>Q', 8), 0xd0: ('>b', 1), 0xd1: ('>h', 2),
              0xd2: ('>i', 4), 0xd3: ('>q', 8), 0xca: ('>f', 4), 0xcb: ('>d', 8)}
    if first in widths:
        fmt, size = widths[first]
        if offset + size > len(data):
            raise IndexError('short')
        return struct.unpack(fmt, data[offset:offset + size])[0], offset + size
    if first >= 0xe0:
        return first - 256, offset
    raise ValueError('unsupported MessagePack byte 0x%x' % first)


class RPC:
    """A persistent connection to an agent's RPC endpoint (ours or serf's)."""

    def __init__(self, port, host='127.0.0.1'):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.buffer = b''
        self.seq = 0
        self.call('handshake', {'Version': 1}, body=False)

    def read(self):
        while True:
            try:
                value, offset = unpack(self.buffer)
                self.buffer = self.buffer[offset:]
                return value
            except IndexError:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError('closed')
                self.buffer += chunk

    def call(self, command, request=None, body=True):
        self.seq += 1
        self.sock.sendall(pack({'Command': command, 'Seq': self.seq}) + (pack(request) if request is not None else b''))
        header = self.read()
        answer = self.read() if body else None
        if header.get('Error'):
            raise RuntimeError(header['Error'])
        return answer

    def statuses(self):
        return {m['Name']: m['Status'] for m in self.call('members')['Members']}
