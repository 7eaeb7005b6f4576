//! The API's operations, each a method and a path template, in one table.
//!
//! Routing (and its 404-versus-405 answer), the Worker's choice of what to serve from its
//! caches, the OpenAPI paths, the fuzz target's paths and the widget's URLs all read this table,
//! so an operation is added here once and every one of them follows.

/// The methods the API serves. `HEAD` is answered as `GET` without a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// The method of a request line; `None` for one the API never serves (`PATCH`, `FOO` …).
    pub fn parse(method: &str) -> Option<Self> {
        match method {
            "GET" | "HEAD" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "PUT" => Some(Self::Put),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }

    /// Lower case, as OpenAPI names operations.
    pub fn as_lower(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
            Self::Delete => "delete",
        }
    }
}

/// A query parameter some operation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Query {
    /// `period`: which of the board's periods; the board's first when absent.
    Period,
    /// `period` on a destructive route, where it is required: nothing is emptied by default.
    PeriodToEmpty,
    /// `at`: a past period still retained, by a local date inside it.
    At,
    Limit,
    /// `limit` of a list of boards, whose default is the most a page holds.
    ListLimit,
    Offset,
    Ties,
    Radius,
    /// `id`: a player id in the query, for ids no path can carry (`.`, `..`).
    Id,
    /// `cursor`: where a listing goes on, as the previous page's `next_cursor` gave it.
    Cursor,
    /// `after`: a page cursor (a page's `next`): the rows just after its entry.
    After,
    /// `before`: a page cursor (a page's `prev`): the rows just before its entry.
    Before,
    /// `reset=true`: a board change that would corrupt its scores deletes them instead.
    Reset,
    /// `purge=true`: a retired board's data deleted, a bounded step per request.
    Purge,
}

impl Query {
    pub fn name(self) -> &'static str {
        match self {
            Self::Period | Self::PeriodToEmpty => "period",
            Self::At => "at",
            Self::Limit | Self::ListLimit => "limit",
            Self::Offset => "offset",
            Self::Ties => "ties",
            Self::Radius => "radius",
            Self::Id => "id",
            Self::Cursor => "cursor",
            Self::After => "after",
            Self::Before => "before",
            Self::Reset => "reset",
            Self::Purge => "purge",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Self::PeriodToEmpty | Self::Id)
    }
}

/// The credential an operation needs in `Authorization: Bearer`, as the table's `bearer …` names
/// it. The roles are distinct: no credential stands in for another, except that the server key
/// takes the admin key's place while a deployment has none (`PODIUM_ADMIN_KEY` unset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `PODIUM_SERVER_KEY`, the game server's: sessions, and writes for any player.
    Server,
    /// The server key, or a player session writing for its own player.
    Writer,
    /// A live player session (its token).
    Session,
    /// `PODIUM_ADMIN_KEY`: moderation and managing boards.
    Admin,
}

impl Credential {
    /// Every credential, in declaration order.
    pub const ALL: &'static [Credential] =
        &[Self::Server, Self::Writer, Self::Session, Self::Admin];
}

/// What an operation answers with one status: a body of the API's (errors carry
/// [`Body::Error`]) or none, and what it means, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Option<Body>,
    pub description: &'static str,
}

