/// Every scenario, in the order of the project's list.
public enum ScenarioCatalog {
    /// The scenarios that can run.
    public static let all: [any Scenario.Type] = [
        TrainDelays.self, ServerFailures.self, MonsoonPartition.self, CabDispatch.self, PaymentNetwork.self,
        TrainStatusScale.self, DeliveryPartners.self, SupplyChainAlerts.self, DeliveryRouting.self,
        DeliveryMetrics.self, BookingMembership.self, ViralRumor.self, InventorySync.self, CacheInvalidation.self,
        BitcoinRelay.self,
    ]

    /// The scenario called `slug`.
    public static func scenario(named slug: String) -> (any Scenario.Type)? {
        all.first { $0.slug == slug }
    }
}
