//! The OpenAPI 3.1 description of the API, served at `/v1/openapi.json`, derived from what the
//! API serves: paths, methods, parameters, credentials and answers from `podium-wire`'s
//! operation table, the body schemas from the body types themselves (schemars), the bounds from
//! the shared limits. Nothing here names an operation.

use podium_core::{ErrorCode, PeriodKind};
use podium_wire::{
    BOARD_ID_PATTERN, BoardInfo, Boards, Body, Credential, DEFAULT_AROUND_RADIUS,
    DEFAULT_PAGE_SIZE, Health, MAX_AROUND_RADIUS, MAX_OFFSET, MAX_PAGE_SIZE, MAX_PLAYER_ID_BYTES,
    NewBoard, NewScore, NewSession, Operation, PLAYER_ID_PATTERN, Page, PlayerRank, Query,
    Retirement, Session, Submitted,
};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

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
        let answers: Map<String, Value> = operation
            .answers()
            .iter()
            .map(|answer| {
                let mut response = json!({"description": answer.description});
                if let Some(body) = answer.body {
                    response["content"] =
                        json!({"application/json": {"schema": schema(body, &mut generator)}});
                }
                (answer.status.to_string(), response)
            })
            .collect();
        let mut item = json!({
            "operationId": operation.id(),
            "summary": operation.summary(),
            "parameters": parameters(operation),
            "responses": answers,
        });
        if let Some(credential) = operation.bearer() {
            item["security"] = security(credential);
        }
        if let Some(body) = operation.takes() {
            item["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema(body, &mut generator)}}});
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
            "description": "Real-time game leaderboards at the edge. Reads are public; writes need a player session or the server key, moderation the admin key (Authorization: Bearer)."
        },
        "paths": paths,
        "components": {
            "securitySchemes": security_schemes(),
            "schemas": schemas
        }
    })
}

/// The bearer schemes: one per kind of token, so that each operation names the one it takes.
const SCHEMES: &[(&str, &str)] = &[
    (
        "serverKey",
        "The game server's key (PODIUM_SERVER_KEY): creates sessions and writes any player's scores.",
    ),
    (
        "sessionToken",
        "A player session's token (POST /v1/sessions): writes its own player's scores.",
    ),
    (
        "adminKey",
        "The admin key (PODIUM_ADMIN_KEY): moderation. While a deployment has no admin key, the server key takes its place; once it has one, the server key gets 403 admin_key_required.",
    ),
];

fn security_schemes() -> Value {
    let schemes: Map<String, Value> = SCHEMES
        .iter()
        .map(|&(name, description)| {
            let scheme = json!({"type": "http", "scheme": "bearer", "description": description});
            (name.to_owned(), scheme)
        })
        .collect();
    Value::Object(schemes)
}

/// The schemes that satisfy `credential`, as alternatives.
fn security(credential: Credential) -> Value {
    let names: &[&str] = match credential {
        Credential::Server => &["serverKey"],
        Credential::Writer => &["serverKey", "sessionToken"],
        Credential::Session => &["sessionToken"],
        Credential::Admin => &["adminKey"],
    };
    names.iter().map(|name| json!({*name: []})).collect()
}

/// The schema of one of the API's bodies: a reference into the components, which the
/// generator collects (the error envelope is added by hand from the code table).
fn schema(body: Body, generator: &mut SchemaGenerator) -> Value {
    let schema = match body {
        Body::Health => generator.subschema_for::<Health>(),
        Body::Boards => generator.subschema_for::<Boards>(),
        Body::BoardInfo => generator.subschema_for::<BoardInfo>(),
        Body::Page => generator.subschema_for::<Page>(),
        Body::PlayerRank => generator.subschema_for::<PlayerRank>(),
        Body::Submitted => generator.subschema_for::<Submitted>(),
        Body::Session => generator.subschema_for::<Session>(),
        Body::NewScore => generator.subschema_for::<NewScore>(),
        Body::NewSession => generator.subschema_for::<NewSession>(),
        Body::NewBoard => generator.subschema_for::<NewBoard>(),
        Body::Retirement => generator.subschema_for::<Retirement>(),
        Body::Error => return json!({"$ref": "#/components/schemas/Error"}),
    };
    schema.to_value()
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
            Query::ListLimit => (integer(1, MAX_PAGE_SIZE, MAX_PAGE_SIZE), None),
            Query::Offset => (integer(0, MAX_OFFSET, 0), None),
            Query::Cursor => (
                json!({"type": "string"}),
                Some("The previous page's next_cursor; opaque."),
            ),
            Query::After => (
                cursor_schema(),
                Some(
                    "A page's next cursor: the rows just after its last entry. Opaque, bound to the board and period; not with before or offset.",
                ),
            ),
            Query::Before => (
                cursor_schema(),
                Some(
                    "A page's prev cursor: the rows just before its first entry, still best first. Opaque, bound to the board and period; not with after or offset.",
                ),
            ),
            Query::Reset => (
                json!({"type": "boolean", "default": false}),
                Some(
                    "Delete the board's scores when the change would corrupt them (refused when they take more than one purge step).",
                ),
            ),
            Query::Purge => (
                json!({"type": "boolean", "default": false}),
                Some("Delete the retired board's data, a bounded step per call."),
            ),
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

/// A page cursor as the API makes them: base64url without padding.
fn cursor_schema() -> Value {
    json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "maxLength": podium_core::MAX_CURSOR_BYTES})
}

#[cfg(test)]
mod tests {
    use super::{Credential, SCHEMES, security};

    /// Every credential names schemes the document defines.
    #[test]
    fn every_credential_has_its_schemes() {
        for &credential in Credential::ALL {
            let alternatives = security(credential);
            let alternatives = alternatives.as_array().expect("an array");
            assert!(!alternatives.is_empty(), "{credential:?}");
            for alternative in alternatives {
                for name in alternative.as_object().expect("an object").keys() {
                    assert!(
                        SCHEMES.iter().any(|(scheme, _)| scheme == name),
                        "{credential:?}: {name}"
                    );
                }
            }
        }
    }

    /// The Worker serves the checked-in copy; it must be what the table and the bodies say.
    #[test]
    fn the_served_copy_is_the_derived_document() {
        let served: serde_json::Value =
            serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json is JSON");
        assert!(
            served == super::openapi_json(),
            "crates/podium-api/openapi.json is stale: run \
             `cargo run -p podium-api --example openapi > crates/podium-api/openapi.json`"
        );
    }
}
