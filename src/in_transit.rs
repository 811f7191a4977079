//! Counts the request bodies still arriving from each client address, so that one address can
//! hold only a few slow ones at once (the rule itself is in `web::limits`).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// Counts the bodies in transit per client address.
#[derive(Debug, Default)]
pub struct BodiesInTransit {
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

impl BodiesInTransit {
    /// A place for one more body from `ip`, or `None` when it already has `max` in transit.
    pub fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<InTransit> {
        let mut map = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(InTransit {
            counts: Arc::clone(self),
            ip,
        })
    }
}

/// One body in transit; leaves the count when dropped.
pub struct InTransit {
    counts: Arc<BodiesInTransit>,
    ip: IpAddr,
}

impl Drop for InTransit {
    fn drop(&mut self) {
        let mut map = self
            .counts
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_has_a_few_bodies_in_transit_at_most() {
        let counts = Arc::new(BodiesInTransit::default());
        let ip = IpAddr::from([127, 0, 0, 2]);
        let held: Vec<_> = (0..3).filter_map(|_| counts.enter(ip, 3)).collect();
        assert_eq!(held.len(), 3);
        assert!(counts.enter(ip, 3).is_none());
        assert!(counts.enter(IpAddr::from([127, 0, 0, 3]), 3).is_some());
        drop(held);
        assert!(counts.enter(ip, 3).is_some());
        assert!(counts.per_address.lock().unwrap().len() <= 1);
    }
}
