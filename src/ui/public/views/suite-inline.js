// A node's attributes drawn on its line, as ecflow_ui draws them: meters as bars, events as lit or
// dark boxes, labels with their text, the repeat's value, limits as bars of tokens in use, inlimits
// and time dependencies.
import { el } from "../app.js";

/** The chips of the node's attributes (none for a node without any). */
export function inlineAttributes(node) {
  return node.inline.map(chip);
}

function chip(attribute) {
  const { kind, name, value } = attribute;
  const common = { class: `attr attr-${kind}`, "data-attr": `${kind} ${name}` };
  switch (kind) {
    case "meter":
      return el(
        "span",
        { ...common, title: `meter ${name}: ${value} (${attribute.min} to ${attribute.max})` },
        `${name} `,
        el("meter", { min: String(attribute.min), max: String(attribute.max), value }),
        ` ${value}`,
      );
    case "limit":
      return el(
        "span",
        { ...common, title: `limit ${name}: ${value} of ${attribute.max} tokens in use` },
        `${name} `,
        el("meter", { min: "0", max: String(attribute.max), value }),
        ` ${value}/${attribute.max}`,
      );
    case "event":
      return el(
        "span",
        { ...common, class: `${common.class} ${value}`, title: `event ${name} ${value}` },
        value === "set" ? "■ " : "□ ",
        name,
      );
    case "label":
      return el("span", { ...common, title: `label ${name}` }, `${name}: `, el("q", {}, value));
    case "repeat":
      return el("span", { ...common, title: `repeat ${name}` }, `${name}=${value}`);
    case "inlimit":
      return el("span", { ...common, title: `inlimit ${name} (${value} token)` }, `inlimit ${name}`);
    default:
      return el("span", { ...common, title: `${name} ${value}` }, `${name} ${value}`);
  }
}
