//! The OpenAPI 3.1 description of the API, served at `/v1/openapi.json`, derived from what the
//! API serves: the paths and methods from `podium-wire`'s operation table, the body schemas
//! from the body types themselves (schemars), the bounds from the shared limits. What only
//! people need (what each answer means) is written here, one arm per operation, so a new
//! operation does not compile until it is described.

use podium_core::{ErrorCode, PeriodKind};
use podium_wire::{
    BOARD_ID_PATTERN, BoardInfo, Boards, DEFAULT_AROUND_RADIUS, DEFAULT_PAGE_SIZE, Health,
    MAX_AROUND_RADIUS, MAX_OFFSET, MAX_PAGE_SIZE, MAX_PLAYER_ID_BYTES, NewScore, NewSession,
    Operation, PLAYER_ID_PATTERN, Page, PlayerRank, Query, Session, Submitted,
};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

/// What one operation answers, for people: its responses and who may call it.
struct Described {
    /// Needs `Authorization: Bearer` (the server key or a session).
    bearer: bool,
    body: Option<Value>,
    responses: Vec<(&'static str, Value)>,
}

/// The document.
pub fn openapi_json() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for &operation in Operation::ALL {
        let described = describe(operation, &mut generator);
        let mut item = json!({
            "operationId": operation.id(),
            "parameters": parameters(operation),
            "responses": Map::from_iter(
                described.responses.into_iter().map(|(status, response)| (status.to_owned(), response))
            ),
        });
        if described.bearer {
            item["security"] = json!([{"bearer": []}]);
        }
        if let Some(body) = described.body {
            item["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": body}}});
        }
        paths
            .entry(operation.template())
            .or_insert_with(|| json!({}))[operation.method().as_lower()] = item;
    }
    let mut schemas = generator.take_definitions(true);
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    schemas.insert(
        "Error".to_owned(),
        json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string", "enum": codes}, "message": {"type": "string"}}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Podium leaderboards",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Real-time game leaderboards at the edge. Reads are public; writes need a player session or the server key (Authorization: Bearer)."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "The server key (PODIUM_SERVER_KEY) or a session token."}},
            "schemas": schemas
        }
    })
}

fn describe(operation: Operation, generator: &mut SchemaGenerator) -> Described {
    let schema = |schema: schemars::Schema| schema.to_value();
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |description: &str, schema: Value| json!({"description": description, "content": {"application/json": {"schema": schema}}});
    let not_modified = json!({"description": "Not modified (If-None-Match)."});
    let empty = |description: &str| json!({"description": description});
    let public = |responses| Described {
        bearer: false,
        body: None,
        responses,
    };
    match operation {
        Operation::Health => public(vec![
            (
                "200",
                ok(
                    "The store answers.",
                    schema(generator.subschema_for::<Health>()),
                ),
            ),
            ("503", error("The store is unreachable.")),
        ]),
        Operation::OpenApi => public(vec![("200", empty("This document."))]),
        Operation::ListBoards => public(vec![(
            "200",
            ok(
                "The configured boards.",
                schema(generator.subschema_for::<Boards>()),
            ),
        )]),
        Operation::GetBoard => public(vec![
            (
                "200",
                ok(
                    "The board's configuration and current periods, with an ETag.",
                    schema(generator.subschema_for::<BoardInfo>()),
                ),
            ),
            ("304", not_modified),
            ("404", error("Unknown board.")),
        ]),
        Operation::ResetPeriod => Described {
            bearer: true,
            body: None,
            responses: vec![
                ("204", empty("The period was emptied.")),
                (
                    "400",
                    error("No period named (missing_parameter), or an unknown or expired one."),
                ),
                ("401", error("No server key.")),
                ("403", error("A session cannot moderate.")),
                ("404", error("Unknown board.")),
            ],
        },
        Operation::Top => public(vec![
            (
                "200",
                ok(
                    "The page, with an ETag.",
                    schema(generator.subschema_for::<Page>()),
                ),
            ),
            ("304", not_modified),
            ("400", error("Bad parameter or period.")),
            ("404", error("Unknown board.")),
        ]),
        Operation::SubmitScore => Described {
            bearer: true,
            body: Some(schema(generator.subschema_for::<NewScore>())),
            responses: vec![
                (
                    "200",
                    ok(
                        "Stored; the score after the board's policy.",
                        schema(generator.subschema_for::<Submitted>()),
                    ),
                ),
                ("400", error("Invalid body.")),
                ("401", error("No credentials.")),
                ("403", error("A session for another player.")),
                ("404", error("Unknown board.")),
                ("413", error("Body too large.")),
                ("415", error("Not application/json.")),
                (
                    "429",
                    error("rate_limited, with Retry-After and RateLimit-* headers."),
                ),
            ],
        },
        Operation::PlayerRank | Operation::PlayerRankById => public(vec![
            (
                "200",
                ok(
                    "The player's standing, with an ETag.",
                    schema(generator.subschema_for::<PlayerRank>()),
                ),
            ),
            ("304", not_modified),
            (
                "400",
                error("Missing or invalid player id, or a bad period."),
            ),
            ("404", error("Unknown board or player_not_found.")),
        ]),
        Operation::RemovePlayer | Operation::RemovePlayerById => Described {
            bearer: true,
            body: None,
            responses: vec![
                ("204", empty("Removed from every period.")),
                ("400", error("Missing or invalid player id.")),
                ("401", error("No server key.")),
                ("403", error("A session cannot moderate.")),
                ("404", error("Unknown board or player.")),
            ],
        },
        Operation::Around => public(vec![
            (
                "200",
                ok(
                    "The neighbours, shifted at the edges, with an ETag.",
                    schema(generator.subschema_for::<Page>()),
                ),
            ),
            ("304", not_modified),
            ("400", error("Invalid player id, period or radius.")),
            ("404", error("Unknown board or player_not_found.")),
        ]),
        Operation::CreateSession => Described {
            bearer: true,
            body: Some(schema(generator.subschema_for::<NewSession>())),
            responses: vec![
                (
                    "201",
                    ok(
                        "A short-lived player session.",
                        schema(generator.subschema_for::<Session>()),
                    ),
                ),
                ("400", error("Invalid body.")),
                ("401", error("No server key.")),
                ("403", error("A session cannot create sessions.")),
                ("413", error("Body too large.")),
                ("415", error("Not application/json.")),
            ],
        },
        Operation::EndSession => Described {
            bearer: true,
            body: None,
            responses: vec![
                ("204", empty("Ended.")),
                ("401", error("No live session token.")),
            ],
        },
    }
}

