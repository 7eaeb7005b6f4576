//! Reading the API's JSON with the browser's `JSON.parse` instead of serde_json: the same shapes
//! as the `Deserialize` types in `model`, at a fraction of the wasm size (the 120 KB budget).

use js_sys::{Array, JSON, Reflect};
use wasm_bindgen::JsValue;

use crate::model::{BoardInfo, BoardList, BoardPage, Entry, PeriodInfo, PeriodRef};

fn field(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    field(object, key).as_string()
}

fn number(object: &JsValue, key: &str) -> Option<f64> {
    field(object, key).as_f64()
}

fn list(object: &JsValue, key: &str) -> Option<Array> {
    let value = field(object, key);
    Array::is_array(&value).then(|| value.into())
}

/// A top-N or around page.
pub(crate) fn board_page(body: &str) -> Option<BoardPage> {
    let root = JSON::parse(body).ok()?;
    let period = field(&root, "period");
    let entries = list(&root, "entries")?
        .iter()
        .map(|e| {
            Some(Entry {
                rank: number(&e, "rank")? as u64,
                player: text(&e, "player")?,
                name: text(&e, "name"),
                score: number(&e, "score")?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(BoardPage {
        board: text(&root, "board")?,
        period: PeriodRef {
            period: text(&period, "period")?,
            id: text(&period, "id").unwrap_or_default(),
        },
        resets_at: number(&root, "resets_at"),
        total: number(&root, "total").unwrap_or(0.0) as u64,
        entries,
    })
}

/// `GET /v1/boards`.
pub(crate) fn board_list(body: &str) -> Option<BoardList> {
    let root = JSON::parse(body).ok()?;
    let boards = list(&root, "boards")?
        .iter()
        .map(|b| {
            let periods = list(&b, "periods")
                .map(|periods| {
                    periods
                        .iter()
                        .filter_map(|p| {
                            Some(PeriodInfo {
                                period: text(&p, "period")?,
                                resets_at: number(&p, "resets_at"),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(BoardInfo {
                id: text(&b, "id")?,
                title: text(&b, "title"),
                periods,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(BoardList { boards })
}
