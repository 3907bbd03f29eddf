/**
 * The one way a form field joins the params, for the query string, urlencoded bodies and
 * multipart/form-data bodies alike: a repeated name becomes an array grown in place (a copy per
 * repeat, `[...previous, value]`, made n repeats cost n²/2 steps), and `__proto__` is dropped.
 */

/** Params being built; made with Object.create(null) so no name reaches a prototype. */
export type Fields = Record<string, unknown>;

/** Adds `value` under `name`: one property write or one push, whatever came before. */
export function addField(target: Fields, name: string, value: unknown): void {
  if (name === "__proto__") return;
  const previous = target[name];
  if (previous === undefined) target[name] = value;
  else if (Array.isArray(previous)) previous.push(value);
  else target[name] = [previous, value];
}
