export { mount, WidgetHandle } from "./podium_widget.js";