/// The path parameters its template names, then the query parameters it reads.
fn parameters(operation: Operation) -> Vec<Value> {
    let template = operation.template();
    let mut parameters = Vec::new();
    if template.contains("{board}") {
        parameters.push(json!({"name": "board", "in": "path", "required": true, "schema": {"type": "string", "pattern": BOARD_ID_PATTERN}, "example": "global"}));
    }
    if template.contains("{player}") {
        parameters.push(json!({"name": "player", "in": "path", "required": true, "schema": {"type": "string", "pattern": PLAYER_ID_PATTERN}, "example": "alice"}));
    }
    let periods: Vec<&str> = PeriodKind::ALL.iter().map(|kind| kind.as_str()).collect();
    let integer = |min: u64, max: u64, default: u64| json!({"type": "integer", "minimum": min, "maximum": max, "default": default});
    for &query in operation.query() {
        let (schema, description) = match query {
            Query::Period => (
                json!({"type": "string", "enum": periods}),
                Some("Default: the board's first period."),
            ),
            Query::PeriodToEmpty => (
                json!({"type": "string", "enum": periods}),
                Some("The period to empty; never a default."),
            ),
            Query::At => (
                json!({"type": "string", "format": "date"}),
                Some("A past period still retained, by a local date inside it."),
            ),
            Query::Limit => (integer(1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE), None),
            Query::Offset => (integer(0, MAX_OFFSET, 0), None),
            Query::Ties => (
                json!({"type": "string", "enum": ["arrival", "shared"], "default": "arrival"}),
                None,
            ),
            Query::Radius => (integer(0, MAX_AROUND_RADIUS, DEFAULT_AROUND_RADIUS), None),
            Query::Id => (
                json!({"type": "string", "pattern": format!("^[A-Za-z0-9_.:-]{{1,{MAX_PLAYER_ID_BYTES}}}$")}),
                Some("Any stored player id, including `.` and `..`, which no path can carry."),
            ),
        };
        let mut parameter = json!({"name": query.name(), "in": "query", "schema": schema});
        if query.required() {
            parameter["required"] = json!(true);
        }
        if let Some(description) = description {
            parameter["description"] = json!(description);
        }
        parameters.push(parameter);
    }
    parameters
}
