//! The OpenAPI 3.1 description of the API, served at `/v1/openapi.json`. A test walks it and
//! checks every documented operation against the router, so the two cannot drift apart.

use podium_core::{ErrorCode, MAX_BOARD_ID_BYTES, MAX_PLAYER_ID_BYTES};
use serde_json::{Value, json};

/// An id as new scores, sessions and paths take it: the charset, 1 to `max` bytes, and not `.`
/// or `..` (spelled without a lookahead, which not every JSON Schema validator supports).
fn id_pattern(max: usize) -> String {
    let (rest, after_dot, after_dots) = (max - 1, max - 2, max - 2);
    format!(
        r"^([A-Za-z0-9_:-][A-Za-z0-9_.:-]{{0,{rest}}}|\.[A-Za-z0-9_:-][A-Za-z0-9_.:-]{{0,{after_dot}}}|\.\.[A-Za-z0-9_.:-]{{1,{after_dots}}})$"
    )
}

/// The document.
pub fn openapi_json() -> Value {
    let player_pattern = id_pattern(MAX_PLAYER_ID_BYTES);
    let error_codes: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    let board = json!({"name": "board", "in": "path", "required": true, "schema": {"type": "string", "pattern": id_pattern(MAX_BOARD_ID_BYTES)}, "example": "global"});
    let player = json!({"name": "player", "in": "path", "required": true, "schema": {"type": "string", "pattern": player_pattern}, "example": "alice"});
    let player_id = json!({"name": "id", "in": "query", "required": true, "schema": {"type": "string", "pattern": format!("^[A-Za-z0-9_.:-]{{1,{MAX_PLAYER_ID_BYTES}}}$")}, "example": "..", "description": "Any stored player id, including `.` and `..`, which no path can carry."});
    let named_period = json!({"name": "period", "in": "query", "required": true, "schema": {"type": "string", "enum": ["alltime", "daily", "weekly", "monthly"]}, "description": "The period to empty; never a default."});
    let period = json!({"name": "period", "in": "query", "schema": {"type": "string", "enum": ["alltime", "daily", "weekly", "monthly"]}, "description": "Default: the board's first period."});
    let at = json!({"name": "at", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "A past period still retained, by a local date inside it."});
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |description: &str, schema: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let bearer = json!([{"bearer": []}]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Podium leaderboards",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Real-time game leaderboards at the edge. Reads are public; writes need a player session or the server key (Authorization: Bearer)."
        },
        "paths": {
            "/v1/health": {"get": {"operationId": "health", "responses": {"200": {"description": "The store answers."}, "503": error("The store is unreachable.")}}},
            "/v1/openapi.json": {"get": {"operationId": "openapi", "responses": {"200": {"description": "This document."}}}},
            "/v1/boards": {"get": {"operationId": "listBoards", "responses": {"200": ok("The configured boards.", "Boards")}}},
            "/v1/boards/{board}/top": {"get": {
                "operationId": "top",
                "parameters": [board, period, at,
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "ties", "in": "query", "schema": {"type": "string", "enum": ["arrival", "shared"], "default": "arrival"}}],
                "responses": {"200": ok("The page, with an ETag.", "Page"), "304": {"description": "Not modified (If-None-Match)."}, "400": error("Bad parameter or period."), "404": error("Unknown board.")}
            }},
            "/v1/boards/{board}/players/{player}": {
                "get": {"operationId": "playerRank", "parameters": [board, player, period, at],
                    "responses": {"200": ok("The player's standing, with an ETag.", "PlayerRank"), "304": {"description": "Not modified (If-None-Match)."}, "400": error("Invalid player id or period."), "404": error("Unknown board or player_not_found.")}},
                "delete": {"operationId": "removePlayer", "security": bearer, "parameters": [board, player],
                    "responses": {"204": {"description": "Removed from every period."}, "400": error("Invalid player id."), "401": error("No server key."), "403": error("A session cannot moderate."), "404": error("Unknown board or player.")}}
            },
            "/v1/boards/{board}/players": {
                "get": {"operationId": "playerRankById", "parameters": [board, player_id, period, at],
                    "responses": {"200": ok("The player's standing, with an ETag.", "PlayerRank"), "304": {"description": "Not modified (If-None-Match)."}, "400": error("Missing or invalid id, or a bad period."), "404": error("Unknown board or player_not_found.")}},
                "delete": {"operationId": "removePlayerById", "security": bearer, "parameters": [board, player_id],
                    "responses": {"204": {"description": "Removed from every period."}, "400": error("Missing or invalid id."), "401": error("No server key."), "403": error("A session cannot moderate."), "404": error("Unknown board or player.")}}
            },
            "/v1/boards/{board}/players/{player}/around": {"get": {
                "operationId": "around",
                "parameters": [board, player, period, at, {"name": "radius", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 50, "default": 5}}],
                "responses": {"200": ok("The neighbours, shifted at the edges, with an ETag.", "Page"), "304": {"description": "Not modified (If-None-Match)."}, "400": error("Invalid player id, period or radius."), "404": error("Unknown board or player_not_found.")}
            }},
            "/v1/boards/{board}/scores": {"post": {
                "operationId": "submitScore", "security": bearer, "parameters": [board],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewScore"}}}},
                "responses": {"200": ok("Stored; the score after the board's policy.", "Submitted"), "400": error("Invalid body."), "401": error("No credentials."), "403": error("A session for another player."), "404": error("Unknown board."), "413": error("Body too large."), "415": error("Not application/json."), "429": error("rate_limited, with Retry-After and RateLimit-* headers.")}
            }},
            "/v1/boards/{board}": {"delete": {
                "operationId": "resetPeriod", "security": bearer, "parameters": [board, named_period, at],
                "responses": {"204": {"description": "The period was emptied."}, "400": error("No period named (missing_parameter), or an unknown or expired one."), "401": error("No server key."), "403": error("A session cannot moderate."), "404": error("Unknown board.")}
            }},
            "/v1/sessions": {"post": {
                "operationId": "createSession", "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSession"}}}},
                "responses": {"201": ok("A short-lived player session.", "Session"), "400": error("Invalid body."), "401": error("No server key."), "403": error("A session cannot create sessions."), "413": error("Body too large."), "415": error("Not application/json.")}
            }},
            "/v1/sessions/current": {"delete": {
                "operationId": "endSession", "security": bearer,
                "responses": {"204": {"description": "Ended."}, "401": error("No live session token.")}
            }}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "The server key (PODIUM_SERVER_KEY) or a session token."}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string", "enum": error_codes}, "message": {"type": "string"}}}}},
                "Period": {"type": "object", "properties": {"period": {"type": "string"}, "id": {"type": "string"}}},
                "Entry": {"type": "object", "properties": {"rank": {"type": "integer"}, "player": {"type": "string"}, "name": {"type": ["string", "null"]}, "score": {"type": "integer"}}},
                "Page": {"type": "object", "properties": {"board": {"type": "string"}, "period": {"$ref": "#/components/schemas/Period"}, "resets_at": {"type": ["integer", "null"], "description": "Unix ms of the next reset; null for all-time."}, "total": {"type": "integer"}, "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Entry"}}}},
                "PlayerRank": {"type": "object", "properties": {"board": {"type": "string"}, "period": {"$ref": "#/components/schemas/Period"}, "resets_at": {"type": ["integer", "null"]}, "player": {"type": "string"}, "name": {"type": ["string", "null"]}, "rank": {"type": "integer"}, "score": {"type": "integer"}, "total": {"type": "integer"}}},
                "Boards": {"type": "object", "properties": {"boards": {"type": "array", "items": {"type": "object"}}}},
                "NewScore": {"type": "object", "additionalProperties": false, "required": ["player", "score"], "properties": {"player": {"type": "string", "pattern": player_pattern}, "score": {"type": "integer", "minimum": -9007199254740991_i64, "maximum": 9007199254740991_i64}, "name": {"type": ["string", "null"], "maxLength": 32, "description": "Display name; null is the same as leaving it out."}}},
                "Submitted": {"type": "object", "properties": {"board": {"type": "string"}, "period": {"$ref": "#/components/schemas/Period"}, "resets_at": {"type": ["integer", "null"], "description": "The default period's next reset (rank is in that period)."}, "player": {"type": "string"}, "score": {"type": "integer"}, "rank": {"type": "integer"}, "previous_rank": {"type": ["integer", "null"]}, "improved": {"type": "boolean"}}},
                "NewSession": {"type": "object", "additionalProperties": false, "required": ["player"], "properties": {"player": {"type": "string", "pattern": player_pattern}, "name": {"type": ["string", "null"], "maxLength": 32, "description": "Display name; null is the same as leaving it out."}}},
                "Session": {"type": "object", "properties": {"token": {"type": "string"}, "player": {"type": "string"}, "expires_in": {"type": "integer"}}}
            }
        }
    })
}
