//! Podium's public API as data, shared by every side of it.
//!
//! No I/O, no clock, no time-zone database: the API (`podium-api`) routes and answers with it,
//! the Worker decides what to cache with it, the widget (`web/`) builds its URLs and reads its
//! answers with it, and the fuzz targets and the OpenAPI document walk it.
//!
//! Layout:
//! - `route`: every [`Operation`] (method, path template, query, caching, credentials, bodies,
//!   answers) in one table, and
//!   [`route`] from a request to its [`Endpoint`].
//! - `body`: the request and response bodies; their JSON Schemas with the `schema` feature.
//! - `limits`: every bound a client can run into.

mod body;
mod limits;
mod route;

pub use body::{
    BOARD_ID_PATTERN, BoardInfo, Boards, Entry, Health, NewBoard, NewRateLimit, NewRateLimits,
    NewScore, NewSession, PLAYER_ID_PATTERN, Page, PeriodInfo, PeriodRef, PlayerRank, Retirement,
    Session, Submitted,
};
pub use limits::{
    DEFAULT_AROUND_RADIUS, DEFAULT_PAGE_SIZE, MAX_AROUND_RADIUS, MAX_BOARD_ID_BYTES,
    MAX_BODY_BYTES, MAX_DISPLAY_NAME_CHARS, MAX_OFFSET, MAX_PAGE_SIZE, MAX_PLAYER_ID_BYTES,
    MAX_SAFE_INTEGER, MIN_SAFE_INTEGER,
};
pub use route::{
    Answer, Body, Credential, Endpoint, Method, Operation, Query, RouteError, route, segments,
};