/// The bodies the API sends and takes, as named in its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    Health,
    Boards,
    BoardInfo,
    Page,
    PlayerRank,
    Submitted,
    Session,
    NewScore,
    NewSession,
    NewBoard,
    Retirement,
    Error,
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $operation:ident => $method:ident $template:literal, id $id:literal,
            query [$($query:ident),*] $(cache $cached:ident)? $(bearer $bearer:ident)?
            $(takes $takes:ident)?
            answers [$($status:literal $($body:ident)? $description:literal),* $(,)?];
    )*) => {
        /// One operation of the API: what a request asks for, whatever its ids.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[doc = $doc])* $operation,)*
        }

        impl Operation {
            /// Every operation, in the table's order.
            pub const ALL: &'static [Operation] = &[$(Self::$operation,)*];

            pub fn method(self) -> Method {
                match self {
                    $(Self::$operation => Method::$method,)*
                }
            }

            /// The path, with `{board}` and `{player}` where the ids go.
            pub fn template(self) -> &'static str {
                match self {
                    $(Self::$operation => $template,)*
                }
            }

            /// The OpenAPI `operationId`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Self::$operation => $id,)*
                }
            }

            /// What it does, in a line.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Self::$operation => concat!($($doc),*).trim_ascii(),)*
                }
            }

            /// The query parameters it reads.
            pub fn query(self) -> &'static [Query] {
                match self {
                    $(Self::$operation => &[$(Query::$query),*],)*
                }
            }

            /// Public, identical for every viewer, and so served from the Worker's caches.
            pub fn edge_cached(self) -> bool {
                match self {
                    $(Self::$operation => operations!(@flag $($cached)?),)*
                }
            }

            /// The credential it needs in `Authorization: Bearer`; `None` for a public route.
            pub fn bearer(self) -> Option<Credential> {
                match self {
                    $(Self::$operation => operations!(@credential $($bearer)?),)*
                }
            }

            /// The request body it takes, if any.
            pub fn takes(self) -> Option<Body> {
                match self {
                    $(Self::$operation => operations!(@body $($takes)?),)*
                }
            }

            /// Every answer it gives, by status.
            pub fn answers(self) -> &'static [Answer] {
                match self {
                    $(Self::$operation => const { &[$(Answer {
                        status: $status,
                        body: operations!(@answer $status $($body)?),
                        description: $description,
                    }),*] },)*
                }
            }
        }
    };
    (@flag $flag:ident) => { true };
    (@flag) => { false };
    (@credential server) => { Some(Credential::Server) };
    (@credential writer) => { Some(Credential::Writer) };
    (@credential session) => { Some(Credential::Session) };
    (@credential admin) => { Some(Credential::Admin) };
    (@credential) => { None };
    (@body $body:ident) => { Some(Body::$body) };
    (@body) => { None };
    (@answer $status:literal $body:ident) => { Some(Body::$body) };
    (@answer $status:literal) => { if $status >= 400 { Some(Body::Error) } else { None } };
}

