import GossipCore
import Testing

@Suite("Addresses")
struct AddressTests {
    @Test("IPv4 text and bytes round-trip")
    func ipv4RoundTrip() {
        let address = IPAddress("10.1.2.254")
        #expect(address == .v4(0x0A01_02FE))
        #expect(address?.bytes == [10, 1, 2, 254])
        #expect(address?.description == "10.1.2.254")
        #expect(IPAddress(bytes: [127, 0, 0, 1]) == .loopbackV4)
    }

    @Test("IPv6 text is parsed with :: and printed in its shortest form")
    func ipv6() {
        let address = IPAddress("2001:db8::1")
        #expect(address?.description == "2001:db8::1")
        #expect(address?.bytes.count == 16)
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::ffff:1.2.3.4") == .v4(0x0102_0304))
        #expect(IPAddress(bytes: IPAddress("fe80::1:2")!.bytes) == IPAddress("fe80::1:2"))
    }

    @Test(
        "malformed addresses are rejected, not trapped on",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", ":::", "1::2::3", "12345::", "g::1",
            "1:2:3:4:5:6:7:8:9",
        ])
    func malformedIP(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("host:port parsing for IPv4 and bracketed IPv6")
    func nodeAddress() {
        #expect(NodeAddress("127.0.0.1:7946") == NodeAddress(ip: .loopbackV4, port: 7946))
        #expect(NodeAddress("[::1]:80")?.description == "[::1]:80")
        #expect(NodeAddress("127.0.0.1") == nil)
        #expect(NodeAddress("127.0.0.1:70000") == nil)
        #expect(NodeAddress("[::1:80") == nil)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}
