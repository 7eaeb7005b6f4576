//! Who a limit applies to: a player, or a client address (IPv6 per /64).

use std::net::IpAddr;

use crate::validate::PlayerId;

/// Where a write came from, as the per-address limit sees it: the `CF-Connecting-IP` header,
/// which Cloudflare's edge sets (a client cannot) and local workerd passes on as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    Ip(IpAddr),
    /// A header that is not an address. All such writes share one bucket, so that a made-up
    /// value cannot switch the per-address limit off.
    Unparsable,
}

impl ClientAddress {
    pub fn from_header(value: &str) -> Self {
        value
            .trim()
            .parse()
            .map_or(Self::Unparsable, ClientAddress::Ip)
    }
}

impl From<IpAddr> for ClientAddress {
    fn from(ip: IpAddr) -> Self {
        Self::Ip(ip)
    }
}

/// Who a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitSubject<'a> {
    Player(&'a PlayerId),
    /// The client address. IPv6 clients are limited per /64, the smallest block an ISP hands
    /// out, since one client can use any address within it.
    Address(ClientAddress),
}

impl RateLimitSubject<'_> {
    /// The subject as it appears in a key: `player:<id>`, `ip:<v4>`, `ip:<v6 /64 prefix>/64`,
    /// or `ip:unparsable` (which no address spells).
    pub fn key_part(&self) -> String {
        match self {
            Self::Player(player) => format!("player:{player}"),
            Self::Address(ClientAddress::Unparsable) => "ip:unparsable".to_owned(),
            Self::Address(ClientAddress::Ip(IpAddr::V4(v4))) => format!("ip:{v4}"),
            Self::Address(ClientAddress::Ip(IpAddr::V6(v6))) => match v6.to_ipv4_mapped() {
                Some(v4) => format!("ip:{v4}"),
                None => {
                    let prefix = u128::from(*v6) & !u128::from(u64::MAX);
                    format!("ip:{}/64", std::net::Ipv6Addr::from(prefix))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_key_ipv6_clients_by_their_slash_64() {
        let player = PlayerId::try_from("alice").unwrap();
        assert_eq!(RateLimitSubject::Player(&player).key_part(), "player:alice");
        let ip = |text: &str| {
            RateLimitSubject::Address(ClientAddress::Ip(text.parse().unwrap())).key_part()
        };
        assert_eq!(ip("203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(ip("::ffff:203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(ip("2001:db8:1:2:aaaa::1"), "ip:2001:db8:1:2::/64");
        assert_eq!(ip("2001:db8:1:2:bbbb::9"), ip("2001:db8:1:2::"));
        assert_ne!(ip("2001:db8:1:3::"), ip("2001:db8:1:2::"));
    }

    #[test]
    fn an_unparsable_address_shares_one_bucket_and_spells_no_address() {
        for header in [
            "not an address",
            "",
            "203.0.113.7, 198.51.100.1",
            "999.1.1.1",
            "::g",
        ] {
            assert_eq!(
                ClientAddress::from_header(header),
                ClientAddress::Unparsable,
                "{header:?}"
            );
        }
        assert_eq!(
            ClientAddress::from_header(" 203.0.113.7 "),
            ClientAddress::Ip("203.0.113.7".parse().unwrap())
        );
        let unparsable = RateLimitSubject::Address(ClientAddress::Unparsable).key_part();
        assert_eq!(unparsable, "ip:unparsable");
        let address = unparsable.trim_start_matches("ip:");
        assert!(address.parse::<IpAddr>().is_err());
    }
}
