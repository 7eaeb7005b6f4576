//! One row of the table.

use leptos::prelude::*;

use crate::model::Movement;
use crate::signals::Row;

/// One ranked player. The name is a text node: markup in names is shown, never parsed.
#[component]
pub(crate) fn BoardRow(
    /// The formatted row.
    row: Row,
) -> impl IntoView {
    let (mark, label, class) = match row.movement {
        Movement::Up(n) => ("▲", format!("up {n}"), "move up"),
        Movement::Down(n) => ("▼", format!("down {n}"), "move down"),
        Movement::New => ("●", "new".to_owned(), "move new"),
        Movement::Same => ("", String::new(), "move"),
    };
    let changed = row.movement != Movement::Same;
    let (movement_attr, title) = (label.clone(), label.clone());
    view! {
        <tr
            data-player=row.player.clone()
            data-movement=movement_attr
            class:viewer=row.viewer
            class:changed=changed
            aria-current=row.viewer.then_some("true")
        >
            <td class="rank">
                {row.rank_text}
                <span class=class title=title aria-label=label>{mark}</span>
            </td>
            <th scope="row" class="name">{row.name}</th>
            <td class="score">{row.score_text}</td>
        </tr>
    }
}
