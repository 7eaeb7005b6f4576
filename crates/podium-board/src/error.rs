use podium_core::{ErrorCode, PeriodError, ScoreError};

/// Why a board operation failed. A rate-limit refusal is not an error but a
/// [`SubmitOutcome`](crate::SubmitOutcome).
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// Redis, the gateway or the way there failed.
    #[error(transparent)]
    Redis(#[from] podium_redis::Error),
    /// The period asked for does not exist, is not kept, or `now_ms` is out of range.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// The score is outside the board's bounds.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// A `sum` write would move the total outside ±(2^53−1), where a sorted-set score stops
    /// being exact; nothing was written.
    #[error("the total would become {total}, outside ±(2^53−1)")]
    SumOutOfRange { total: i64 },
    /// A script answered in a shape this crate does not write: a bug, or foreign data in a key.
    #[error("unexpected reply from {what}: {detail}")]
    UnexpectedReply { what: &'static str, detail: String },
}

impl BoardError {
    /// The stable API code a client sees; internals never reach the client.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Redis(podium_redis::Error::Transport(_)) => ErrorCode::UpstreamUnavailable,
            Self::Redis(podium_redis::Error::Unavailable { status: 504, .. }) => {
                ErrorCode::UpstreamTimeout
            }
            Self::Redis(podium_redis::Error::Unavailable { .. }) => ErrorCode::UpstreamUnavailable,
            Self::Redis(_) | Self::UnexpectedReply { .. } => ErrorCode::Internal,
            Self::Period(PeriodError::OutOfRange) => ErrorCode::Internal,
            Self::Period(_) => ErrorCode::UnknownPeriod,
            Self::Score(error) if error.is_out_of_range() => ErrorCode::ScoreOutOfRange,
            Self::Score(_) => ErrorCode::InvalidScore,
            Self::SumOutOfRange { .. } => ErrorCode::ScoreOutOfRange,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_onto_stable_codes() {
        let transport = podium_redis::TransportError::new("refused");
        assert_eq!(
            BoardError::from(podium_redis::Error::from(transport)).code(),
            ErrorCode::UpstreamUnavailable
        );
        assert_eq!(
            BoardError::SumOutOfRange { total: 1 << 53 }.code(),
            ErrorCode::ScoreOutOfRange
        );
        assert_eq!(
            BoardError::from(ScoreError::AboveMax { max: 10 }).code(),
            ErrorCode::ScoreOutOfRange
        );
        assert_eq!(
            BoardError::from(PeriodError::InvalidDate("x".into())).code(),
            ErrorCode::UnknownPeriod
        );
    }
}
