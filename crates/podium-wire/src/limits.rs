//! Every bound a client can run into, once: the API enforces them, the OpenAPI document states
//! them and the widget stays inside them.

/// Longest player id, in bytes: ids end up in Redis members and keys, so they stay short.
pub const MAX_PLAYER_ID_BYTES: usize = 64;
/// Longest board id, in bytes: every key of a board carries it in its hash tag.
pub const MAX_BOARD_ID_BYTES: usize = 32;
/// Longest display name, in characters after trimming.
pub const MAX_DISPLAY_NAME_CHARS: usize = 32;
/// Largest integer that a double, and so a sorted-set score or a JavaScript number, holds exactly.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;
/// Smallest integer that a double holds exactly, as for [`MAX_SAFE_INTEGER`].
pub const MIN_SAFE_INTEGER: i64 = -MAX_SAFE_INTEGER;
/// Largest request body: a score write is far smaller.
pub const MAX_BODY_BYTES: usize = 4 * 1024;

/// Rows of a `top` page when `limit` is absent.
pub const DEFAULT_PAGE_SIZE: u64 = 10;
/// Most rows of one page (`limit`).
pub const MAX_PAGE_SIZE: u64 = 100;
/// Deepest `offset` a page may start at.
pub const MAX_OFFSET: u64 = 1_000_000;
/// Neighbours on each side in `around` when `radius` is absent.
pub const DEFAULT_AROUND_RADIUS: u64 = 5;
/// Most neighbours on each side in `around` (`radius`).
pub const MAX_AROUND_RADIUS: u64 = 50;
