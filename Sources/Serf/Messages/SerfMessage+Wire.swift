import MemberlistWire

extension SerfMessage {
    /// The encoded message, its Serf type byte first (put it in a memberlist `user` message to send it).
    public func encode(style: MessagePackWriter.Style = .goMsgpackRaw) -> [UInt8] {
        var writer = MessagePackWriter(style: style, capacity: 128)
        writer.writeRaw(CollectionOfOne(type.rawValue))
        switch self {
        case .leave(let intent):
            writer.writeMapHeader(3)
            writer.writeKey("LTime")
            writer.writeUnsigned(intent.lamportTime)
            writer.writeKey("Node")
            writer.writeString(intent.node)
            writer.writeKey("Prune")
            writer.writeBool(intent.prune)
        case .join(let intent):
            writer.writeMapHeader(2)
            writer.writeKey("LTime")
            writer.writeUnsigned(intent.lamportTime)
            writer.writeKey("Node")
            writer.writeString(intent.node)
        case .pushPull(let state):
            state.encode(into: &writer)
        case .userEvent(let event):
            writer.writeMapHeader(4)
            writer.writeKey("CC")
            writer.writeBool(event.coalesce)
            writer.writeKey("LTime")
            writer.writeUnsigned(event.lamportTime)
            writer.writeKey("Name")
            writer.writeString(event.name)
            writer.writeKey("Payload")
            writer.writeBytesOrNil(event.payload)
        case .query(let query):
            query.encode(into: &writer)
        case .queryResponse(let response):
            writer.writeMapHeader(5)
            writer.writeKey("Flags")
            writer.writeUnsigned(UInt64(response.flags))
            writer.writeKey("From")
            writer.writeString(response.from)
            writer.writeKey("ID")
            writer.writeUnsigned(UInt64(response.id))
            writer.writeKey("LTime")
            writer.writeUnsigned(response.lamportTime)
            writer.writeKey("Payload")
            writer.writeBytesOrNil(response.payload)
        case .conflictResponse(let member):
            member.encode(into: &writer)
        case .keyRequest(let request):
            writer.writeMapHeader(1)
            writer.writeKey("Key")
            writer.writeBytesOrNil(request.key)
        case .keyResponse(let response):
            writer.writeMapHeader(4)
            writer.writeKey("Keys")
            writer.writeArrayHeader(response.keys.count)
            for key in response.keys { writer.writeString(key) }
            writer.writeKey("Message")
            writer.writeString(response.message)
            writer.writeKey("PrimaryKey")
            writer.writeString(response.primaryKey)
            writer.writeKey("Result")
            writer.writeBool(response.result)
        case .relay(let relay):
            writer.writeMapHeader(2)
            writer.writeKey("DestAddr")
            writer.writeMapHeader(3)
            writer.writeKey("IP")
            writer.writeBytes(relay.destinationIP)
            writer.writeKey("Port")
            writer.writeUnsigned(UInt64(relay.destinationPort))
            writer.writeKey("Zone")
            writer.writeString(relay.destinationZone)
            writer.writeKey("DestName")
            writer.writeString(relay.destinationName)
            writer.writeRaw(relay.message)
        }
        return writer.bytes
    }