operations! {
    /// Whether the store answers.
    Health => Get "/v1/health", id "health", query []
        answers [200 Health "The store answers.", 503 "The store is unreachable."];
    /// This API's OpenAPI document.
    OpenApi => Get "/v1/openapi.json", id "openapi", query []
        answers [200 "This document."];
    /// A page of the boards (configured and registry), in id order, and their current periods.
    ListBoards => Get "/v1/boards", id "listBoards", query [Cursor, ListLimit]
        answers [200 Boards "A page of boards; next_cursor continues it.",
                 400 "A bad cursor or limit."];
    /// One board's public configuration and current periods.
    GetBoard => Get "/v1/boards/{board}", id "getBoard", query [] cache edge
        answers [200 BoardInfo "The board, with an ETag.", 304 "Not modified (If-None-Match).",
                 404 "Unknown board."];
    /// Creates or replaces a board of the registry; If-Match makes an edit safe.
    PutBoard => Put "/v1/boards/{board}", id "putBoard", query [Reset] bearer admin
        takes NewBoard
        answers [200 BoardInfo "Replaced; ETag is the new version.",
                 201 BoardInfo "Created; ETag is its version.",
                 400 "An invalid board (invalid_board, unknown_field, invalid_json).",
                 401 "No admin key.",
                 403 "A session or the server key (admin_key_required once PODIUM_ADMIN_KEY is set).",
                 409 "A PODIUM_BOARDS board (board_from_config), or a change that would corrupt its scores (unsafe_board_change) without ?reset=true.",
                 410 "The board is retired (board_retired): purge it first.",
                 412 "If-Match names another version (precondition_failed).",
                 413 "Body too large.", 415 "Not application/json."];
    /// Retires a registry board (writes refused, reads kept); ?purge=true deletes its data in steps.
    RetireBoard => Post "/v1/boards/{board}/retire", id "retireBoard", query [Purge] bearer admin
        answers [200 Retirement "Retired; with ?purge=true, purged and removed (remaining false).",
                 202 Retirement "Part purged: call again (remaining true).",
                 400 "A bad purge value.", 401 "No admin key.",
                 403 "A session or the server key (admin_key_required once PODIUM_ADMIN_KEY is set).",
                 404 "Unknown board.", 409 "A PODIUM_BOARDS board (board_from_config).",
                 412 "If-Match names another version (precondition_failed)."];
    /// Empties one period of a board.
    ResetPeriod => Delete "/v1/boards/{board}", id "resetPeriod", query [PeriodToEmpty, At]
        bearer admin
        answers [204 "The period was emptied.",
                 400 "No period named (missing_parameter), or an unknown or expired one.",
                 401 "No admin key.",
                 403 "A session or the server key cannot moderate (admin_key_required for the server key once PODIUM_ADMIN_KEY is set).",
                 404 "Unknown board."];
    /// A page of a board, best first: from a rank (offset), or just after or before a cursor.
    Top => Get "/v1/boards/{board}/top", id "top",
        query [Period, At, Limit, Offset, Ties, After, Before] cache edge
        answers [200 Page "The page, with an ETag; next and prev cursors page on from it.",
                 304 "Not modified (If-None-Match).",
                 400 "Bad parameter or period; a cursor this API did not make (invalid_cursor) or of another board or period (cursor_mismatch); after with before or offset (invalid_parameter).",
                 404 "Unknown board."];
    /// A score write.
    SubmitScore => Post "/v1/boards/{board}/scores", id "submitScore", query []
        bearer writer takes NewScore
        answers [200 Submitted "Stored; the score after the board's policy.",
                 400 "Invalid body.", 401 "No credentials.", 403 "A session for another player, or the admin key.",
                 404 "Unknown board.", 410 "The board is retired (board_retired).",
                 413 "Body too large.", 415 "Not application/json.",
                 429 "rate_limited, with Retry-After and RateLimit-* headers."];
    /// One player's standing, the id in the query.
    PlayerRankById => Get "/v1/boards/{board}/players", id "playerRankById", query [Id, Period, At]
        answers [200 PlayerRank "The player's standing, with an ETag.",
                 304 "Not modified (If-None-Match).", 400 "Missing or invalid id, or a bad period.",
                 404 "Unknown board or player_not_found."];
    /// Removes a player from every period, the id in the query.
    RemovePlayerById => Delete "/v1/boards/{board}/players", id "removePlayerById", query [Id]
        bearer admin
        answers [204 "Removed from every period.", 400 "Missing or invalid id.",
                 401 "No admin key.",
                 403 "A session or the server key cannot moderate (admin_key_required for the server key once PODIUM_ADMIN_KEY is set).",
                 404 "Unknown board or player."];
    /// One player's standing.
    PlayerRank => Get "/v1/boards/{board}/players/{player}", id "playerRank", query [Period, At]
        answers [200 PlayerRank "The player's standing, with an ETag.",
                 304 "Not modified (If-None-Match).", 400 "Invalid player id or period.",
                 404 "Unknown board or player_not_found."];
    /// Removes a player from every period.
    RemovePlayer => Delete "/v1/boards/{board}/players/{player}", id "removePlayer", query []
        bearer admin
        answers [204 "Removed from every period.", 400 "Invalid player id.",
                 401 "No admin key.",
                 403 "A session or the server key cannot moderate (admin_key_required for the server key once PODIUM_ADMIN_KEY is set).",
                 404 "Unknown board or player."];
    /// A player's neighbours.
    Around => Get "/v1/boards/{board}/players/{player}/around", id "around",
        query [Period, At, Radius]
        answers [200 Page "The neighbours, shifted at the edges, with an ETag and next/prev cursors; for a player with no score in the period, ranked false and the top of the board.",
                 304 "Not modified (If-None-Match).", 400 "Invalid player id, period or radius.",
                 404 "Unknown board."];
    /// A short-lived player session, made by the game server.
    CreateSession => Post "/v1/sessions", id "createSession", query [] bearer server
        takes NewSession
        answers [201 Session "A short-lived player session.", 400 "Invalid body.",
                 401 "No server key.", 403 "A session or the admin key cannot create sessions.",
                 413 "Body too large.", 415 "Not application/json."];
    /// Ends the calling session.
    EndSession => Delete "/v1/sessions/current", id "endSession", query [] bearer session
        answers [204 "Ended.", 401 "No live session token."];
}

const BOARD: &str = "{board}";
const PLAYER: &str = "{player}";

/// A request's operation and the ids its path carries (empty where the template has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint<'a> {
    pub operation: Operation,
    pub board: &'a str,
    pub player: &'a str,
}

/// Why a request has no operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    /// No template has this path.
    NotFound,
    /// A template has this path, with other methods.
    MethodNotAllowed,
}

/// The path's segments between slashes (surrounding slashes ignored), as [`route`] takes them
/// once the caller has percent-decoded each.
pub fn segments(path: &str) -> std::str::Split<'_, char> {
    path.trim_matches('/').split('/')
}

