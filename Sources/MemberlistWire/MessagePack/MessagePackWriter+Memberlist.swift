import GossipCore
import SWIM

extension MessagePackWriter {
    /// An IP address as the byte string of its 4 or 16 network-order bytes, written from its integers.
    mutating func writeIPAddress(_ address: IPAddress) {
        switch address {
        case .v4(let value):
            writeBytesHeader(4)
            appendBigEndian(value)
        case .v6(let high, let low):
            writeBytesHeader(16)
            appendBigEndian(high)
            appendBigEndian(low)
        }
    }

    /// memberlist's `Vsn`: the six version bytes as a byte string.
    mutating func writeProtocolVersions(_ versions: SWIM.ProtocolVersions) {
        writeBytesHeader(6)
        bytes.append(versions.protocolMin)
        bytes.append(versions.protocolMax)
        bytes.append(versions.protocolCurrent)
        bytes.append(versions.delegateMin)
        bytes.append(versions.delegateMax)
        bytes.append(versions.delegateCurrent)
    }
}
