//! Prints the OpenAPI document derived from the operation table and the body types:
//! `cargo run -p podium-api --example openapi > crates/podium-api/openapi.json`.

fn main() {
    let document = podium_api::openapi_json();
    println!(
        "{}",
        serde_json::to_string_pretty(&document).expect("a JSON value serialises")
    );
}
