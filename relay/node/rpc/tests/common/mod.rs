//! Test helpers: an in-memory `ChainBackend`, a raw HTTP/1.1 client and a minimal WebSocket
//! client (no client crates needed).

#![allow(dead_code)] // Each test binary uses a different part.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use atoll_rpc::{BackendError, ChainBackend, Hash32, Health, PeerInfo, SystemInfo};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

/// How long a test waits for any network answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The hash of fake block `n`: every byte `n + 1`.
pub fn block_hash(n: u64) -> Hash32 {
    [n as u8 + 1; 32]
}

pub fn hex(bytes: &[u8]) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

/// A fake header JSON in Substrate's shape.
pub fn header(n: u64) -> Value {
    let parent = if n == 0 { [0; 32] } else { block_hash(n - 1) };
    json!({
        "parentHash": hex(&parent),
        "number": format!("0x{n:x}"),
        "stateRoot": hex(&[0xaa; 32]),
        "extrinsicsRoot": hex(&[0xbb; 32]),
        "digest": { "logs": [] },
    })
}

pub fn system_info() -> SystemInfo {
    SystemInfo {
        name: "atoll-test".into(),
        version: "0.1.0-test".into(),
        chain: "Atoll Dev".into(),
        chain_type: "Development".into(),
        properties: json!({ "tokenSymbol": "ATL", "tokenDecimals": 12 }),
        roles: vec!["AUTHORITY".into()],
    }
}

/// An in-memory chain of `best + 1` blocks (0..=best), block 1 finalized, one storage entry.
pub struct FakeBackend {
    pub state: Mutex<FakeState>,
    pub new_heads: broadcast::Sender<Value>,
    pub finalized_heads: broadcast::Sender<Value>,
}

pub struct FakeState {
    pub health: Health,
    pub best: u64,
    pub finalized: u64,
    pub submitted: Vec<Vec<u8>>,
}

/// The only storage key the fake knows, and its value.
pub const STORAGE_KEY: [u8; 2] = [0x12, 0x34];
pub const STORAGE_VALUE: [u8; 3] = [0xde, 0xad, 0x01];

impl FakeBackend {
    pub fn new() -> Self {
        Self {
            state: Mutex::new(FakeState {
                health: Health { peers: 2, is_syncing: false, should_have_peers: true },
                best: 3,
                finalized: 1,
                submitted: Vec::new(),
            }),
            new_heads: broadcast::channel(16).0,
            finalized_heads: broadcast::channel(16).0,
        }
    }

    pub fn set_health(&self, health: Health) {
        self.state.lock().unwrap().health = health;
    }

    fn number_of(&self, at: Option<Hash32>) -> Option<u64> {
        let best = self.state.lock().unwrap().best;
        match at {
            None => Some(best),
            Some(h) => (0..=best).find(|n| block_hash(*n) == h),
        }
    }
}

impl ChainBackend for FakeBackend {
    fn health(&self) -> Health {
        self.state.lock().unwrap().health.clone()
    }

    fn peers(&self) -> Vec<PeerInfo> {
        vec![PeerInfo {
            peer_id: "12D3KooWPeer".into(),
            roles: "FULL".into(),
            best_hash: hex(&block_hash(3)),
            best_number: 3,
        }]
    }

    fn local_peer_id(&self) -> String {
        "12D3KooWLocal".into()
    }

    fn header(&self, at: Option<Hash32>) -> Result<Option<Value>, BackendError> {
        Ok(self.number_of(at).map(header))
    }

    fn block(&self, at: Option<Hash32>) -> Result<Option<Value>, BackendError> {
        Ok(self.number_of(at).map(|n| {
            json!({
                "block": { "header": header(n), "extrinsics": [hex(&[n as u8, 0x01])] },
                "justifications": null,
            })
        }))
    }

    fn block_hash(&self, number: Option<u64>) -> Result<Option<Hash32>, BackendError> {
        let best = self.state.lock().unwrap().best;
        let n = number.unwrap_or(best);
        Ok((n <= best).then(|| block_hash(n)))
    }

    fn finalized_head(&self) -> Hash32 {
        block_hash(self.state.lock().unwrap().finalized)
    }

    fn storage(&self, key: &[u8], at: Option<Hash32>) -> Result<Option<Vec<u8>>, BackendError> {
        if self.number_of(at).is_none() {
            return Err(BackendError::NotFound("unknown block".into()));
        }
        Ok((key == STORAGE_KEY).then(|| STORAGE_VALUE.to_vec()))
    }

