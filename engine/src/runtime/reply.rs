//! Where a command's result goes: a blocking channel for
//! [`super::RuntimeHandle::call`], or a future's oneshot for the async face.

use super::error::CallError;
use crossbeam_channel::Sender;

/// The sending side of one command's result.
pub(crate) enum ReplyTx {
    /// Read by a thread blocked in [`super::Reply::wait`].
    Blocking(Sender<Result<(), CallError>>),
    /// Read by an awaiting task ([`super::asynch::AsyncReply`]).
    #[cfg(feature = "async-runtime")]
    Async(tokio::sync::oneshot::Sender<Result<(), CallError>>),
}

impl ReplyTx {
    /// Sends the result; `Err` when the caller stopped waiting.
    pub(crate) fn send(self, result: Result<(), CallError>) -> Result<(), ()> {
        match self {
            ReplyTx::Blocking(tx) => tx.send(result).map_err(drop),
            #[cfg(feature = "async-runtime")]
            ReplyTx::Async(tx) => tx.send(result).map_err(drop),
        }
    }
}

impl From<Sender<Result<(), CallError>>> for ReplyTx {
    fn from(tx: Sender<Result<(), CallError>>) -> Self {
        ReplyTx::Blocking(tx)
    }
}
