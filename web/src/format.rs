//! Numbers and sentences as the viewer reads them: ranks and scores in the page's locale, and
//! the live region's rank announcement.

use wasm_bindgen::{JsCast, JsValue};

use crate::model::{Entry, Movement, Options};
use crate::signals::Row;

/// `Intl.NumberFormat(locale)`, kept for the last locale asked for: building one is slow.
#[derive(Default)]
pub(crate) struct NumberFormat {
    cached: Option<(Option<String>, JsValue)>,
}

impl NumberFormat {
    /// `Intl.NumberFormat(locale).format`; the browser's locale when `locale` is missing or not
    /// one Intl accepts.
    pub(crate) fn for_locale(&mut self, locale: Option<&str>) -> impl Fn(f64) -> String {
        let cache = &mut self.cached;
        let fresh = cache
            .as_ref()
            .is_none_or(|(cached, _)| cached.as_deref() != locale);
        if fresh {
            let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into())
                .unwrap_or(JsValue::UNDEFINED);
            let constructor = js_sys::Reflect::get(&intl, &"NumberFormat".into())
                .ok()
                .and_then(|c| c.dyn_into::<js_sys::Function>().ok());
            let make = |locales: JsValue| {
                let constructor = constructor.as_ref()?;
                js_sys::Reflect::construct(constructor, &js_sys::Array::of1(&locales)).ok()
            };
            let formatter = locale
                .and_then(|l| make(l.into()))
                .or_else(|| make(JsValue::UNDEFINED))
                .unwrap_or(JsValue::UNDEFINED);
            *cache = Some((locale.map(str::to_owned), formatter));
        }
        let formatter = cache
            .as_ref()
            .map(|(_, f)| f.clone())
            .unwrap_or(JsValue::UNDEFINED);
        let format = js_sys::Reflect::get(&formatter, &"format".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        move |n: f64| {
            format
                .as_ref()
                .and_then(|f| f.call1(&formatter, &JsValue::from_f64(n)).ok())
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| {
                    js_sys::Number::from(n)
                        .to_string_with_radix(10)
                        .map(String::from)
                        .unwrap_or_default()
                })
        }
    }
}

/// The rows for `entries` (with the movement of each), numbers in the options' locale.
pub(crate) fn rows(
    numbers: &mut NumberFormat,
    options: &Options,
    entries: &[Entry],
    movements: &[Movement],
) -> Vec<Row> {
    let format = numbers.for_locale(options.locale.as_deref());
    entries
        .iter()
        .zip(movements)
        .map(|(entry, movement)| Row {
            player: entry.player.clone(),
            name: entry.name.clone().unwrap_or_else(|| entry.player.clone()),
            rank: entry.rank,
            rank_text: format(entry.rank as f64),
            score_text: format(entry.score),
            movement: *movement,
            viewer: options.player.as_deref() == Some(entry.player.as_str()),
        })
        .collect()
}

/// What the live region says when the viewer's rank is `row`'s and was `before`.
pub(crate) fn rank_announcement(before: Option<u64>, row: &Row) -> String {
    match (before, row.rank) {
        (Some(before), now) if now < before => {
            format!("Your rank: {} (up {})", row.rank_text, before - now)
        }
        (Some(before), now) => {
            format!("Your rank: {} (down {})", row.rank_text, now - before)
        }
        (None, _) => format!("Your rank: {}", row.rank_text),
    }
}