/// The operation `method` asks for on the path of `segments` (see [`segments`]).
pub fn route<'a>(method: &str, segments: &[&'a str]) -> Result<Endpoint<'a>, RouteError> {
    let method = Method::parse(method);
    let mut known = false;
    for &operation in Operation::ALL {
        let Some((board, player)) = captures(operation.template(), segments) else {
            continue;
        };
        if method == Some(operation.method()) {
            return Ok(Endpoint {
                operation,
                board,
                player,
            });
        }
        known = true;
    }
    Err(if known {
        RouteError::MethodNotAllowed
    } else {
        RouteError::NotFound
    })
}

/// The `{board}` and `{player}` of a path of `given` segments when it has `template`'s shape;
/// an empty segment fills no placeholder.
fn captures<'a>(template: &str, given: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let mut given = given.iter().copied();
    let (mut board, mut player) = ("", "");
    for wanted in segments(template) {
        match (wanted, given.next()?) {
            (BOARD, segment) if !segment.is_empty() => board = segment,
            (PLAYER, segment) if !segment.is_empty() => player = segment,
            (literal, segment) if literal == segment => {}
            _ => return None,
        }
    }
    given.next().is_none().then_some((board, player))
}

impl Operation {
    /// This operation's path for `board` and `player`, which the caller has percent-encoded.
    ///
    /// Built segment by segment rather than with `str::replace`, whose substring search is a
    /// sizeable part of the widget's wasm.
    pub fn path(self, board: &str, player: &str) -> String {
        let mut path = String::new();
        for segment in segments(self.template()) {
            path.push('/');
            path.push_str(match segment {
                BOARD => board,
                PLAYER => player,
                literal => literal,
            });
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_routes_to_itself() {
        for &operation in Operation::ALL {
            let path = operation.path("global", "alice");
            let method = match operation.method() {
                Method::Get => "GET",
                Method::Post => "POST",
                Method::Put => "PUT",
                Method::Delete => "DELETE",
            };
            let path: Vec<&str> = segments(&path).collect();
            let endpoint =
                route(method, &path).unwrap_or_else(|error| panic!("{path:?}: {error:?}"));
            assert_eq!(endpoint.operation, operation, "{path:?}");
            let has = |placeholder| operation.template().contains(placeholder);
            assert_eq!(endpoint.board, if has(BOARD) { "global" } else { "" });
            assert_eq!(endpoint.player, if has(PLAYER) { "alice" } else { "" });
        }
    }

    #[test]
    fn operations_are_unique_by_id_and_by_method_and_template() {
        let mut ids = std::collections::HashSet::new();
        let mut shapes = std::collections::HashSet::new();
        for &operation in Operation::ALL {
            assert!(ids.insert(operation.id()), "{operation:?}");
            assert!(
                shapes.insert((operation.method(), operation.template())),
                "{operation:?}"
            );
        }
    }

    #[test]
    fn known_paths_with_other_methods_are_405_and_the_rest_404() {
        let route = |method: &str, path: &'static str| {
            let segments: Vec<&str> = segments(path).collect();
            route(method, &segments).map(|endpoint| (endpoint.operation, endpoint.player))
        };
        let not_allowed = Err(RouteError::MethodNotAllowed);
        assert_eq!(route("PUT", "/v1/boards/global/scores"), not_allowed);
        assert_eq!(route("PATCH", "/v1/boards/global"), not_allowed);
        assert_eq!(route("POST", "/v1/boards"), not_allowed);
        assert_eq!(route("POST", "/v1/boards/global/top"), not_allowed);
        for path in [
            "/v1/boards/g/top/x",
            "/v1//boards/g/top",
            "/",
            "/v2/boards",
            "/v1/boards/g/players/p/around/x",
        ] {
            assert_eq!(route("GET", path), Err(RouteError::NotFound), "{path}");
        }
        assert_eq!(route("HEAD", "/v1/boards/g/top"), Ok((Operation::Top, "")));
        assert_eq!(route("GET", "/v1/boards/g/top/"), Ok((Operation::Top, "")));
        // `around` in the player's place is a player, not the around route.
        assert_eq!(
            route("GET", "/v1/boards/g/players/around"),
            Ok((Operation::PlayerRank, "around"))
        );
    }

    #[test]
    fn only_public_reads_are_edge_cached() {
        for &operation in Operation::ALL {
            if operation.edge_cached() {
                assert_eq!(operation.method(), Method::Get, "{operation:?}");
                assert!(!operation.template().contains(PLAYER), "{operation:?}");
            }
        }
    }
}
