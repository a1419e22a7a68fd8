//! Port reservation without races: a port is bound (and held) by zombienet from the moment it
//! is chosen until just before the node that uses it starts, so neither another node of this
//! network nor another zombienet on the machine can be handed it meanwhile. Ports come from
//! 20000–31999, below Linux's ephemeral range (32768–60999), so an outgoing connection of a
//! running node cannot take one between its release and the node's bind either.

use std::net::{IpAddr, TcpListener};

/// First port of the range.
const FIRST: u32 = 20_000;
/// Size of the range.
const SPAN: u32 = 12_000;

/// A port failure.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// Every port of the range is taken.
    #[error("no free port in 20000–31999 on {ip}")]
    Exhausted {
        /// The address.
        ip: IpAddr,
    },
    /// A fixed port from the definition is taken.
    #[error("port {port} on {ip} ({what}) is already in use")]
    Taken {
        /// The port.
        port: u16,
        /// The address.
        ip: IpAddr,
        /// Which node and which port.
        what: String,
    },
}

/// A port held by zombienet until [`Reserved::release`] (just before its node starts).
#[derive(Debug)]
pub struct Reserved {
    /// The port number.
    pub port: u16,
    listener: Option<TcpListener>,
}

impl Reserved {
    /// Gives the port up for its node to bind.
    pub fn release(&mut self) {
        self.listener = None;
    }
}

/// Reserves a free port on `ip`.
pub fn reserve(ip: IpAddr) -> Result<Reserved, PortError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Different processes start at different places in the range.
    let start = (std::process::id() % 240) * 50;
    for _ in 0..SPAN {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (start + offset) % SPAN) as u16;
        if let Ok(listener) = TcpListener::bind((ip, port)) {
            return Ok(Reserved { port, listener: Some(listener) });
        }
    }
    Err(PortError::Exhausted { ip })
}

/// Reserves a fixed port from the definition; `what` names it in the error.
pub fn reserve_fixed(ip: IpAddr, port: u16, what: &str) -> Result<Reserved, PortError> {
    TcpListener::bind((ip, port))
        .map(|l| Reserved { port, listener: Some(l) })
        .map_err(|_| PortError::Taken { port, ip, what: what.to_string() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reserved_port_is_held_until_released() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut r = reserve(ip).unwrap();
        assert!(TcpListener::bind((ip, r.port)).is_err(), "held while reserved");
        assert!(reserve_fixed(ip, r.port, "rpc of alice").is_err());
        let other = reserve(ip).unwrap();
        assert_ne!(other.port, r.port);
        r.release();
        assert!(TcpListener::bind((ip, r.port)).is_ok(), "free once released");
    }

    #[test]
    fn a_taken_fixed_port_names_what_it_was_for() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let held = reserve(ip).unwrap();
        let err = reserve_fixed(ip, held.port, "rpc_port of alice").unwrap_err();
        assert!(err.to_string().contains("rpc_port of alice"), "{err}");
    }
}
