//! The request-response wire format: a `u32` little-endian length, then that many bytes.
//!
//! Reading checks the declared length against the protocol's bound before reading (rule 1) and
//! then reads no further than the declared length, growing the buffer only as bytes arrive.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{request_response, StreamProtocol};

use crate::protocol::Protocol;

/// An inbound request as read from the wire.
#[derive(Debug)]
pub(crate) enum RequestFrame {
    /// A well-formed request.
    Payload(Vec<u8>),
    /// The peer declared a request larger than the protocol allows; the body was not read.
    ///
    /// Returned as a value rather than an I/O error because libp2p's request-response
    /// behaviour reports a failed *read* of an inbound request to nobody (it logs it at debug),
    /// so an error would hide the offender from us (rule 2).
    Oversized {
        /// The declared length.
        size: usize,
    },
}

/// The I/O error payload of an oversized response; the task downcasts to it to penalise the
/// peer that sent it (rule 2).
#[derive(Debug, thiserror::Error)]
#[error("{protocol} frame declares {size} bytes, above the bound of {max}")]
pub(crate) struct OversizedFrame {
    pub(crate) protocol: Protocol,
    pub(crate) size: usize,
    pub(crate) max: usize,
}

/// The length-prefixed codec of one [`Protocol`]; one request-response behaviour per protocol
/// owns one, so the bounds come from the codec itself rather than from the negotiated name.
#[derive(Clone, Debug)]
pub(crate) struct FrameCodec {
    protocol: Protocol,
}

impl FrameCodec {
    pub(crate) fn new(protocol: Protocol) -> Self {
        FrameCodec { protocol }
    }
}

/// Reads one frame of at most `max` bytes: `Ok(Err(size))` if the prefix declares more (rule 1:
/// nothing is allocated for it).
async fn read_frame<T>(io: &mut T, max: usize) -> io::Result<Result<Vec<u8>, usize>>
where
    T: AsyncRead + Unpin + Send,
{
    let mut prefix = [0u8; 4];
    io.read_exact(&mut prefix).await?;
    let declared = u32::from_le_bytes(prefix);
    let size = usize::try_from(declared).unwrap_or(usize::MAX);
    if size > max {
        return Ok(Err(size));
    }
    let mut data = Vec::new();
    (&mut *io).take(u64::from(declared)).read_to_end(&mut data).await?;
    if data.len() != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("frame truncated: {} of {size} bytes", data.len()),
        ));
    }
    Ok(Ok(data))
}

/// Writes one frame, refusing (as `InvalidInput`) a payload above `max`.
async fn write_frame<T>(io: &mut T, data: &[u8], max: usize) -> io::Result<()>
where
    T: AsyncWrite + Unpin + Send,
{
    let len = u32::try_from(data.len()).ok().filter(|_| data.len() <= max).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("payload of {} bytes above the bound of {max}", data.len()),
        )
    })?;
    io.write_all(&len.to_le_bytes()).await?;
    io.write_all(data).await
}

impl request_response::Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = RequestFrame;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<RequestFrame>
    where
        T: AsyncRead + Unpin + Send,
    {
        // Rule 1 (and rule 2: an oversized request becomes a value the task can attribute).
        Ok(match read_frame(io, self.protocol.max_request_size()).await? {
            Ok(data) => RequestFrame::Payload(data),
            Err(size) => RequestFrame::Oversized { size },
        })
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        // Rule 1.
        let max = self.protocol.max_response_size();
        read_frame(io, max).await?.map_err(|size| {
            let protocol = self.protocol;
            io::Error::new(io::ErrorKind::InvalidData, OversizedFrame { protocol, size, max })
        })
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: RequestFrame,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        match request {
            RequestFrame::Payload(data) => {
                write_frame(io, &data, self.protocol.max_request_size()).await
            }
            RequestFrame::Oversized { size } => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to send an oversized request of {size} bytes"),
            )),
        }
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Vec<u8>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &response, self.protocol.max_response_size()).await?;
        io.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::Cursor;
    use request_response::Codec;

    fn proto() -> StreamProtocol {
        StreamProtocol::new("/t/sync/1")
    }

    #[tokio::test]
    async fn round_trip_and_bounds() {
        let mut codec = FrameCodec::new(Protocol::Sync);
        let mut wire = Cursor::new(Vec::new());
        codec.write_request(&proto(), &mut wire, RequestFrame::Payload(vec![7; 10])).await.unwrap();
        assert_eq!(&wire.get_ref()[..4], &10u32.to_le_bytes());
        wire.set_position(0);
        match codec.read_request(&proto(), &mut wire).await.unwrap() {
            RequestFrame::Payload(data) => assert_eq!(data, vec![7; 10]),
            other => panic!("unexpected {other:?}"),
        }

        // A request above 4 KiB is refused when writing...
        let mut wire = Cursor::new(Vec::new());
        let big = RequestFrame::Payload(vec![0; 4097]);
        assert!(codec.write_request(&proto(), &mut wire, big).await.is_err());

        // ... and when reading, from the prefix alone (no body follows).
        let mut wire = Cursor::new(u32::MAX.to_le_bytes().to_vec());
        match codec.read_request(&proto(), &mut wire).await.unwrap() {
            RequestFrame::Oversized { size } => assert_eq!(size, u32::MAX as usize),
            other => panic!("unexpected {other:?}"),
        }

        // An oversized response is an InvalidData error carrying the sizes.
        let mut codec = FrameCodec::new(Protocol::Direct);
        let mut wire = Cursor::new(5000u32.to_le_bytes().to_vec());
        let err = codec.read_response(&proto(), &mut wire).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let inner = err.get_ref().and_then(|e| e.downcast_ref::<OversizedFrame>());
        assert_eq!(inner.map(|o| (o.size, o.max)), Some((5000, 4096)));

        // A truncated body is an error, not a short payload.
        let mut bytes = 8u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[1, 2, 3]);
        let mut wire = Cursor::new(bytes);
        assert!(codec.read_response(&proto(), &mut wire).await.is_err());
    }
}
