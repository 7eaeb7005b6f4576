//! Reading the API's JSON with the browser's `JSON.parse` instead of serde_json: the same shapes
//! as the API's bodies (`podium-wire`), at a fraction of the wasm size. Decoding the wire types
//! with serde_json made the widget 149.4 KB gzip against 105.0 KB, over its 120 KB budget
//! (docs/benchmarks.md); the tests below decode fixtures serialised from the wire types, so the
//! two cannot drift apart.

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
        next: text(&root, "next"),
        ranked: field(&root, "ranked").as_bool(),
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

#[cfg(test)]
mod tests {
    use podium_wire::{
        BoardInfo, Boards, Entry as WireEntry, Page, PeriodInfo as WirePeriod, PeriodRef as WireRef,
    };
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn wire_page(player: Option<&'static str>) -> Page<'static> {
        Page {
            board: "global".into(),
            entries: vec![
                WireEntry {
                    name: Some("Ann <b>".into()),
                    player: "ann".into(),
                    rank: 1,
                    score: 9_007_199_254_740_991,
                },
                WireEntry {
                    name: None,
                    player: "bo".into(),
                    rank: 2,
                    score: -3,
                },
            ],
            period: WireRef {
                id: "2026-12-02".into(),
                period: "daily".into(),
            },
            next: Some("bmV4dA".into()),
            player: player.map(Into::into),
            prev: None,
            ranked: player.map(|_| false),
            resets_at: Some(1_795_651_200_000),
            total: 2,
        }
    }

    #[wasm_bindgen_test]
    fn pages_serialised_from_the_wire_types_decode_field_for_field() {
        for player in [None, Some("bo")] {
            let wire = wire_page(player);
            let decoded = board_page(&serde_json::to_string(&wire).unwrap()).expect("decodes");
            assert_eq!(decoded.board, wire.board);
            assert_eq!(
                (decoded.period.period.as_str(), decoded.period.id.as_str()),
                ("daily", "2026-12-02")
            );
            assert_eq!(decoded.resets_at, wire.resets_at.map(|at| at as f64));
            assert_eq!(decoded.total, wire.total);
            assert_eq!(decoded.next.as_deref(), wire.next.as_deref());
            assert_eq!(decoded.ranked, wire.ranked);
            assert_eq!(decoded.entries.len(), wire.entries.len());
            for (decoded, wire) in decoded.entries.iter().zip(&wire.entries) {
                assert_eq!(decoded.rank, wire.rank);
                assert_eq!(decoded.player, wire.player);
                assert_eq!(decoded.name.as_deref(), wire.name.as_deref());
                assert_eq!(decoded.score, wire.score as f64);
            }
        }
    }

    #[wasm_bindgen_test]
    fn board_lists_serialised_from_the_wire_types_decode_field_for_field() {
        let wire = Boards {
            boards: vec![BoardInfo {
                id: "global".into(),
                order: "higher".into(),
                periods: vec![
                    WirePeriod {
                        id: "all".into(),
                        period: "alltime".into(),
                        resets_at: None,
                    },
                    WirePeriod {
                        id: "2026-12-02".into(),
                        period: "daily".into(),
                        resets_at: Some(1_795_651_200_000),
                    },
                ],
                policy: "best".into(),
                retired: false,
                source: "registry".into(),
                timezone: "UTC".into(),
                title: "Global".into(),
                version: Some(3),
            }],
            next_cursor: Some("Z2xvYmFs".into()),
        };
        let decoded = board_list(&serde_json::to_string(&wire).unwrap()).expect("decodes");
        let (board, wire) = (&decoded.boards[0], &wire.boards[0]);
        assert_eq!(board.id, wire.id);
        assert_eq!(board.title.as_deref(), Some(&*wire.title));
        let periods: Vec<_> = board
            .periods
            .iter()
            .map(|p| (p.period.as_str(), p.resets_at))
            .collect();
        assert_eq!(
            periods,
            [("alltime", None), ("daily", Some(1_795_651_200_000.0))]
        );
    }
}
