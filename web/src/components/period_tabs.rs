//! The period tabs, and the ids that tie the selected tab to the panel it labels.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::model::{PeriodInfo, period_label};

/// The `id` of the tab panel (the table and what goes with it) inside the shadow root.
pub(crate) const PANEL_ID: &str = "podium-panel";

/// The `id` of a period's tab, which labels the panel while it is selected.
pub(crate) fn tab_id(period: &str) -> String {
    format!("podium-tab-{period}")
}

/// Period tabs, keyboard-usable as in the WAI-ARIA tabs pattern: one tab in the Tab order (roving
/// `tabindex`), ArrowLeft/ArrowRight (wrapping), Home and End move focus and select (automatic
/// activation), Enter and Space select the focused tab. The buttons are rebuilt only when the
/// periods change (once per board): a tab keeps its node, and its focus, when the selection or
/// the page changes.
#[component]
pub(crate) fn PeriodTabs<S, F>(
    /// The board's periods.
    periods: RwSignal<Vec<PeriodInfo>>,
    /// The selected period.
    selected: S,
    /// Called with the chosen period.
    select: F,
) -> impl IntoView
where
    S: Fn() -> Option<String> + Copy + Send + Sync + 'static,
    F: Fn(String) + Clone + Send + Sync + 'static,
{
    let on_keydown = {
        let select = select.clone();
        move |event: web_sys::KeyboardEvent| {
            let list = periods.get_untracked();
            let tablist = event
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let Some(tablist) = tablist.filter(|_| !list.is_empty()) else {
                return;
            };
            let focused = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|tab| tab.get_attribute("data-period"))
                .or_else(|| untrack(selected));
            let index = focused
                .and_then(|period| list.iter().position(|p| p.period == period))
                .unwrap_or(0);
            let next = match event.key().as_str() {
                "ArrowRight" => (index + 1) % list.len(),
                "ArrowLeft" => (index + list.len() - 1) % list.len(),
                "Home" => 0,
                "End" => list.len() - 1,
                "Enter" | " " => index,
                _ => return,
            };
            event.prevent_default();
            select(list[next].period.clone());
            if let Some(tab) = tablist.children().item(next as u32)
                && let Ok(tab) = tab.dyn_into::<HtmlElement>()
            {
                let _ = tab.focus();
            }
        }
    };
    let tab = move |info: PeriodInfo| {
        let select = select.clone();
        let period = info.period.clone();
        let is_selected = {
            let period = info.period.clone();
            move || selected().as_deref() == Some(period.as_str())
        };
        view! {
            <button
                type="button"
                role="tab"
                id=tab_id(&info.period)
                data-period=info.period.clone()
                aria-controls=PANEL_ID
                aria-selected={
                    let is_selected = is_selected.clone();
                    move || if is_selected() { "true" } else { "false" }
                }
                tabindex=move || if is_selected() { "0" } else { "-1" }
                on:click=move |_| select(period.clone())
            >
                {period_label(&info.period)}
            </button>
        }
    };
    view! {
        <div class="tabs" role="tablist" aria-label="Period" data-testid="tabs" on:keydown=on_keydown>
            {move || periods.get().into_iter().map(tab.clone()).collect_view()}
        </div>
    }
}
