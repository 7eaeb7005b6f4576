//! The whole widget's view.

use leptos::prelude::*;

use super::board_row::BoardRow;
use super::period_tabs::{PANEL_ID, PeriodTabs, tab_id};
use crate::model::countdown;
use crate::signals::{Row, Signals, Status};

/// The whole widget: heading, period tabs with the reset countdown, the table, the pinned viewer.
#[component]
pub(crate) fn Leaderboard<F, M>(
    /// State written by the controller.
    signals: Signals,
    /// Called with a period name when the viewer picks a tab.
    select: F,
    /// Called when the viewer asks for the next rows ("Show more").
    more: M,
) -> impl IntoView
where
    F: Fn(String) + Clone + Send + Sync + 'static,
    M: Fn() + Send + Sync + 'static,
{
    let Signals {
        options,
        status,
        top,
        pinned,
        more: more_rows,
        more_cursor,
        loaded,
        board_title,
        periods,
        active_period,
        resets_at,
        now,
        announcement,
    } = signals;
    let title = move || {
        options
            .with(|o| o.title.clone())
            .or_else(|| board_title.get())
            .unwrap_or_else(|| options.with(|o| o.board.clone()))
    };
    let reconnecting = move || status.get() == Status::Reconnecting;
    let reset_text = move || {
        resets_at
            .get()
            .map(|at| format!("Resets in {}", countdown(at - now.get())))
    };
    let empty = move || loaded.get() && top.with(Vec::is_empty);
    let has_tabs = move || periods.with(|p| p.len() > 1);
    // The period asked for, else the one shown, else the board's first: a tab is selected as
    // soon as it is picked, before its page arrives.
    let selected_period = move || {
        options
            .with(|o| o.period.clone())
            .or_else(|| active_period.get())
            .or_else(|| periods.with(|p| p.first().map(|p| p.period.clone())))
    };

    view! {
        <section class="podium" data-testid="podium" aria-label=title>
            <header class="head">
                <h2 class="title">{title}</h2>
                <span class="status" data-testid="status" class:reconnecting=reconnecting aria-hidden="true">
                    {move || match status.get() {
                        Status::Reconnecting => "reconnecting…",
                        Status::Loading => "loading…",
                        _ => "",
                    }}
                </span>
            </header>
            <Show when=has_tabs>
                <PeriodTabs periods=periods selected=selected_period select=select.clone()/>
            </Show>
            <p class="reset" data-testid="countdown" hidden=move || reset_text().is_none()>{reset_text}</p>
            <div
                id=PANEL_ID
                role=move || has_tabs().then_some("tabpanel")
                aria-labelledby=move || has_tabs().then(|| selected_period().map(|p| tab_id(&p))).flatten()
            >
                <table class="board" data-testid="board">
                    <thead>
                        <tr>
                            <th scope="col" class="rank">"Rank"</th>
                            <th scope="col" class="name">"Player"</th>
                            <th scope="col" class="score">"Score"</th>
                        </tr>
                    </thead>
                    <tbody data-testid="top">
                        <For each=move || top.get() key=Row::key children=|row| view! { <BoardRow row=row/> }/>
                    </tbody>
                    <tbody data-testid="more" hidden=move || more_rows.with(Vec::is_empty)>
                        <For each=move || more_rows.get() key=Row::key children=|row| view! { <BoardRow row=row/> }/>
                    </tbody>
                    <tbody class="pinned" data-testid="pinned" hidden=move || pinned.with(Vec::is_empty)>
                        <tr class="gap" aria-hidden="true"><td colspan="3">"⋯"</td></tr>
                        <For each=move || pinned.get() key=Row::key children=|row| view! { <BoardRow row=row/> }/>
                    </tbody>
                </table>
                <p class="empty" data-testid="empty" hidden=move || !empty()>"No scores yet"</p>
                <button type="button" class="more" data-testid="show-more" hidden=move || more_cursor.with(Option::is_none) on:click=move |_| more()>"Show more"</button>
            </div>
            <p class="sr-only" aria-live="polite" aria-atomic="true" data-testid="live">{move || announcement.get()}</p>
        </section>
    }
}
