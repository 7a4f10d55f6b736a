//! Whose request this is, for the account forms' rate limit: the address of the connection's
//! peer, unless that peer is one of the deployment's own reverse proxies (`--trusted-proxy`).
//! Then the client is the nearest address in `X-Forwarded-For` that is not one of those
//! proxies, read from the right: each proxy appends the address it saw, so the entries left
//! of the first untrusted one were written by the client itself and prove nothing.
//!
//! A peer that is not a trusted proxy is never believed about `X-Forwarded-For`: anyone can
//! send the header, so trusting it from everyone would let a client pick a fresh address for
//! every guess.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// The header each proxy appends the address it received the request from to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// Finds a request's client address, trusting `X-Forwarded-For` from the given proxies only.
#[derive(Debug, Clone, Default)]
pub struct ClientAddress {
    proxies: Arc<[IpAddr]>,
}

impl ClientAddress {
    /// Believes `X-Forwarded-For` when the peer is one of `proxies` (none: never).
    #[must_use]
    pub fn trusting(proxies: Vec<IpAddr>) -> Self {
        Self {
            proxies: proxies.into(),
        }
    }

    fn trusted(&self, address: IpAddr) -> bool {
        self.proxies.contains(&address)
    }

    /// The client of a request that came from `peer` with `headers`.
    #[must_use]
    pub fn of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        if !self.trusted(peer) {
            return client;
        }
        // Several headers count as one list, in the order they came.
        let hops: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        for hop in hops.into_iter().rev() {
            let Ok(address) = hop.trim().parse::<IpAddr>() else {
                // Not an address: the chain can be followed no further than the last proxy.
                return client;
            };
            client = address;
            if !self.trusted(address) {
                break;
            }
        }
        client
    }
}

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(self.of(peer, request.headers()))
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use axum::http::{HeaderMap, HeaderValue};

    use super::ClientAddress;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_says() {
        let addresses = ClientAddress::default();
        let claims = forwarded(&["203.0.113.9"]);
        assert_eq!(
            addresses.of(ip("198.51.100.7"), &claims),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_not_believed() {
        let addresses = ClientAddress::trusting(vec![ip("10.0.0.2")]);
        let claims = forwarded(&["203.0.113.9"]);
        assert_eq!(
            addresses.of(ip("198.51.100.7"), &claims),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_address_it_saw() {
        let addresses = ClientAddress::trusting(vec![ip("10.0.0.2")]);
        let seen = forwarded(&["203.0.113.9"]);
        assert_eq!(addresses.of(ip("10.0.0.2"), &seen), ip("203.0.113.9"));
    }

    #[test]
    fn addresses_a_client_wrote_itself_left_of_the_proxys_entry_are_ignored() {
        let addresses = ClientAddress::trusting(vec![ip("10.0.0.2"), ip("10.0.0.3")]);
        // The client sent "1.1.1.1"; the outer proxy (10.0.0.3) saw 203.0.113.9 and the
        // inner one (10.0.0.2) saw the outer proxy.
        let chain = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.3"]);
        assert_eq!(addresses.of(ip("10.0.0.2"), &chain), ip("203.0.113.9"));
    }

    #[test]
    fn a_garbled_entry_stops_at_the_last_address_a_proxy_vouched_for() {
        let addresses = ClientAddress::trusting(vec![ip("10.0.0.2"), ip("10.0.0.3")]);
        let chain = forwarded(&["not-an-address, 10.0.0.3"]);
        assert_eq!(addresses.of(ip("10.0.0.2"), &chain), ip("10.0.0.3"));
        assert_eq!(
            addresses.of(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_clients_are_read_too() {
        let addresses = ClientAddress::trusting(vec![ip("::1")]);
        let seen = forwarded(&["2001:db8::7"]);
        assert_eq!(addresses.of(ip("::1"), &seen), ip("2001:db8::7"));
    }
}
