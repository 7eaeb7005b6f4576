//! The Leptos components: plain views of the [`Signals`](crate::signals::Signals), with no
//! requests of their own.

mod board_row;
mod leaderboard;
mod period_tabs;

pub(crate) use leaderboard::Leaderboard;