    fn submit_extrinsic(&self, extrinsic: Vec<u8>) -> Result<Hash32, BackendError> {
        if extrinsic.is_empty() {
            return Err(BackendError::Refused("empty extrinsic".into()));
        }
        let mut hash = [0u8; 32];
        hash[..extrinsic.len().min(32)].copy_from_slice(&extrinsic[..extrinsic.len().min(32)]);
        self.state.lock().unwrap().submitted.push(extrinsic);
        Ok(hash)
    }

    fn subscribe_new_heads(&self) -> broadcast::Receiver<Value> {
        self.new_heads.subscribe()
    }

    fn subscribe_finalized_heads(&self) -> broadcast::Receiver<Value> {
        self.finalized_heads.subscribe()
    }
}

/// A raw HTTP/1.1 response.
pub struct HttpResponse {
    pub status: u16,
    /// Header lines, lower-cased.
    pub headers: String,
    pub body: String,
}

/// Sends one HTTP/1.1 request (`Connection: close`) and reads the whole response.
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> HttpResponse {
    tokio::time::timeout(TIMEOUT, http_inner(addr, method, path, body))
        .await
        .expect("HTTP request timed out")
}

async fn http_inner(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = body.unwrap_or("");
    let content_type =
        if body.is_empty() { String::new() } else { "Content-Type: application/json\r\n".into() };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, rest) = text.split_once("\r\n\r\n").expect("header end");
    let (status_line, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    let status = status_line.split(' ').nth(1).expect("status").parse().expect("status code");
    let headers = headers.to_ascii_lowercase();
    let body = if headers.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    HttpResponse { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = s.split_once("\r\n").expect("chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size hex");
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        s = &rest[size + 2..];
    }
}

/// Calls `method` with `params` over HTTP POST; returns the whole JSON-RPC response object.
pub async fn rpc(addr: SocketAddr, method: &str, params: Value) -> Value {
    let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let response = http(addr, "POST", "/", Some(&request.to_string())).await;
    assert_eq!(response.status, 200, "{method}: {}", response.body);
    serde_json::from_str(&response.body).expect("JSON-RPC response")
}

/// The `result` of a successful call.
pub async fn call(addr: SocketAddr, method: &str, params: Value) -> Value {
    let response = rpc(addr, method, params).await;
    assert!(response.get("error").is_none(), "{method} failed: {response}");
    response["result"].clone()
}

/// The `error` object of a failed call.
pub async fn call_err(addr: SocketAddr, method: &str, params: Value) -> Value {
    let response = rpc(addr, method, params).await;
    assert!(response.get("result").is_none(), "{method} should fail: {response}");
    response["error"].clone()
}

/// A minimal WebSocket client: text frames only, enough for JSON-RPC.
pub struct WsClient {
    stream: TcpStream,
    next_id: u64,
}

impl WsClient {
    pub async fn connect(addr: SocketAddr) -> Self {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let handshake = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(handshake.as_bytes()).await.expect("write handshake");
        // Read the response head byte by byte so no frame bytes are consumed.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tokio::time::timeout(TIMEOUT, stream.read_exact(&mut byte))
                .await
                .expect("handshake timed out")
                .expect("read handshake");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).expect("utf-8 head");
        assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
        Self { stream, next_id: 1 }
    }

    /// Sends a request; returns its id.
    pub async fn send(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let text =
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string();
        let payload = text.as_bytes();
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await.expect("write frame");
        id
    }

    /// The next JSON message from the server.
    pub async fn recv(&mut self) -> Value {
        tokio::time::timeout(TIMEOUT, self.recv_inner())
            .await
            .expect("no WebSocket message in time")
    }

    /// The next message, or `None` if none arrives within `wait`.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.recv_inner()).await.ok()
    }

    async fn recv_inner(&mut self) -> Value {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).await.expect("read frame head");
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.stream.read_exact(&mut b).await.expect("read length");
                    u16::from_be_bytes(b) as usize
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.stream.read_exact(&mut b).await.expect("read length");
                    u64::from_be_bytes(b) as usize
                }
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.stream.read_exact(&mut payload).await.expect("read payload");
            match opcode {
                0x0 | 0x1 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return serde_json::from_slice(&message).expect("JSON message");
                    }
                }
                0x8 => panic!("server closed the WebSocket"),
                _ => {} // ping / pong: ignore
            }
        }
    }

    /// Calls a method and returns the response with its id (skipping notifications in between).
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params).await;
        loop {
            let message = self.recv().await;
            if message["id"] == json!(id) {
                return message;
            }
        }
    }
}