    /// Decodes a Serf message, its type byte first.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        guard let first = bytes.first else { throw .emptyMessage }
        guard let type = MessageType(rawValue: first) else { throw .unknownMessageType(first) }
        var reader = MessagePackReader(bytes, range: 1..<bytes.count)
        switch type {
        case .leave:
            var intent = LeaveIntent(lamportTime: 0, node: "")
            try reader.readFields { (key, reader) throws(WireError) in
                switch key {
                case "LTime": intent.lamportTime = try reader.readUnsigned()
                case "Node": intent.node = try reader.readString()
                case "Prune": intent.prune = try reader.readBool()
                default: return false
                }
                return true
            }
            self = .leave(intent)
        case .join:
            var intent = JoinIntent(lamportTime: 0, node: "")
            try reader.readFields { (key, reader) throws(WireError) in
                switch key {
                case "LTime": intent.lamportTime = try reader.readUnsigned()
                case "Node": intent.node = try reader.readString()
                default: return false
                }
                return true
            }
            self = .join(intent)
        case .pushPull:
            self = .pushPull(try PushPullState(from: &reader))
        case .userEvent:
            var event = UserEvent(lamportTime: 0, name: "", payload: [], coalesce: false)
            try reader.readFields { (key, reader) throws(WireError) in
                switch key {
                case "CC": event.coalesce = try reader.readBool()
                case "LTime": event.lamportTime = try reader.readUnsigned()
                case "Name": event.name = try reader.readString()
                case "Payload": event.payload = try reader.readBytes()
                default: return false
                }
                return true
            }
            self = .userEvent(event)
        case .query:
            self = .query(try Query(from: &reader))
        case .queryResponse:
            var response = QueryResponse(flags: 0, from: "", id: 0, lamportTime: 0, payload: [])
            try reader.readFields { (key, reader) throws(WireError) in
                switch key {
                case "Flags": response.flags = try reader.readUnsigned(UInt32.self, field: "Flags")
                case "From": response.from = try reader.readString()
                case "ID": response.id = try reader.readUnsigned(UInt32.self, field: "ID")
                case "LTime": response.lamportTime = try reader.readUnsigned()
                case "Payload": response.payload = try reader.readBytes()
                default: return false
                }
                return true
            }
            self = .queryResponse(response)
        case .conflictResponse:
            self = .conflictResponse(try Member(from: &reader))
        case .keyRequest:
            var request = KeyRequest(key: [])
            try reader.readFields { (key, reader) throws(WireError) in
                guard key == "Key" else { return false }
                request.key = try reader.readBytes()
                return true
            }
            self = .keyRequest(request)
        case .keyResponse:
            var response = KeyResponse(keys: [], message: "", primaryKey: "", result: false)
            try reader.readFields { (key, reader) throws(WireError) in
                switch key {
                case "Keys":
                    let count = try reader.readArrayHeader()
                    for _ in 0..<count { response.keys.append(try reader.readString()) }
                case "Message": response.message = try reader.readString()
                case "PrimaryKey": response.primaryKey = try reader.readString()
                case "Result": response.result = try reader.readBool()
                default: return false
                }
                return true
            }
            self = .keyResponse(response)
        case .relay:
            var relay = Relay(destinationIP: [], destinationPort: 0, destinationName: "", message: [])
            try reader.readFields { (key, reader) throws(WireError) in
                switch key {
                case "DestAddr":
                    try reader.readFields { (key, reader) throws(WireError) in
                        switch key {
                        case "IP": relay.destinationIP = try reader.readBytes()
                        case "Port": relay.destinationPort = try reader.readUnsigned(UInt16.self, field: "Port")
                        case "Zone": relay.destinationZone = try reader.readString()
                        default: return false
                        }
                        return true
                    }
                case "DestName": relay.destinationName = try reader.readString()
                default: return false
                }
                return true
            }
            relay.message = Array(bytes[reader.position...])
            self = .relay(relay)
        }
    }
}

extension SerfMessage.PushPullState {
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(6)
        writer.writeKey("EventLTime")
        writer.writeUnsigned(eventLamportTime)
        writer.writeKey("Events")
        writer.writeArrayHeader(events.count)
        for slot in events {
            guard let slot else {
                writer.writeNil()
                continue
            }
            writer.writeMapHeader(2)
            writer.writeKey("Events")
            writer.writeArrayHeader(slot.events.count)
            for event in slot.events {
                writer.writeMapHeader(2)
                writer.writeKey("Name")
                writer.writeString(event.name)
                writer.writeKey("Payload")
                writer.writeBytesOrNil(event.payload)
            }
            writer.writeKey("LTime")
            writer.writeUnsigned(slot.lamportTime)
        }
        writer.writeKey("LTime")
        writer.writeUnsigned(lamportTime)
        writer.writeKey("LeftMembers")
        writer.writeArrayHeader(leftMembers.count)
        for name in leftMembers { writer.writeString(name) }
        writer.writeKey("QueryLTime")
        writer.writeUnsigned(queryLamportTime)
        writer.writeKey("StatusLTimes")
        writer.writeMapHeader(statusLamportTimes.count)
        for (name, time) in statusLamportTimes.sorted(by: { $0.key < $1.key }) {
            writer.writeString(name)
            writer.writeUnsigned(time)
        }
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        self.init(
            eventLamportTime: 0, events: [], lamportTime: 0, leftMembers: [], queryLamportTime: 0,
            statusLamportTimes: [:])
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "EventLTime": eventLamportTime = try reader.readUnsigned()
            case "Events":
                let count = try reader.readArrayHeader()
                for _ in 0..<count {
                    if reader.readNilIfPresent() {
                        events.append(nil)
                        continue
                    }
                    var slot = SerfMessage.EventsAtTime(lamportTime: 0, events: [])
                    try reader.readFields { (key, reader) throws(WireError) in
                        switch key {
                        case "LTime": slot.lamportTime = try reader.readUnsigned()
                        case "Events":
                            let eventCount = try reader.readArrayHeader()
                            for _ in 0..<eventCount {
                                var record = SerfMessage.EventRecord(name: "", payload: [])
                                try reader.readFields { (key, reader) throws(WireError) in
                                    switch key {
                                    case "Name": record.name = try reader.readString()
                                    case "Payload": record.payload = try reader.readBytes()
                                    default: return false
                                    }
                                    return true
                                }
                                slot.events.append(record)
                            }
                        default: return false
                        }
                        return true
                    }
                    events.append(slot)
                }
            case "LTime": lamportTime = try reader.readUnsigned()
            case "LeftMembers":
                let count = try reader.readArrayHeader()
                for _ in 0..<count { leftMembers.append(try reader.readString()) }
            case "QueryLTime": queryLamportTime = try reader.readUnsigned()
            case "StatusLTimes":
                let count = try reader.readMapHeader()
                for _ in 0..<count {
                    let name = try reader.readString()
                    statusLamportTimes[name] = try reader.readUnsigned()
                }
            default: return false
            }
            return true
        }
    }
}

