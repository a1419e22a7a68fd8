//! The composed libp2p behaviour and the swarm built around it.

use std::time::Duration;

use libp2p::{
    allow_block_list::{self, BlockedPeers},
    gossipsub, identify, noise,
    request_response::{self, ProtocolSupport},
    swarm::NetworkBehaviour,
    tcp, yamux, StreamProtocol, Swarm, SwarmBuilder,
};

use crate::{
    codec::FrameCodec,
    config::NetworkConfig,
    error::NetworkError,
    protocol::{wire_name, Protocol},
};

/// Room for gossipsub's signed envelope (author, sequence number, topic, signature, framing)
/// on top of [`NetworkConfig::max_gossip_size`], so a payload of exactly that size still fits in
/// one gossipsub frame.
pub(crate) const GOSSIP_ENVELOPE_ALLOWANCE: usize = 1024;

/// How long a connection with nothing to do stays open: long, so nodes stay connected through
/// quiet periods (gossipsub alone keeps a connection alive only while the peer is in a mesh).
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3600);

/// One request-response behaviour speaking one protocol.
pub(crate) type RequestResponse = request_response::Behaviour<FrameCodec>;

/// Everything the swarm runs. One request-response behaviour per [`Protocol`], because an
/// outbound request offers every protocol of its behaviour and the remote picks the first it
/// supports: with one behaviour for all, every request would travel as `sync`.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    /// Rule 5: penalised peers are refused at connection establishment, both ways.
    pub(crate) blocked: allow_block_list::Behaviour<BlockedPeers>,
    pub(crate) identify: identify::Behaviour,
    pub(crate) gossipsub: gossipsub::Behaviour,
    pub(crate) sync: RequestResponse,
    pub(crate) pov: RequestResponse,
    pub(crate) chunk: RequestResponse,
    pub(crate) collation: RequestResponse,
    pub(crate) direct: RequestResponse,
}

impl Behaviour {
    /// The request-response behaviour of `protocol`.
    pub(crate) fn protocol_mut(&mut self, protocol: Protocol) -> &mut RequestResponse {
        match protocol {
            Protocol::Sync => &mut self.sync,
            Protocol::Pov => &mut self.pov,
            Protocol::Chunk => &mut self.chunk,
            Protocol::Collation => &mut self.collation,
            Protocol::Direct => &mut self.direct,
        }
    }
}

/// The gossipsub configuration: signed messages, strict validation, nothing forwarded before
/// the node reports it valid (rule 3), mesh sizes for 2–10 node networks.
fn gossipsub_config(config: &NetworkConfig) -> Result<gossipsub::Config, String> {
    gossipsub::ConfigBuilder::default()
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        .max_transmit_size(config.max_gossip_size.saturating_add(GOSSIP_ENVELOPE_ALLOWANCE))
        .heartbeat_interval(config.gossip_heartbeat)
        // The default first heartbeat comes after 5 s; a fresh node should fix its meshes sooner.
        .heartbeat_initial_delay(config.gossip_heartbeat)
        .mesh_n(4)
        .mesh_n_low(1)
        .mesh_n_high(8)
        .mesh_outbound_min(0)
        .flood_publish(true)
        .build()
        .map_err(|e| format!("gossipsub configuration: {e}"))
}

fn build_behaviour(
    key: &libp2p::identity::Keypair,
    config: &NetworkConfig,
    prefix: &str,
) -> Result<Behaviour, String> {
    let gossipsub = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(key.clone()),
        gossipsub_config(config)?,
    )
    .map_err(|e| format!("gossipsub: {e}"))?;
    let identify = identify::Behaviour::new(
        identify::Config::new(wire_name(prefix, "id"), key.public())
            .with_agent_version(config.agent_version.clone()),
    );
    let rr_config =
        request_response::Config::default().with_request_timeout(config.request_timeout);
    let rr = |protocol: Protocol| -> Result<RequestResponse, String> {
        let name = StreamProtocol::try_from_owned(wire_name(prefix, protocol.name()))
            .map_err(|e| format!("protocol name for {protocol}: {e}"))?;
        Ok(request_response::Behaviour::with_codec(
            FrameCodec::new(protocol),
            [(name, ProtocolSupport::Full)],
            rr_config.clone(),
        ))
    };
    Ok(Behaviour {
        blocked: allow_block_list::Behaviour::default(),
        identify,
        gossipsub,
        sync: rr(Protocol::Sync)?,
        pov: rr(Protocol::Pov)?,
        chunk: rr(Protocol::Chunk)?,
        collation: rr(Protocol::Collation)?,
        direct: rr(Protocol::Direct)?,
    })
}

/// Builds the swarm: TCP (nodelay) + noise + yamux, and [`Behaviour`]. `prefix` is the
/// validated protocol prefix (no trailing `/`).
pub(crate) fn build_swarm(
    config: &NetworkConfig,
    prefix: &str,
) -> Result<Swarm<Behaviour>, NetworkError> {
    let swarm = SwarmBuilder::with_existing_identity(config.keypair.clone())
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .map_err(|e| NetworkError::Transport(e.to_string()))?
        .with_behaviour(|key| build_behaviour(key, config, prefix).map_err(Into::into))
        .map_err(|e| NetworkError::Transport(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok(swarm)
}
