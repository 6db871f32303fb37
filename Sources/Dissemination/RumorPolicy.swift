import GossipCore

extension Dissemination {
    /// When a spreading node loses interest in a rumor (Demers et al. 1987, §1.4 "rumor mongering").
    ///
    /// After each contact that carried the rumor, the sender learns (with ``Feedback/feedback``) or does not learn
    /// (``Feedback/blind``) whether the recipient already knew it, and then decides whether to go on spreading:
    ///
    /// | | counter | coin |
    /// |---|---|---|
    /// | feedback | stop after `k` consecutive contacts with sites that already knew; a useful contact resets the count | after a contact with a site that already knew, stop with probability 1/k |
    /// | blind | stop after `k` contacts | after every contact, stop with probability 1/k |
    public struct RumorPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Whether the sender learns if the recipient needed the rumor.
        public enum Feedback: String, Sendable, Hashable, Codable, CaseIterable {
            /// The recipient says whether it already knew; only unneeded contacts count toward losing interest.
            case feedback
            /// The sender cannot tell; every contact counts.
            case blind
        }

        /// How contacts turn into losing interest.
        public enum LossOfInterest: String, Sendable, Hashable, Codable, CaseIterable {
            /// Deterministically, after `k` counted contacts.
            case counter
            /// With probability 1/k at each counted contact.
            case coin
        }

        /// Whether the sender learns if the recipient needed the rumor.
        public var feedback: Feedback
        /// How counted contacts turn into losing interest.
        public var lossOfInterest: LossOfInterest
        /// The parameter k: the counter's limit, or the inverse of the coin's probability. At least 1.
        public var k: Int

        /// A policy; `k` must be at least 1 (the parameter of Demers et al.).
        public init(feedback: Feedback, lossOfInterest: LossOfInterest, k: Int) {
            precondition(k >= 1, "a rumor policy needs k >= 1")
            self.feedback = feedback
            self.lossOfInterest = lossOfInterest
            self.k = k
        }

        /// A policy named as the command line names it, `feedback-counter`, `blind-coin` and so on.
        public init?(variant: String, k: Int) {
            let parts = variant.split(separator: "-").map(String.init)
            guard k >= 1, parts.count == 2, let feedback = Feedback(rawValue: parts[0]),
                let loss = LossOfInterest(rawValue: parts[1])
            else { return nil }
            self.init(feedback: feedback, lossOfInterest: loss, k: k)
        }

        /// The variant's name: `feedback-counter`, `blind-coin`, ...
        public var variant: String { "\(feedback.rawValue)-\(lossOfInterest.rawValue)" }

        /// `feedback-counter k=2`.
        public var description: String { "\(variant) k=\(k)" }

        /// Records one contact that carried the rumor and says whether the sender stays infective.
        ///
        /// - Parameters:
        ///   - counter: the sender's per-rumor counter, kept by the caller (one byte a node is enough).
        ///   - recipientKnew: whether the recipient already knew the rumor; ignored by blind policies.
        ///   - rng: randomness for the coin variants.
        /// - Returns: `true` while the sender keeps spreading, `false` once it has lost interest.
        @inlinable
        public func recordContact(
            counter: inout UInt8, recipientKnew: Bool, using rng: inout some RandomNumberGenerator
        ) -> Bool {
            let counts = feedback == .blind || recipientKnew
            switch lossOfInterest {
            case .counter:
                if !counts {
                    counter = 0
                    return true
                }
                counter &+= 1
                return Int(counter) < k
            case .coin:
                guard counts else { return true }
                return k == 1 ? false : rng.nextIndex(below: k) != 0
            }
        }
    }
}