extension SerfMessage.Query {
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(11)
        writer.writeKey("Addr")
        writer.writeBytesOrNil(address)
        writer.writeKey("Filters")
        if filters.isEmpty {
            writer.writeNil()
        } else {
            writer.writeArrayHeader(filters.count)
            for filter in filters { writer.writeBytes(filter) }
        }
        writer.writeKey("Flags")
        writer.writeUnsigned(UInt64(flags))
        writer.writeKey("ID")
        writer.writeUnsigned(UInt64(id))
        writer.writeKey("LTime")
        writer.writeUnsigned(lamportTime)
        writer.writeKey("Name")
        writer.writeString(name)
        writer.writeKey("Payload")
        writer.writeBytesOrNil(payload)
        writer.writeKey("Port")
        writer.writeUnsigned(UInt64(port))
        writer.writeKey("RelayFactor")
        writer.writeUnsigned(UInt64(relayFactor))
        writer.writeKey("SourceNode")
        writer.writeString(sourceNode)
        writer.writeKey("Timeout")
        writer.writeSigned(timeoutNanoseconds)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        self.init(
            address: [], filters: [], flags: 0, id: 0, lamportTime: 0, name: "", payload: [], port: 0, relayFactor: 0,
            sourceNode: "", timeoutNanoseconds: 0)
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Addr": address = try reader.readBytes()
            case "Filters":
                let count = try reader.readArrayHeader()
                for _ in 0..<count { filters.append(try reader.readBytes()) }
            case "Flags": flags = try reader.readUnsigned(UInt32.self, field: "Flags")
            case "ID": id = try reader.readUnsigned(UInt32.self, field: "ID")
            case "LTime": lamportTime = try reader.readUnsigned()
            case "Name": name = try reader.readString()
            case "Payload": payload = try reader.readBytes()
            case "Port": port = try reader.readUnsigned(UInt16.self, field: "Port")
            case "RelayFactor": relayFactor = try reader.readUnsigned(UInt8.self, field: "RelayFactor")
            case "SourceNode": sourceNode = try reader.readString()
            case "Timeout": timeoutNanoseconds = try reader.readSigned()
            default: return false
            }
            return true
        }
    }
}

extension SerfMessage.Member {
    func encode(into writer: inout MessagePackWriter) {
        let version = { (index: Int) -> UInt64 in UInt64(index < versions.count ? versions[index] : 0) }
        writer.writeMapHeader(11)
        writer.writeKey("Addr")
        writer.writeBytesOrNil(address)
        writer.writeKey("DelegateCur")
        writer.writeUnsigned(version(5))
        writer.writeKey("DelegateMax")
        writer.writeUnsigned(version(4))
        writer.writeKey("DelegateMin")
        writer.writeUnsigned(version(3))
        writer.writeKey("Name")
        writer.writeString(name)
        writer.writeKey("Port")
        writer.writeUnsigned(UInt64(port))
        writer.writeKey("ProtocolCur")
        writer.writeUnsigned(version(2))
        writer.writeKey("ProtocolMax")
        writer.writeUnsigned(version(1))
        writer.writeKey("ProtocolMin")
        writer.writeUnsigned(version(0))
        writer.writeKey("Status")
        writer.writeSigned(status)
        writer.writeKey("Tags")
        SerfTags.encode(tags, into: &writer)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        self.init(address: [], versions: [0, 0, 0, 0, 0, 0], name: "", port: 0, status: 0, tags: [:])
        try reader.readFields { (key, reader) throws(WireError) in
            let slot: Int
            switch key {
            case "Addr":
                address = try reader.readBytes()
                return true
            case "Name":
                name = try reader.readString()
                return true
            case "Port":
                port = try reader.readUnsigned(UInt16.self, field: "Port")
                return true
            case "Status":
                status = try reader.readSigned()
                return true
            case "Tags":
                tags = try SerfTags.decodeMap(&reader)
                return true
            case "ProtocolMin": slot = 0
            case "ProtocolMax": slot = 1
            case "ProtocolCur": slot = 2
            case "DelegateMin": slot = 3
            case "DelegateMax": slot = 4
            case "DelegateCur": slot = 5
            default: return false
            }
            versions[slot] = try reader.readUnsigned(UInt8.self, field: "a version number")
            return true
        }
    }
}
