/* Small helpers the explorables share. */

/** A new element with attributes ("text" sets its text), appended to parent if given. */
export function element(tag, attributes = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

/** A page string with its {name} fields filled: fill("epoch {n}", { n: 3 }). */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}
